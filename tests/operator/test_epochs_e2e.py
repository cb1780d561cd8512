"""The epoch controller end to end on the local cluster, with 4-second epochs (`CLOUDLESS_DATA_DIR` set).

A real operator (its epoch loop, the Deal handler, the provers' pods) over the node's real units:
a deal pays `price x workers` every epoch until its funds run out and its workers are released;
an idle unit of an Active commitment whose prover its provider paused fails and is slashed while
the proving unit succeeds; `cloudless ledger verify` passes on the ledger and names a tampered
record; an operator killed right after an append (its fault point) and left with a torn line
converges after restart to one record per epoch with its mirrors in line. The tests run in file
order and share one ledger, as one operator's life.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest
from tests import scrape
from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver, epochcluster
from tests.operator.epochcluster import Epochs, ledger_cli
from tests.operator.operator_process import apply, eventually, get

from cloudless_operator.billing.ledger import chain, store
from cloudless_operator.reconcile import identities

NAMESPACE = "cloudless-epochs"
EPOCH_S = 4
PORT = 18281


@pytest.fixture(scope="module")
def epochs(crd_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Epochs]:
    """An operator with short epochs over only the units `cloudless cu sync` makes for the real node."""
    folder = tmp_path_factory.mktemp("epochs")
    with epochcluster.running(crd_cluster, folder, namespace=NAMESPACE, port=PORT, epoch_seconds=EPOCH_S) as env:
        yield env


def lines_of(records: tuple[chain.EpochRecord, ...], deal_prefix: str) -> list[tuple[int, Mapping[str, Any]]]:
    return [(r.epoch, line) for r in records for line in r.body["deals"] if line["id"].startswith(deal_prefix)]


def test_a_deal_pays_price_times_workers_each_epoch_until_its_funds_run_out_and_its_workers_go(
    epochs: Epochs,
) -> None:
    cluster = epochs.cluster
    apiserver.greeting_module(cluster)
    deal = {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "Deal",
        "metadata": {"name": "billed", "namespace": "default"},
        "spec": {
            "services": apiserver.example_services(),
            "minWorkers": 2,
            "targetWorkers": 2,
            "pricePerWorkerEpoch": "0.5",
            "deposit": "3",
        },
    }
    apply(cluster, deal)
    shown: dict[int, str] = {}
    """Ledger epoch -> the balance the Deal's status last showed with it."""

    def exhausted() -> dict[str, Any] | None:
        found = get(cluster, "deal", "billed", "-n", "default")
        status = found.get("status", {})
        if "ledger" in status:
            shown[status["ledger"]["epoch"]] = status["balance"]
        done = status.get("phase") == "INSUFFICIENT_FUNDS" and status.get("matchedUnits") == []
        return found if done and status.get("balance") == "0" else None

    final = eventually(exhausted, timeout=180, what="the deal billed down to INSUFFICIENT_FUNDS, its units released")

    records = epochs.records()
    assert [r.epoch for r in records] == list(range(records[0].epoch, records[-1].epoch + 1))
    lines = lines_of(records, "default/billed/")
    charged = [(epoch, line) for epoch, line in lines if Decimal(line["charged"]) > 0]
    assert [(line["workers"], line["charged"]) for _, line in charged] == [(2, "1")] * 3
    assert [line["balance"] for _, line in charged] == ["2", "1", "0"]
    assert [epoch for epoch, _ in charged] == list(range(charged[0][0], charged[0][0] + 3)), "consecutive epochs"
    assert charged[-1][1]["phase"] == "INSUFFICIENT_FUNDS"
    balance = Decimal(0)
    for _, line in lines:  # every epoch: the top-up in, the charge out, nothing else
        balance += Decimal(line["topUp"]) - Decimal(line["charged"])
        assert Decimal(line["balance"]) == balance
    credited = {unit for _, line in charged for unit in line["credits"]}
    assert len(credited) == 2

    by_epoch = {epoch: line for epoch, line in lines}
    assert shown, "the status never showed a ledger line"
    for epoch, text in shown.items():
        assert Decimal(text) == Decimal(by_epoch[epoch]["balance"]), f"status of epoch {epoch} is not the ledger's"
    assert max(Decimal(b) for b in shown.values()) > 0, "the status never showed a balance before the last"
    assert final["status"]["lastBilledEpoch"] == charged[-1][0]
    assert {c["type"]: c["status"] for c in final["status"]["conditions"]}["Funded"] == "False"

    units = {u["metadata"]["name"]: u for u in get(cluster, "computeunits")["items"]}
    for name in credited:
        assert units[name]["status"]["state"] == "Free"
        assert units[name]["status"]["ledger"]["earned"] == "0.5"

    assert epochs.running is not None
    samples = epochs.counted_through(charged[-1][0])
    assert scrape.value(samples, "cloudless_operator_deal_balance", namespace="default", deal="billed") == 0
    assert scrape.value(samples, "cloudless_operator_deal_charges_total", namespace="default", deal="billed") == 3
    assert scrape.value(samples, "cloudless_operator_epoch") >= charged[-1][0]

    # The ledger checks out against the signer and head the ConfigMap publishes, and names a tampered record.
    data = epochs.configmap()
    assert data["head"] in {r.hash for r in epochs.records()}
    verified = ledger_cli("verify", str(epochs.ledger_file), "--signer", data["signer"], "--expect-head", data["head"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("ok: ")
    copy = epochs.data.parent / "tampered.jsonl"
    shutil.copy(epochs.ledger_file, copy)
    raw = [json.loads(line) for line in copy.read_text().splitlines()]
    index = next(i for i, r in enumerate(raw) if r["epoch"] == charged[0][0])
    (line,) = [d for d in raw[index]["body"]["deals"] if d["id"].startswith("default/billed/")]
    line["balance"] = "100"
    copy.write_text("".join(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n" for r in raw))
    tampered = ledger_cli("verify", str(copy), "--signer", data["signer"])
    assert tampered.returncode == 1
    assert f"bad: record {index} (epoch {charged[0][0]}): content does not match its hash" in tampered.stdout

    story = cluster.kubectl("get", "deals,computeunits,capacitycommitments", "--all-namespaces").stdout
    (row,) = [r.split() for r in story.splitlines() if "billed" in r]
    assert "INSUFFICIENT_FUNDS" in row and "0" in row

    # A top-up raises the cumulative deposit: the next close credits the difference, and the deal,
    # funded again, gets its workers back.
    cluster.kubectl("patch", "deal", "billed", "-n", "default", "--type=merge", "-p", '{"spec":{"deposit":"13"}}')

    def revived() -> dict[str, Any] | None:
        status: dict[str, Any] = get(cluster, "deal", "billed", "-n", "default").get("status", {})
        return status if status.get("phase") == "ACTIVE" and len(status.get("matchedUnits", [])) == 2 else None

    eventually(revived, timeout=90, what="the topped-up deal ACTIVE again with two units")
    top_ups = [line["topUp"] for _, line in lines_of(epochs.records(), "default/billed/") if Decimal(line["topUp"])]
    assert top_ups == ["3", "10"], "the first deposit, then only the difference"


def test_an_idle_unit_whose_prover_is_paused_fails_and_is_slashed_while_a_proving_unit_succeeds(
    epochs: Epochs,
) -> None:
    cluster = epochs.cluster
    (node,) = [n["metadata"]["name"] for n in get(cluster, "nodes")["items"]]
    units = sorted(u["metadata"]["name"] for u in get(cluster, "computeunits")["items"])
    proving, paused = units[2], units[3]
    cluster.kubectl("annotate", "computeunit", paused, "cloudless.dev/prover=paused")
    commitment = {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "CapacityCommitment",
        "metadata": {"name": f"cc-{node}"},
        "spec": {
            "nodeName": node,
            "units": [proving, paused],
            "duration": 50,
            "stakerRewardRate": "0.2",
            "collateralPosted": True,
        },
    }
    apply(cluster, commitment)

    def judged() -> tuple[chain.EpochRecord, dict[str, Mapping[str, Any]]] | None:
        """The second epoch in which both units had proof duty (the provers had a whole epoch to start)."""
        duty = []
        for record in epochs.records():
            lines = {line["id"]: line for line in record.body["units"]}
            if paused in lines and lines[paused]["duty"] and lines[proving]["duty"]:
                duty.append((record, lines))
        return duty[1] if len(duty) > 1 else None

    record, lines = eventually(judged, timeout=120, what="two epochs in which both committed units had proof duty")
    assert (lines[paused]["success"], lines[paused]["failed"], lines[paused]["accepted"]) == (False, True, 0)
    assert Decimal(lines[paused]["slash"]) == Decimal("0.001"), "1% of 0.1 collateral, LOCAL's slashing rate"
    assert (lines[proving]["success"], lines[proving]["failed"]) == (True, False)
    assert lines[proving]["accepted"] >= 2
    assert Decimal(lines[proving]["reward"]) > 0
    assert Decimal(lines[proving]["slash"]) == 0

    secret = get(cluster, "secret", "-n", NAMESPACE, f"cloudless-node-{node}")
    status = eventually(
        lambda: (
            (c := get(cluster, "cc", f"cc-{node}")["status"]).get("ledgerEpoch", 0) >= record.epoch
            and c.get("phase") == "Active"
            and c
        ),
        what="the commitment's status mirroring that record",
    )
    assert status["peerId"] == identities.peer_id(secret)
    assert status["units"] == [proving, paused] and status["unitCount"] == 2
    assert status["failCount"] >= 1
    assert Decimal(status["slashed"][paused]) >= Decimal("0.001") and proving not in status["slashed"]
    outcomes = eventually(
        lambda: (
            (found := {u["metadata"]["name"]: u["status"].get("ledger", {}) for u in get(cluster, "cu")["items"]})
            and found[paused].get("outcome") == "Failed"
            and found[proving].get("outcome") == "Proved"
            and found
        ),
        what="the units' statuses showing the outcomes",
    )
    assert Decimal(outcomes[paused]["slashed"]) == Decimal("0.001")

    assert epochs.running is not None
    samples = epochs.counted_through(record.epoch)
    assert scrape.value(samples, "cloudless_operator_slashes_total", kind="proof") >= 0.001
    assert scrape.value(samples, "cloudless_operator_proofs_total", outcome="accepted") >= 2
    assert scrape.value(samples, "cloudless_operator_rewards_total") > 0
    assert scrape.value(samples, "cloudless_operator_commitments", phase="Active") == 1

    story = cluster.kubectl("get", "capacitycommitments").stdout.splitlines()
    assert story[0].split() == ["NAME", "PHASE", "NODE", "UNITS", "START", "FAILS", "AGE"]
    (row,) = [r.split() for r in story[1:]]
    assert row[:4] == [f"cc-{node}", "Active", node, "2"]


def test_an_operator_killed_after_an_append_and_left_a_torn_line_converges_to_one_record_per_epoch(
    epochs: Epochs,
) -> None:
    cluster = epochs.cluster
    assert epochs.running is not None
    epochs.running.stop()
    crash_at = epochs.records()[-1].epoch + 2
    crashing = epochs.start(CLOUDLESS_EPOCH_CRASH_AFTER_APPEND=str(crash_at))
    eventually(lambda: crashing.process.poll() is not None, timeout=60, what=f"the crash after appending {crash_at}")
    assert crashing.process.returncode == -9
    assert epochs.records()[-1].epoch == crash_at
    assert int(epochs.configmap()["epoch"]) < crash_at, "killed between the append and the mirrors"
    with epochs.ledger_file.open("ab") as torn:
        torn.write(b'{"body":{"version":"cloudless-epoch/1","epoch":%d' % (crash_at + 1))

    epochs.start()

    def past_the_crash() -> dict[str, str] | None:
        data = epochs.configmap()
        return data if int(data["epoch"]) > crash_at else None

    data = eventually(past_the_crash, what="the restarted operator closing past the crash")
    contents = store.read(epochs.ledger_file)
    assert contents.torn is None and contents.unreadable is None
    epochs_recorded = [r.epoch for r in contents.records]
    assert epochs_recorded == list(range(epochs_recorded[0], epochs_recorded[-1] + 1)), "one record per epoch"
    assert data["head"] in {r.hash for r in contents.records}
    (node,) = [n["metadata"]["name"] for n in get(cluster, "nodes")["items"]]
    eventually(
        lambda: get(cluster, "cc", f"cc-{node}")["status"]["ledgerEpoch"] > crash_at,
        what="the commitment's status following the head again",
    )
    deal = get(cluster, "deal", "billed", "-n", "default")["status"]
    assert deal["ledger"]["epoch"] > crash_at
    by_epoch = dict(lines_of(epochs.records(), "default/billed/"))
    assert Decimal(deal["balance"]) == Decimal(by_epoch[deal["ledger"]["epoch"]]["balance"]), "as in the ledger"
    verified = ledger_cli("verify", str(epochs.ledger_file), "--signer", data["signer"])
    assert verified.returncode == 0, verified.stdout
