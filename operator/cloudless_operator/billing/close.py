"""Closing an epoch: the facts of epoch e and the state after e - 1 in, one ledger record out.

`close` is a pure function (no clock, no I/O): the same inputs and state always give the same
record body, byte for byte. `settle` drives it against a ledger and is idempotent by epoch: if e
already has a record (a controller restarted mid-close), that record and the state after it are
returned and nothing is recomputed, so nothing is charged twice; otherwise e must follow the head.

The close, in order: the epoch's nonce from the previous head; commitments as declared; which
units had proof duty; the proof check; the reward pool and its shares; each commitment's failures,
slashes, vesting and next status; processing samples and their slashes; each deal's top-up,
charge and withdrawal (a deal known to the ledger but missing from the inputs is carried over
unbilled: that epoch is a gap for it, and its balance and deposits are kept); totals.

A kopf handler gathers the inputs, calls `settle`, stores nothing else, publishes
`Settled.state.challenge()` for the provers, and mirrors the record's head and lines into statuses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from cloudless_operator.billing import amounts, commitments, deals, epochs, proofs, rewards, state
from cloudless_operator.billing.ledger import chain
from cloudless_operator.billing.samples import candidates, policy, select, verify
from cloudless_operator.billing.settings import Settings
from cloudless_runtime.prover import proof
from cloudless_runtime.router import steps

VERSION = "cloudless-epoch/1"


@dataclasses.dataclass(frozen=True, slots=True)
class SampleInputs:
    """The steps executed in the previous epoch that routers retained (`candidates.collect`), and
    who executed them. Steps of epoch e - 1 are drawn with the nonce of epoch e, unknown while they ran."""

    offered: Mapping[str, Sequence[candidates.StepKey]] = dataclasses.field(default_factory=dict)
    """Per subnet, the keys of its retained steps."""
    records: Mapping[candidates.StepKey, steps.Step] = dataclasses.field(default_factory=dict)
    """The readable records among them (at least the drawn ones: `select.select` says which)."""
    workers: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Worker peer id -> the units it runs on: who pays for a failed sample."""
    builtin_services: frozenset[str] = frozenset()
    """Service names the routers serve themselves (no Marine receipt)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Inputs:
    """Everything observed about one epoch."""

    epoch: int
    commitments: Sequence[commitments.Spec] = ()
    in_deal: frozenset[str] = frozenset()
    """Units that served a deal for any part of the epoch: they had no proof duty."""
    proofs: Sequence[proof.Proof] = ()
    malformed_proofs: int = 0
    deals: Sequence[deals.Terms] = ()
    samples: SampleInputs = SampleInputs()


@dataclasses.dataclass(frozen=True, slots=True)
class Settled:
    record: chain.EpochRecord
    state: state.State
    replayed: bool
    """True when the epoch was already in the ledger and nothing was computed."""


def settle(book: chain.Ledger, inputs: Inputs, settings: Settings) -> Settled:
    """Closes `inputs.epoch` into `book` once; a repeated call returns the recorded result."""
    existing = book.record_for(inputs.epoch)
    if existing is not None:
        return Settled(existing, state.after(existing), replayed=True)
    head = book.head
    before = state.genesis(inputs.epoch, settings) if head is None else state.after(head)
    if inputs.epoch != before.epoch + 1:
        raise chain.LedgerError(f"epoch {inputs.epoch} cannot be closed after epoch {before.epoch}: close in order")
    written = book.append(inputs.epoch, close(inputs, before, settings))
    return Settled(written, state.after(written), replayed=False)


def close(inputs: Inputs, before: state.State, settings: Settings) -> dict[str, Any]:
    """The record body of `inputs.epoch`, which must be the epoch after `before`."""
    epoch = inputs.epoch
    if epoch != before.epoch + 1:
        raise ValueError(f"epoch {epoch} does not follow the state's epoch {before.epoch}")
    rules = before.challenge()
    known, ignored = _observe(inputs.commitments, before.commitments, settings)
    provers = {unit: c.peer_id for c in known.values() for unit in c.duties(inputs.in_deal)}
    tallies = proofs.check(inputs.proofs, rules=rules, provers=provers)
    successful = {
        unit: tallies[unit].accepted
        for unit in provers
        if unit in tallies and tallies[unit].accepted >= settings.min_proofs_per_epoch
    }
    pool = rewards.next_pool(before.pool, active_units=len(provers), settings=settings)
    shares = rewards.shares(pool.value, successful)
    refused = {entry["id"] for entry in ignored}
    posted = {spec.id for spec in inputs.commitments if spec.collateral_posted and spec.id not in refused}
    settled = {
        cid: commitments.settle(
            c,
            epoch=epoch,
            tallies=tallies,
            rewards=shares,
            in_deal=inputs.in_deal,
            posted=cid in posted,
            settings=settings,
        )
        for cid, c in sorted(known.items())
    }
    finals = {cid: s.commitment for cid, s in settled.items()}
    samples = _samples(inputs.samples, rules.global_nonce, finals, settings)
    declared = {spec.id for spec in inputs.commitments}
    leaving = (commitments.Status.REMOVABLE, commitments.Status.WAIT_DELEGATION)
    removed = [cid for cid, c in finals.items() if c.status in leaving and cid not in declared]
    deal_lines = [
        deals.settle(terms, before.deals.get(terms.id, deals.opened(epoch)), epoch=epoch, settings=settings)
        for terms in sorted(inputs.deals, key=lambda t: t.id)
    ]
    billed = {line.terms.id for line in deal_lines}
    window = epochs.window(settings.init_timestamp, settings.epoch_duration, epoch)
    lines = [
        {
            **line.to_json(),
            "sampleSlash": amounts.text(samples.slashed.get(line.unit, amounts.ZERO)),
            "collateralLeft": amounts.text(finals[cid].collateral_left(line.unit)),
        }
        for cid, s in settled.items()
        for line in s.units
    ]
    commitment_json = {cid: dataclasses.replace(s, commitment=finals[cid]).to_json() for cid, s in settled.items()}
    return {
        "version": VERSION,
        "epoch": epoch,
        "window": {"start": window.start, "end": window.end},
        "globalNonce": rules.global_nonce.hex(),
        "puzzle": before.rules.to_json(),
        "nextPuzzle": state.Rules.of(settings).to_json(),
        "params": settings.to_mapping(),
        "pool": {**pool.to_json(), **_pool_use(pool.value, shares, successful)},
        "units": sorted(lines, key=lambda line: str(line["id"])),
        "commitments": [j for cid, j in commitment_json.items() if cid not in removed],
        "removedCommitments": [commitment_json[cid] for cid in removed],
        "ignoredCommitments": ignored,
        "deals": [line.to_json() for line in deal_lines],
        "carriedDeals": [
            {"id": deal_id, **dataclasses.replace(account, closed_through=epoch).to_json()}
            for deal_id, account in sorted(before.deals.items())
            if deal_id not in billed and not (account.ended_epoch is not None and account.balance == 0)
        ],
        "samples": samples.lines,
        "totals": _totals(
            tallies=tallies,
            malformed=inputs.malformed_proofs,
            duty=len(provers),
            settled=list(settled.values()),
            samples=samples,
            deal_lines=deal_lines,
            pool=pool.value,
            distributed=sum(shares.values(), amounts.ZERO),
        ),
    }


def _observe(
    specs: Sequence[commitments.Spec], carried: Mapping[str, commitments.Commitment], settings: Settings
) -> tuple[dict[str, commitments.Commitment], list[dict[str, str]]]:
    """The commitments of this close: the ones carried over, updated from their specs; bad specs ignored."""
    known = dict(carried)
    owner = {unit: cid for cid, c in known.items() for unit in c.units}
    ignored = []
    for spec in sorted(specs, key=lambda s: s.id):
        try:
            taken = [unit for unit in spec.units if owner.get(unit, spec.id) != spec.id]
            if taken:
                raise commitments.InvalidSpec(f"{spec.id}: units {', '.join(taken)} are in another commitment")
            known[spec.id] = commitments.observe(spec, known.get(spec.id), settings=settings)
        except commitments.InvalidSpec as e:
            ignored.append({"id": spec.id, "reason": str(e)})
            continue
        owner.update(dict.fromkeys(known[spec.id].units, spec.id))
    return known, ignored


@dataclasses.dataclass(frozen=True, slots=True)
class _Samples:
    lines: list[dict[str, Any]]
    slashed: dict[str, Decimal]
    """Per unit, what its samples cost in this close."""


def _samples(
    inputs: SampleInputs, nonce: bytes, finals: dict[str, commitments.Commitment], settings: Settings
) -> _Samples:
    """Verifies the nonce's choice of steps and slashes the executing units of failed ones (in `finals`)."""
    owner = {unit: cid for cid, c in finals.items() for unit in c.units}
    lines = []
    slashed: dict[str, Decimal] = {}
    for key in select.select(nonce, inputs.offered, settings.samples_per_subnet):
        step = inputs.records.get(key)
        finding = verify.verify(step, builtin_services=inputs.builtin_services)
        rate = policy.slash_rate(finding.verdict, settings)
        costs: dict[str, str] = {}
        for unit in inputs.workers.get(key.peer_id, ()) if rate > 0 else ():
            cid = owner.get(unit)
            if cid is None or finals[cid].status is commitments.Status.WAIT_DELEGATION:
                continue
            finals[cid], amount = finals[cid].slash(unit, rate)
            slashed[unit] = slashed.get(unit, amounts.ZERO) + amount
            costs[unit] = amounts.text(amount)
        lines.append({**key.to_json(), "verdict": finding.verdict.value, "detail": finding.detail, "slashes": costs})
    return _Samples(lines, slashed)


