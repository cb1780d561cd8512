"""The product's front door end to end, as a user drives it: `cloudless cu sync`, `kubectl apply -f
examples/deal.yaml`, `cloudless run examples/hello.air` through one worker, then a killed worker, a
lost unit and the deal's deletion. Everything runs for real: API server, node agent, operator, and
each worker's runtime and router as processes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests import scrape
from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver, cloudless_cli, manifests
from tests.operator.operator_process import OperatorProcess, eventually, get, ready_subnet

SUBNET_LABEL = "cloudless.dev/subnet"


@pytest.fixture
def fresh_units(crd_cluster: RunningCluster, operator: OperatorProcess) -> RunningCluster:
    """Only the units `cloudless cu sync` makes for the real node, and no worker pod left by earlier tests."""
    crd_cluster.kubectl("delete", "computeunits", "--all", "--wait=true")
    eventually(
        lambda: not get(crd_cluster, "pods", "-l", SUBNET_LABEL)["items"] or None,
        timeout=120,
        what="earlier tests' worker pods gone",
    )
    cloudless_cli.sync_units(crd_cluster)
    return crd_cluster


def greeted(subnet: dict[str, Any]) -> list[str]:
    return sorted(f"{w['peerId']}: Hi, world" for w in subnet["status"]["workers"])


def test_the_example_deal_runs_hello_on_three_workers_and_survives_losses(
    fresh_units: RunningCluster, operator: OperatorProcess
) -> None:
    cluster = fresh_units
    apiserver.greeting_module(cluster)
    cluster.kubectl("apply", "-f", str(manifests.EXAMPLES / "deal.yaml"))
    subnet = ready_subnet(cluster, 3)
    deal = eventually(
        lambda: (d := get(cluster, "deal", "greeting")) and d["status"].get("readyWorkers") == 3 and d,
        what="the deal to see its 3 ready workers",
    )
    assert deal["status"]["phase"] == "ACTIVE"
    assert {c["type"]: c["status"] for c in deal["status"]["conditions"]}["Ready"] == "True"

    relay = subnet["status"]["workers"][0]["address"]
    assert sorted(cloudless_cli.hello(cluster, relay)) == greeted(subnet)

    book = json.loads(get(cluster, "configmap", "greeting-addressbook")["data"]["book.json"])
    assert sorted(p["peer_id"] for p in book["peers"]) == sorted(w["peerId"] for w in subnet["status"]["workers"])
    service = get(cluster, "service", "greeting")
    assert service["spec"]["clusterIP"] == "None"
    assert get(cluster, "pdb", "greeting")["spec"]["minAvailable"] == 3
    reasons = {e["reason"] for e in get(cluster, "events", "--field-selector", "involvedObject.kind=Deal")["items"]}
    assert {"UnitsReserved", "Active"} <= reasons
    subnet_reasons = {
        e["reason"] for e in get(cluster, "events", "--field-selector", "involvedObject.kind=Subnet")["items"]
    }
    assert {"WorkerCreated", "ServiceDeployed"} <= subnet_reasons

    samples = scrape.scrape(operator.metrics_address)
    assert scrape.value(samples, "cloudless_operator_deals", phase="ACTIVE") == 1
    assert scrape.value(samples, "cloudless_operator_workers_ready", namespace="default", subnet="greeting") == 3
    assert scrape.value(samples, "cloudless_operator_computeunits", state="Reserved") == 3
    assert scrape.value(samples, "cloudless_operator_computeunits", state="Free") == 1

    # A killed worker: its pod is recreated with the same identity and gets the service again.
    old = get(cluster, "pod", "greeting-w1")["metadata"]["uid"]
    cluster.kubectl("delete", "pod", "greeting-w1", "--wait=true", "--timeout=60s")
    eventually(lambda: (p := get(cluster, "pod", "greeting-w1")) and p["metadata"]["uid"] != old, what="a new pod")
    again = ready_subnet(cluster, 3)
    assert greeted(again) == greeted(subnet)
    assert sorted(cloudless_cli.hello(cluster, relay)) == greeted(subnet)

    # A lost unit: its provider withdraws it; the worker moves to the spare unit and keeps serving.
    lost = next(w for w in subnet["spec"]["workers"] if w["name"] == "greeting-w2")["computeUnit"]
    cluster.kubectl(
        "patch", "computeunit", lost, "--subresource=status", "--type=merge", "-p", '{"status":{"state":"Unavailable"}}'
    )
    moved = eventually(
        lambda: (
            (s := get(cluster, "subnet", "greeting"))
            and lost not in [w["computeUnit"] for w in s["spec"]["workers"]]
            and s
        ),
        what="the worker moved off the lost unit",
    )
    assert len(moved["spec"]["workers"]) == 3
    after = ready_subnet(cluster, 3)
    assert sorted(cloudless_cli.hello(cluster, relay)) == greeted(after)

    cluster.kubectl("delete", "deal", "greeting", "--timeout=60s")
    units = get(cluster, "computeunits")["items"]
    assert [u["metadata"]["name"] for u in units if u.get("status", {}).get("state") == "Reserved"] == []
