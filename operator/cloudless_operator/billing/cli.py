"""`cloudless ledger`: check a ledger file and read its records, the same story the statuses tell.

`verify` replays the chain (links, hashes, signatures) and names the first bad record; it exits 1
on any problem, a torn last line included. Without `--signer` it trusts whoever signed the first
record and says so: pin the operator's peer id to detect a ledger re-signed end to end.
`--expect-head HASH` checks that a head mirrored elsewhere (ConfigMap, statuses) is in the chain,
which is how a dropped tail shows. `show` prints one record (the head by default) as a summary or,
with `--json`, exactly as stored.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Callable, Mapping
from typing import Any

import click

from cloudless_operator.billing.ledger import chain, store

_LEDGER = click.Path(dir_okay=False, exists=True, path_type=pathlib.Path)


@click.group()
def ledger() -> None:
    """Verify and read the epoch ledger (JSON Lines, one signed record per epoch)."""


@ledger.command()
@click.argument("path", type=_LEDGER)
@click.option("--signer", help="the operator's peer id; default: whoever signed the first record")
@click.option("--expect-head", help="a head hash mirrored elsewhere, which must be in the chain")
def verify(path: pathlib.Path, signer: str | None, expect_head: str | None) -> None:
    """Replay the chain in PATH and every signature; name the first bad record."""
    contents = store.read(path)
    records = contents.records
    if signer is None and records:
        signer = records[0].signer
        click.echo(f"signer not pinned: trusting the first record's signer {signer} (pass --signer)")
    problems = []
    try:
        chain.verify_chain(records, signer or "")
    except chain.BrokenChain as e:
        problems.append(f"bad: {e}")
    if contents.unreadable is not None:
        bad = contents.unreadable
        problems.append(f"bad: record {bad.index} (line {bad.line}) is not a ledger record: {bad.reason}")
    if contents.torn is not None:
        torn = contents.torn
        problems.append(f"torn: the last {torn.length} bytes (from byte {torn.offset}) are an unfinished append")
    if expect_head is not None and expect_head not in {record.hash for record in records}:
        problems.append(f"bad: the head {expect_head} is not in this ledger: records were dropped or rewritten")
    if problems:
        for problem in problems:
            click.echo(problem)
        raise SystemExit(1)
    if not records:
        click.echo("ok: empty ledger")
        return
    click.echo(f"ok: {len(records)} records, epochs {records[0].epoch}..{records[-1].epoch}, head {records[-1].hash}")


@ledger.command()
@click.argument("path", type=_LEDGER)
@click.option("--epoch", type=int, help="the epoch to show; default: the head")
@click.option("--json", "as_json", is_flag=True, help="print the stored record as JSON")
def show(path: pathlib.Path, epoch: int | None, *, as_json: bool) -> None:
    """Print one epoch's record from PATH (not verified: run `cloudless ledger verify` for that)."""
    records = store.read(path).records
    found = [r for r in records if epoch is None or r.epoch == epoch]
    if not found:
        raise click.ClickException("the ledger is empty" if epoch is None else f"no record for epoch {epoch}")
    record = found[-1]
    if as_json:
        click.echo(json.dumps(record.to_mapping(), indent=2, sort_keys=True))
    else:
        click.echo("\n".join(summary(record)))


def summary(record: chain.EpochRecord) -> list[str]:
    """The record as a person reads it: header, pool, one line per unit, commitment, deal and sample."""
    body = record.body
    window = body.get("window", {})
    out = [
        f"epoch {record.epoch}  [{window.get('start')}, {window.get('end')})  hash {record.hash}",
        f"  prev {record.prev_hash}  signer {record.signer}",
        f"  nonce {body.get('globalNonce')}  puzzle {_puzzle(body.get('puzzle', {}))}",
    ]
    pool = body.get("pool", {})
    out.append(
        f"pool {pool.get('value')} for {pool.get('activeUnits')} active units: "
        f"distributed {pool.get('distributed')}, undistributed {pool.get('undistributed')}"
    )
    out += _section("units", body.get("units", []), _unit)
    out += _section("commitments", body.get("commitments", []), _commitment)
    out += _section("deals", body.get("deals", []), _deal)
    out += _section("samples", body.get("samples", []), _sample)
    totals = body.get("totals", {})
    proofs = totals.get("proofs", {})
    rejected = {k: v for k, v in proofs.get("rejected", {}).items() if v}
    out.append(
        f"totals: proofs accepted {proofs.get('accepted')}, dropped {proofs.get('dropped')}, rejected {rejected}; "
        f"charged {totals.get('deals', {}).get('charged')}; slashed {totals.get('slashed')}; "
        f"samples {totals.get('samples')}"
    )
    return out


def _section(title: str, items: list[Mapping[str, Any]], line: Callable[[Mapping[str, Any]], str]) -> list[str]:
    return [f"{title}:"] + [f"  {line(item)}" for item in items] if items else []


def _puzzle(puzzle: Mapping[str, Any]) -> str:
    return f"{puzzle.get('algorithm')} <= {puzzle.get('difficulty')}, at most {puzzle.get('maxProofs')} proofs"


def _unit(u: Mapping[str, Any]) -> str:
    outcome = "success" if u["success"] else "FAILED" if u["failed"] else "no duty"
    rejected = {k: v for k, v in u["rejected"].items() if v}
    return (
        f"{u['id']}  ({u['commitment']})  {outcome}  accepted {u['accepted']} dropped {u['dropped']} "
        f"rejected {rejected}  reward {u['reward']}  slash {u['slash']}+{u['sampleSlash']}  "
        f"collateral left {u['collateralLeft']}"
    )


def _commitment(c: Mapping[str, Any]) -> str:
    return (
        f"{c['id']}  {c['status']}  start {c['startEpoch']}  fails {c['failCount']}  "
        f"unlocked now {c['unlockedNow']} (total {c['vesting']['unlocked']})  forfeited {c['forfeited']}"
    )


def _deal(d: Mapping[str, Any]) -> str:
    gap = "  GAP" if d["gap"] else ""
    return (
        f"{d['id']}  {d['phase']}  workers {d['workers']}  charged {d['charged']}{gap}  balance {d['balance']}  "
        f"top-up {d['topUp']}  withdrawal {d['withdrawal']}"
    )


def _sample(s: Mapping[str, Any]) -> str:
    """A drawn step: which record (`digest`, the SHA-256 of its line), on whom, the verdict and what it cost."""
    detail = f"  ({s['detail']})" if s["detail"] else ""
    slashes = f"  slashed {s['slashes']}" if s["slashes"] else ""
    return f"{s['subnet']}/{s['particleId']} record {s['digest']} on {s['peer']}: {s['verdict']}{detail}{slashes}"