def _pool_use(pool: Decimal, shares: Mapping[str, Decimal], successful: Mapping[str, int]) -> dict[str, Any]:
    distributed = sum(shares.values(), amounts.ZERO)
    return {
        "successfulProofs": sum(successful.values()),
        "distributed": amounts.text(distributed),
        "undistributed": amounts.text(pool - distributed),
    }


def _totals(
    *,
    tallies: Mapping[str, proofs.UnitTally],
    malformed: int,
    duty: int,
    settled: Sequence[commitments.Settled],
    samples: _Samples,
    deal_lines: Sequence[deals.Line],
    pool: Decimal,
    distributed: Decimal,
) -> dict[str, Any]:
    rejected: dict[str, int] = {reason: 0 for reason in proofs.REASONS}
    rejected["malformed"] += malformed
    for tally in tallies.values():
        for reason, count in tally.rejected.items():
            rejected[reason] += count
    units = [line for s in settled for line in s.units]
    verdicts = {verdict.value: 0 for verdict in verify.Verdict}
    for line in samples.lines:
        verdicts[line["verdict"]] += 1
    return {
        "proofs": {
            "accepted": sum(t.accepted for t in tallies.values()),
            "dropped": sum(t.dropped for t in tallies.values()),
            "rejected": rejected,
        },
        "units": {
            "duty": duty,
            "succeeded": sum(line.success for line in units),
            "failed": sum(line.failed for line in units),
        },
        "rewards": {
            "pool": amounts.text(pool),
            "distributed": amounts.text(distributed),
            "unlocked": amounts.text(sum((s.unlocked for s in settled), amounts.ZERO)),
            "forfeited": amounts.text(sum((s.forfeited for s in settled), amounts.ZERO)),
        },
        "slashed": {
            "proofs": amounts.text(sum((line.slash for line in units), amounts.ZERO)),
            "samples": amounts.text(sum(samples.slashed.values(), amounts.ZERO)),
        },
        "deals": {
            "charged": amounts.text(sum((line.charge.charged for line in deal_lines), amounts.ZERO)),
            "gaps": sum(line.charge.gap for line in deal_lines),
            "topUps": amounts.text(sum((line.top_up for line in deal_lines), amounts.ZERO)),
            "withdrawals": amounts.text(sum((line.withdrawal for line in deal_lines), amounts.ZERO)),
        },
        "samples": verdicts,
    }
