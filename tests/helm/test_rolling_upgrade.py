"""`helm upgrade` with a changed value rolls the operator (Recreate: a new pod) without losing state,
and the CRD upgrade path works: Helm leaves the CRDs of crds/ alone, `kubectl apply --server-side`
upgrades them. The epoch ledger is state too: the new operator goes on closing epochs onto the same
chain in the data folder, signed with the same key.

Runs after the tests that only read the release and before the uninstall (conftest's
CHANGES_RELEASE); alone, it installs the release and the deal first. The "older" CRD is the current
one without a printer column and with a marker annotation, applied server-side as a previous
chart's CRDs would have been.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import yaml
from tests.helm import chart
from tests.helm.conftest import CLOUDLESS, NAMESPACE, RELEASE, Release, RunningDeal
from tests.localcluster.conftest import RunningCluster
from tests.operator.operator_process import eventually, get

MARKER = "cloudless.dev/test-older-crd"
NEW_LIMIT = "768Mi"


def chart_crd(name: str) -> dict[str, Any]:
    crd: dict[str, Any] = yaml.safe_load((chart.CHART / "crds" / f"{name}.yaml").read_text())
    return crd


def served_columns(cluster: RunningCluster) -> list[str]:
    crd = get(cluster, "crd", "deals.cloudless.dev")
    (version,) = crd["spec"]["versions"]
    return [column["name"] for column in version.get("additionalPrinterColumns", [])]


def apply_older_deals_crd(cluster: RunningCluster, folder: Path) -> str:
    """The deals CRD as an older chart shipped it: one printer column fewer, and a marker. The dropped column's name."""
    older = copy.deepcopy(chart_crd("deals"))
    (version,) = older["spec"]["versions"]
    dropped = version["additionalPrinterColumns"].pop()["name"]
    older["metadata"].setdefault("annotations", {})[MARKER] = "yes"
    path = folder / "older-deals.yaml"
    path.write_text(yaml.safe_dump(older))
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(path))
    return str(dropped)


def snapshot(cluster: RunningCluster) -> dict[str, Any]:
    """What must survive the roll: the deal, its units, its Subnet's workers, pods and identities."""
    deal = get(cluster, "deal", "greeting")
    subnet = get(cluster, "subnet", "greeting")
    pods = get(cluster, "pods", "-l", "cloudless.dev/subnet=greeting")["items"]
    secrets = get(cluster, "secrets", "-l", "cloudless.dev/subnet=greeting")["items"]
    return {
        "deal": (deal["metadata"]["uid"], deal["status"]["phase"], sorted(deal["status"]["matchedUnits"])),
        "subnet": (subnet["metadata"]["uid"], sorted((w["name"], w["peerId"]) for w in subnet["status"]["workers"])),
        "pods": sorted((p["metadata"]["name"], p["metadata"]["uid"]) for p in pods),
        "secrets": sorted((s["metadata"]["name"], s["metadata"]["uid"]) for s in secrets),
    }


def ledger(cluster: RunningCluster) -> dict[str, str] | None:
    """The ledger ConfigMap's data once an epoch is closed: epoch, head, signer, ..."""
    found = get(cluster, "configmap", "cloudless-ledger", "-n", NAMESPACE)
    data: dict[str, str] | None = None if found is None else found.get("data")
    return data if data and "head" in data else None


def revision_of(release: Release) -> int:
    status = json.loads(release.helm.run("status", RELEASE, "-n", NAMESPACE, "-o", "json").stdout)
    return int(status["version"])


def test_upgrade_rolls_the_operator_keeps_the_deal_and_leaves_crds_to_server_side_apply(
    running_deal: RunningDeal, tmp_path: Path
) -> None:
    release = running_deal.release
    cluster = release.cluster
    dropped = apply_older_deals_crd(cluster, tmp_path)
    assert dropped not in served_columns(cluster)
    before = snapshot(cluster)
    chain = eventually(lambda: ledger(cluster), timeout=60, what="a first epoch closed")
    old_pod = release.operator_pod()
    revision = revision_of(release)

    release.helm.run(
        "upgrade", RELEASE, str(chart.CHART), "-n", NAMESPACE, "--reuse-values",
        f"--set=resources.limits.memory={NEW_LIMIT}", "--wait", "--timeout=5m",
    )  # fmt: skip

    assert dropped not in served_columns(cluster), "Helm upgraded a CRD of crds/ (it never should)"
    assert get(cluster, "crd", "deals.cloudless.dev")["metadata"]["annotations"][MARKER] == "yes"
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(chart.CHART / "crds"))
    (version,) = chart_crd("deals")["spec"]["versions"]
    assert served_columns(cluster) == [column["name"] for column in version["additionalPrinterColumns"]]
    served = get(cluster, "crd", "deals.cloudless.dev")
    assert MARKER not in served["metadata"].get("annotations", {})  # the same field manager stopped setting it

    new_pod = release.operator_pod()
    assert new_pod["metadata"]["uid"] != old_pod["metadata"]["uid"]
    (container,) = new_pod["spec"]["containers"]
    assert container["resources"]["limits"]["memory"] == NEW_LIMIT
    assert get(cluster, "pod", old_pod["metadata"]["name"], "-n", NAMESPACE) is None  # Recreate: the old one is gone
    assert revision_of(release) == revision + 1

    assert snapshot(cluster) == before
    assert len(get(cluster, "subnets", "-l", "cloudless.dev/deal=greeting")["items"]) == 1

    # The new operator has taken over: a killed worker comes back with its identity.
    peer = dict(before["subnet"][1])["greeting-w2"]
    cluster.kubectl("delete", "pod", "greeting-w2", "--wait=true", "--timeout=60s")

    def replaced() -> dict[str, Any] | None:
        subnet = get(cluster, "subnet", "greeting")
        pod = get(cluster, "pod", "greeting-w2")
        fresh = pod is not None and pod["metadata"]["uid"] != dict(before["pods"])["greeting-w2"]
        return subnet if fresh and subnet["status"].get("readyWorkers") == 3 else None

    subnet = eventually(replaced, timeout=180, what="greeting-w2 recreated by the upgraded operator and Ready")
    assert {w["name"]: w["peerId"] for w in subnet["status"]["workers"]}["greeting-w2"] == peer

    # ... and closes the next epochs onto the same chain, signed by the same key.
    later = eventually(
        lambda: (found := ledger(cluster)) and int(found["epoch"]) > int(chain["epoch"]) and found,
        timeout=60,
        what="an epoch closed by the upgraded operator",
    )
    assert later["signer"] == chain["signer"]
    verified = subprocess.run(
        [CLOUDLESS, "ledger", "verify", str(release.data_dir / "ledger" / "ledger.jsonl"),
         "--signer", chain["signer"], "--expect-head", later["head"]],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
