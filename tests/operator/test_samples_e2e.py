"""Processing samples end to end on the local cluster, through the real epoch controller (6-second epochs).

A real operator (epoch loop, Deal handler), node agent and two workers whose routers keep step
records in the epoch data folder; particles are `cloudless run examples/hello.air` through a worker.
The billing file sets `samplesPerSubnet` far above the steps one hello makes, so the close of e + 1
draws every step retained from epoch e and the outcome does not depend on the nonce's draw.

- Honest steps: every step the routers recorded is sampled once, in the close after its epoch, by
  its executing peer, with verdict `ok` and no slash.
- Tampered steps: right after a hello that starts at the beginning of an epoch (so the close that
  samples it is at least an epoch away), three of its records are edited on disk: a Marine receipt's
  fuel (`bad_signature`: the receipt's signature no longer covers it), a Marine call's result
  (`receipt_mismatch`: the receipt hashes another result) and a builtin call's result
  (`trace_mismatch`: the re-run makes other data than recorded). The workers' units are in a
  CapacityCommitment whose collateral is posted (seen by a close before the tampered epoch's), so
  each failed sample slashes the executing worker's unit `sampleSlashRate x collateralPerUnit`
  (LOCAL: 5% of 0.1 = 0.005); the other steps of the epoch stay `ok`, and the samples metric counts
  each verdict. The tests run in file order over one deal, as one operator's life.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests import scrape
from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver, cloudless_cli, epochcluster, manifests
from tests.operator.epochcluster import Epochs
from tests.operator.operator_process import apply, eventually, get, ready_subnet

from cloudless_operator.billing.ledger import chain
from cloudless_operator.models import datadir

NAMESPACE = "cloudless-samples"
EPOCH_S = 6
PORT = 18291
SUBNET = "default/greeting"
"""The subnet's id in the samples: `<namespace>/<subnet>`."""
SAMPLE_SLASH = Decimal("0.005")
"""`sampleSlashRate x collateralPerUnit`: 0.05 x 0.1 (LOCAL's usdCollateralPerUnit at a token price of 1)."""


@dataclasses.dataclass(frozen=True)
class Worker:
    name: str
    peer_id: str
    unit: str
    address: str
    steps: Path
    """Its router's steps folder (`--steps-dir`)."""


@dataclasses.dataclass(frozen=True)
class Served:
    """The deal's subnet, ready, with its workers' units committed (collateral posted)."""

    epochs: Epochs
    workers: tuple[Worker, ...]
    commitment: str


