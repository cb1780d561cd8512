"""Epochs through the chart: the operator pod closes epochs into the data folder the chart mounts, signs
them with the key it keeps in the release namespace, runs the idle unit's prover on the node's folder,
and bills the deal, as a provider sees it with kubectl and `cloudless ledger verify`.

The chart's part is the wiring (epochs.enabled, the hostPath, CLOUDLESS_NAMESPACE from the downward
API, the billing profile and file, the RBAC for CapacityCommitments); the epoch logic is tested
in tests/operator.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.helm.conftest import CLOUDLESS, NAMESPACE, ActiveCommitment, node_name, running_provers
from tests.operator.operator_process import eventually, get

from cloudless_operator.reconcile import identities


def ledger_configmap(commitment: ActiveCommitment) -> dict[str, str]:
    found = get(commitment.deal.release.cluster, "configmap", "cloudless-ledger", "-n", NAMESPACE)
    assert found is not None, "no ledger ConfigMap in the release namespace"
    data: dict[str, str] = found["data"]
    return data


def test_the_ledger_in_the_data_folder_verifies_up_to_the_mirrored_head(active_commitment: ActiveCommitment) -> None:
    data_dir = active_commitment.deal.release.data_dir
    mirrored = ledger_configmap(active_commitment)
    verified = subprocess.run(
        [CLOUDLESS, "ledger", "verify", str(data_dir / "ledger" / "ledger.jsonl"), "--expect-head", mirrored["head"]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert int(mirrored["epoch"]) >= 1


def test_the_commitment_is_signed_by_its_node_key_in_the_release_namespace(
    active_commitment: ActiveCommitment,
) -> None:
    cluster = active_commitment.deal.release.cluster
    status = get(cluster, "capacitycommitment", active_commitment.name)["status"]
    key = get(cluster, "secret", f"cloudless-node-{node_name(cluster)}", "-n", NAMESPACE)
    assert key is not None and identities.peer_id(key) == status["peerId"]
    assert status["unitCount"] == 4 and status["phase"] == "Active"


def test_the_idle_unit_proves_on_the_nodes_data_folder(active_commitment: ActiveCommitment) -> None:
    cluster = active_commitment.deal.release.cluster
    data_dir = active_commitment.deal.release.data_dir
    (prover,) = running_provers(cluster)
    assert prover["metadata"]["namespace"] == NAMESPACE
    (folder,) = [v["hostPath"]["path"] for v in prover["spec"]["volumes"] if "hostPath" in v]
    assert Path(folder) == data_dir
    unit = prover["metadata"]["labels"]["cloudless.dev/unit"]
    held = {u["metadata"]["name"] for u in get(cluster, "computeunits")["items"] if u["status"].get("dealRef")}
    assert unit not in held

    def proofs() -> list[Path]:
        return sorted((data_dir / "proofs").glob(f"epoch-*/{unit}.jsonl"))

    assert eventually(proofs, timeout=60, what=f"{unit}'s proof files written by its prover in the data folder")


def test_the_deal_is_billed_from_the_ledger(active_commitment: ActiveCommitment) -> None:
    cluster = active_commitment.deal.release.cluster

    def billed() -> dict[str, Any] | None:
        deal: dict[str, Any] = get(cluster, "deal", "greeting")
        return deal if deal["status"].get("lastBilledEpoch") else None

    deal = eventually(billed, timeout=60, what="the deal's status mirroring a billed epoch")
    status = deal["status"]
    assert Decimal(status["balance"]) < Decimal(deal["spec"]["deposit"])
    assert Decimal(status["ledger"]["charged"]) > 0
    assert status["ledger"]["epoch"] <= int(ledger_configmap(active_commitment)["epoch"])
