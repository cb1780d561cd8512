"""The Subnet's network objects, service readiness and the operator's metrics index: pure, no cluster."""

from __future__ import annotations

import datetime as dt

from prometheus_client import generate_latest
from tests.operator.test_worker_pods import NET, NOW, pod_status

from cloudless_operator.handlers import metrics
from cloudless_operator.reconcile import network, pods, workers
from cloudless_runtime.identity import keys
from cloudless_runtime.router import addressbook

PEER_A = keys.KeyPair.from_seed(bytes(32)).peer_id
PEER_B = keys.KeyPair.from_seed(bytes(range(32))).peer_id


def test_the_address_book_lists_known_workers_in_the_routers_own_format() -> None:
    book = network.address_book(
        NET,
        [
            {"name": "greeting-w0", "peerId": PEER_A, "address": "127.9.0.2:7001"},
            {"name": "greeting-w1", "peerId": PEER_B},  # no pod IP yet: not reachable, not listed
        ],
    )
    assert book["metadata"]["name"] == "greeting-addressbook"
    assert book["metadata"]["ownerReferences"][0]["uid"] == "uid-subnet"
    entries = addressbook.parse(book["data"]["book.json"].encode())
    assert entries == [addressbook.Entry(PEER_A, "127.9.0.2:7001", "greeting")]


def test_every_router_reads_the_book_from_the_subnets_config_map() -> None:
    pod = pods.worker_pod(NET, NET.workers[0])
    router = next(c for c in pod["spec"]["containers"] if c["name"] == "router")
    path = router["args"][router["args"].index("--address-book") + 1]
    mount = next(m for m in router["volumeMounts"] if path.startswith(m["mountPath"] + "/"))
    volume = next(v for v in pod["spec"]["volumes"] if v["name"] == mount["name"])
    assert volume["configMap"]["name"] == "greeting-addressbook"
    assert path.endswith("/book.json")


def test_the_headless_service_and_budget_select_the_subnets_pods() -> None:
    service = network.headless_service(NET)
    budget = network.disruption_budget(NET, min_workers=2)
    labels = pods.worker_pod(NET, NET.workers[0])["metadata"]["labels"]
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["selector"].items() <= labels.items()
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert budget["spec"]["minAvailable"] == 2


def test_a_ready_pod_counts_only_once_its_services_are_deployed() -> None:
    found = {
        w.name: pod_status(w.name, phase="Running", ready=True, ip=f"127.9.0.{i}") for i, w in enumerate(NET.workers)
    }
    services = {
        "greeting-w0": [{"name": "greeting", "state": "Deployed", "blueprintId": "a" * 64}],
        "greeting-w1": [{"name": "greeting", "state": "Failed", "message": "configmap missing"}],
    }
    new = workers.compute(NET, found_pods=found, peer_ids={}, services=services, previous={}, now=NOW)
    assert new["readyWorkers"] == 1
    assert [w["services"] for w in new["workers"]] == [services["greeting-w0"], services["greeting-w1"]]
    fixed = {**services, "greeting-w1": services["greeting-w0"]}
    later = workers.compute(NET, found_pods=found, peer_ids={}, services=fixed, previous=new, now=NOW + dt.timedelta(1))
    assert later["readyWorkers"] == 2 and workers.changed(new, later)


def test_metrics_count_the_latest_state_of_each_object_and_forget_deleted_ones() -> None:
    meter = metrics.OperatorMetrics()
    meter.observed.deal("default", "a", "ACTIVE")
    meter.observed.deal("default", "b", "ACTIVE")
    meter.observed.deal("default", "a", "NOT_ENOUGH_WORKERS")
    meter.observed.deal("default", "b", None)
    for unit, state in (("u0", "Free"), ("u1", "Reserved"), ("u2", "Reserved")):
        meter.observed.unit(unit, state)
    meter.observed.workers_ready("default", "a", 2)
    try:
        with meter.reconciling("Deal"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    text = generate_latest(meter.registry).decode()
    assert 'cloudless_operator_deals{phase="NOT_ENOUGH_WORKERS"} 1.0' in text
    assert 'phase="ACTIVE"' not in text
    assert 'cloudless_operator_computeunits{state="Reserved"} 2.0' in text
    assert 'cloudless_operator_workers_ready{namespace="default",subnet="a"} 2.0' in text
    assert 'cloudless_operator_reconcile_errors_total{kind="Deal",reason="RuntimeError"} 1.0' in text
    assert 'cloudless_operator_reconcile_duration_seconds_count{kind="Deal"} 1.0' in text