@dataclasses.dataclass(frozen=True)
class Line:
    """One step record as it sits in a worker's steps folder."""

    worker: Worker
    path: Path
    raw: bytes
    record: dict[str, Any]

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    def calls(self, service: str, function: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = [
            c
            for c in self.record["call_results"].values()
            if (c["service_id"], c["function_name"]) == (service, function)
        ]
        return found


@pytest.fixture(scope="module")
def served(crd_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("samples")
    billing = {"samplesPerSubnet": 1000, "sampleSlashRate": "0.05"}
    with epochcluster.running(
        crd_cluster, folder, namespace=NAMESPACE, port=PORT, epoch_seconds=EPOCH_S, billing=billing
    ) as epochs:
        cluster = epochs.cluster
        apiserver.greeting_module(cluster)
        (deal,) = manifests.load_yaml_documents(manifests.EXAMPLES / "deal.yaml")
        deal["spec"].update(
            minWorkers=2, targetWorkers=2, maxWorkersPerProvider=2, pricePerWorkerEpoch="0.5", deposit="100"
        )
        apply(cluster, deal)
        subnet = ready_subnet(cluster, 2)
        units = {w["name"]: w["computeUnit"] for w in subnet["spec"]["workers"]}
        workers = tuple(
            Worker(
                name=w["name"],
                peer_id=w["peerId"],
                unit=units[w["name"]],
                address=w["address"],
                steps=Path(datadir.steps_dir(str(epochs.data), "default", "greeting", w["name"])),
            )
            for w in sorted(subnet["status"]["workers"], key=lambda w: w["name"])
        )
        (node,) = [n["metadata"]["name"] for n in get(cluster, "nodes")["items"]]
        commitment = f"cc-{node}"
        apply(
            cluster,
            {
                "apiVersion": "cloudless.dev/v1alpha1",
                "kind": "CapacityCommitment",
                "metadata": {"name": commitment},
                "spec": {
                    "nodeName": node,
                    "units": sorted(w.unit for w in workers),
                    "duration": 50,
                    "stakerRewardRate": "0.2",
                    "collateralPosted": True,
                },
            },
        )
        yield Served(epochs, workers, commitment)


def step_lines(workers: tuple[Worker, ...]) -> list[Line]:
    """Every record the workers' routers keep, oldest file first."""
    return [
        Line(worker, path, raw, orjson.loads(raw))
        for worker in workers
        for path in sorted(worker.steps.glob("steps-*.jsonl"))
        for raw in path.read_bytes().splitlines()
    ]


def hello(served: Served) -> list[Line]:
    """`cloudless run examples/hello.air` through the first worker; the records its steps left."""
    before = {line.digest for line in step_lines(served.workers)}
    relay = served.workers[0]
    greetings = cloudless_cli.hello(served.epochs.cluster, relay.address)
    assert sorted(greetings) == sorted(f"{w.peer_id}: Hi, world" for w in served.workers)
    return [line for line in step_lines(served.workers) if line.digest not in before]


def samples_of(record: chain.EpochRecord) -> dict[str, dict[str, Any]]:
    """The record's samples of the deal's subnet, by the digest of the step record each names."""
    return {line["digest"]: line for line in record.body["samples"] if line["subnet"] == SUBNET}


def closed_through(epochs: Epochs, epoch: int) -> dict[int, chain.EpochRecord]:
    """The ledger's records by epoch, once it has closed `epoch`."""

    def probe() -> dict[int, chain.EpochRecord] | None:
        records = {r.epoch: r for r in epochs.records()}
        return records if epoch in records else None

    found: dict[int, chain.EpochRecord] = eventually(probe, timeout=6 * EPOCH_S, what=f"the close of epoch {epoch}")
    return found


def test_every_step_of_an_honest_particle_is_sampled_once_with_verdict_ok(served: Served) -> None:
    epochs = served.epochs
    made = hello(served)
    clock = epochs.clock()
    by_epoch: dict[int, set[str]] = {}
    for line in made:
        assert line.record["peer_id"] == line.worker.peer_id
        by_epoch.setdefault(clock.epoch(line.record["recorded_at"] / 1000), set()).add(line.digest)
    assert {line.worker for line in made} == set(served.workers), "both workers ran steps"
    assert any(line.calls("greeting", "greeting") for line in made), "a Marine call was recorded"

    records = closed_through(epochs, max(by_epoch) + 1)
    peer_of = {line.digest: line.worker.peer_id for line in made}
    for epoch, digests in by_epoch.items():
        sampled = samples_of(records[epoch + 1])
        assert set(sampled) == digests, f"the close of {epoch + 1} sampled every step of epoch {epoch}, no other"
        for digest, sample in sampled.items():
            assert (sample["verdict"], sample["detail"], sample["slashes"]) == ("ok", "", {}), sample
            assert sample["peer"] == peer_of[digest]
    assert all(samples_of(r) == {} for e, r in records.items() if e - 1 not in by_epoch), "no step sampled twice"

    metrics = epochs.counted_through(max(by_epoch) + 1)
    assert scrape.value(metrics, "cloudless_operator_samples_total", verdict="ok") == len(made)
    assert scrape.total(metrics, "cloudless_operator_samples_total") == len(made)


def test_tampered_steps_get_their_verdicts_and_slash_the_executing_units(served: Served) -> None:
    epochs = served.epochs
    clock = epochs.clock()

    def posted() -> chain.EpochRecord | None:
        head = epochs.records()[-1]
        (line,) = [c for c in head.body["commitments"] if c["id"] == served.commitment]
        return head if line["status"] != "WaitDelegation" else None

    seen = eventually(posted, timeout=4 * EPOCH_S, what="a close that saw the commitment's collateral posted")
    (line,) = [c for c in seen.body["commitments"] if c["id"] == served.commitment]
    assert Decimal(line["collateralPerUnit"]) == Decimal("0.1")

    # Start the particle just after an epoch begins: its steps are sampled at the close of the next one.
    now = time.time()
    time.sleep(clock.window(clock.epoch(now)).end - now + 0.2)
    epoch = clock.epoch(time.time())
    made = hello(served)
    assert {clock.epoch(line.record["recorded_at"] / 1000) for line in made} == {epoch}, "the hello took an epoch"
    first, second = served.workers
    (receipt_target,) = [line for line in made if line.worker == first and line.calls("greeting", "greeting")]
    (result_target,) = [line for line in made if line.worker == second and line.calls("greeting", "greeting")]
    builtin_target = next(line for line in made if line.worker == first and line.calls("op", "concat_strings"))

    (call,) = receipt_target.calls("greeting", "greeting")
    call["receipt"]["fuel"] += 1
    (call,) = result_target.calls("greeting", "greeting")
    call["result"] = orjson.dumps("Hi, tampered").decode()
    (call,) = builtin_target.calls("op", "concat_strings")
    call["result"] = orjson.dumps("someone else: ").decode()
    tampered = {
        rewrite(receipt_target): ("bad_signature", first),
        rewrite(result_target): ("receipt_mismatch", second),
        rewrite(builtin_target): ("trace_mismatch", first),
    }
    assert epochs.records()[-1].epoch < epoch + 1, "tampered before the close that samples the steps"

    record = closed_through(epochs, epoch + 1)[epoch + 1]
    sampled = samples_of(record)
    untouched = {line.digest for line in made} - {
        line.digest for line in (receipt_target, result_target, builtin_target)
    }
    assert set(sampled) == untouched | set(tampered)
    for digest, (verdict, worker) in tampered.items():
        sample = sampled[digest]
        assert (sample["verdict"], sample["peer"]) == (verdict, worker.peer_id), sample
        assert sample["detail"], "a failed sample says why"
        assert {unit: Decimal(amount) for unit, amount in sample["slashes"].items()} == {worker.unit: SAMPLE_SLASH}
    assert [sampled[d]["verdict"] for d in untouched] == ["ok"] * len(untouched)

    units = {line["id"]: line for line in record.body["units"]}
    assert Decimal(units[first.unit]["sampleSlash"]) == 2 * SAMPLE_SLASH
    assert Decimal(units[second.unit]["sampleSlash"]) == SAMPLE_SLASH
    assert Decimal(units[first.unit]["collateralLeft"]) == Decimal("0.1") - 2 * SAMPLE_SLASH
    assert Decimal(units[first.unit]["slash"]) == 0, "no proof duty while serving: the slash is the samples'"
    totals = record.body["totals"]
    assert totals["samples"] == {
        "ok": len(untouched),
        "bad_signature": 1,
        "receipt_mismatch": 1,
        "trace_mismatch": 1,
        "unavailable": 0,
    }
    assert Decimal(totals["slashed"]["samples"]) == 3 * SAMPLE_SLASH

    metrics = epochs.counted_through(epoch + 1)
    for verdict in ("bad_signature", "receipt_mismatch", "trace_mismatch"):
        assert scrape.value(metrics, "cloudless_operator_samples_total", verdict=verdict) == 1
    assert scrape.value(metrics, "cloudless_operator_samples_total", verdict="unavailable") == 0
    assert scrape.value(metrics, "cloudless_operator_slashes_total", kind="sample") == pytest.approx(0.015)

    slashed = eventually(
        lambda: (
            (cu := get(epochs.cluster, "cu", first.unit)["status"].get("ledger", {})).get("epoch", 0) >= epoch + 1
            and cu
        ),
        what=f"{first.unit}'s status mirroring the close of {epoch + 1}",
    )
    assert Decimal(slashed["slashed"]) == 2 * SAMPLE_SLASH


def rewrite(line: Line) -> str:
    """Replaces `line`'s record in its file with its (edited) `record`, as one atomic rename; the new line's digest."""
    edited = orjson.dumps(line.record)
    content = line.path.read_bytes().replace(line.raw, edited, 1)
    assert content != line.path.read_bytes()
    temporary = line.path.with_suffix(".tmp")
    temporary.write_bytes(content)
    os.replace(temporary, line.path)
    return hashlib.sha256(edited).hexdigest()
