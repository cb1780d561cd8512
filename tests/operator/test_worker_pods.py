"""The pure builders of a Subnet's children: identity Secrets, worker pods and the Subnet status, as dicts."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from cloudless_operator.models import computeunit, ids, settings, subnet
from cloudless_operator.reconcile import identities, names, pods, workers
from cloudless_runtime.identity import keys

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
NET = subnet.Subnet(
    namespace="default",
    name="greeting",
    uid="uid-subnet",
    generation=2,
    deal_name="greeting",
    workers=(
        subnet.Worker("greeting-w0", ids.UnitName("node-1-cu0"), ids.NodeName("node-1")),
        subnet.Worker("greeting-w1", ids.UnitName("node-2-cu3"), ids.NodeName("node-2")),
    ),
)
W0, W1 = NET.workers
SEED = bytes(range(32))


def quantity(text: str) -> float:
    """A Kubernetes quantity in base units, for the suffixes the builders use."""
    for suffix, factor in (("m", 1e-3), ("Ki", 2**10), ("Mi", 2**20), ("Gi", 2**30)):
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * factor
    return float(text)


def container(pod: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = (c for c in pod["spec"]["containers"] if c["name"] == name)
    return found


def test_the_subnet_body_parses_into_workers_in_name_order() -> None:
    body = {
        "metadata": {"namespace": "default", "name": "greeting", "uid": "uid-subnet", "generation": 2},
        "spec": {
            "dealRef": {"name": "greeting", "uid": "uid-deal"},
            "workers": [
                {"name": "greeting-w1", "computeUnit": "node-2-cu3", "nodeName": "node-2"},
                {"name": "greeting-w0", "computeUnit": "node-1-cu0", "nodeName": "node-1"},
            ],
        },
    }
    assert subnet.Subnet.from_body(body) == NET


def test_a_pod_has_the_runtime_and_router_on_the_units_node_owned_by_the_subnet() -> None:
    pod = pods.worker_pod(NET, W1)
    assert pod["metadata"]["name"] == "greeting-w1"
    assert pod["metadata"]["labels"] == names.worker_labels(
        deal_name="greeting", subnet="greeting", worker="greeting-w1"
    )
    (owner,) = pod["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
        "Subnet",
        "greeting",
        "uid-subnet",
        True,
    )
    assert pod["spec"]["nodeName"] == "node-2"
    assert [(c["name"], c["image"]) for c in pod["spec"]["containers"]] == [
        ("runtime", "cloudless/runtime:dev"),
        ("router", "cloudless/router:dev"),
    ]
    router = container(pod, "router")
    assert router["args"][:4] == ["--listen", "$(POD_IP):7001", "--runtime", "$(POD_IP):7100"]
    assert router["env"] == [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]
    assert "--listen" in container(pod, "runtime")["args"]
    assert (
        container(pod, "runtime")["args"][container(pod, "runtime")["args"].index("--listen") + 1] == "$(POD_IP):7100"
    )


def test_requests_equal_limits_and_add_up_to_one_compute_unit() -> None:
    pod = pods.worker_pod(NET, W0)
    unit = {"cpu": computeunit.CPU, "memory": computeunit.MEMORY, "ephemeral-storage": computeunit.EPHEMERAL_STORAGE}
    for resource, size in unit.items():
        for kind in ("requests", "limits"):
            total = sum(quantity(c["resources"][kind][resource]) for c in pod["spec"]["containers"])
            assert total == pytest.approx(quantity(size)), (resource, kind)
    for each in pod["spec"]["containers"]:
        assert each["resources"]["requests"] == each["resources"]["limits"]


def test_both_containers_read_the_workers_identity_secret_as_their_key_file() -> None:
    pod = pods.worker_pod(NET, W0)
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["identity"]["secret"] == {"secretName": names.identity_secret_name("greeting-w0")}
    key_file = f"{pods.IDENTITY_DIR}/{identities.KEY_FILE}"
    for name in ("runtime", "router"):
        each = container(pod, name)
        assert each["args"][each["args"].index("--key-file") + 1] == key_file
        assert {"name": "identity", "mountPath": pods.IDENTITY_DIR, "readOnly": True} in each["volumeMounts"]
        assert "--create-key" not in each["args"]  # the operator's Secret is the only identity


def test_readiness_is_the_runtimes_grpc_health_check() -> None:
    pod = pods.worker_pod(NET, W0)
    assert container(pod, "runtime")["readinessProbe"]["grpc"] == {"port": pods.RUNTIME_PORT}


def test_the_identity_secret_holds_the_hex_seed_and_names_its_peer_id() -> None:
    secret = identities.secret(NET, W0, seed=SEED)
    assert secret["metadata"]["name"] == "greeting-w0-identity"
    assert secret["metadata"]["labels"][names.WORKER_LABEL] == "greeting-w0"
    assert secret["metadata"]["ownerReferences"][0]["uid"] == "uid-subnet"
    assert base64.b64decode(secret["data"]["key"]).decode() == SEED.hex() + "\n"
    assert identities.peer_id(secret) == keys.KeyPair.from_seed(SEED).peer_id
    assert identities.peer_id({"data": {"key": base64.b64encode(b"not hex").decode()}}) is None
    with pytest.raises(ValueError, match="32 bytes"):
        identities.secret(NET, W0, seed=b"short")


def test_with_epochs_on_the_router_keeps_its_steps_in_the_workers_folder_of_the_node_data_dir() -> None:
    pod = pods.worker_pod(NET, W1, steps=pods.StepRecords(node_data_dir="/srv/epochs", epoch_seconds=20))
    router = container(pod, "router")
    assert router["args"][router["args"].index("--steps-dir") + 1] == "/srv/epochs/steps/default/greeting/greeting-w1"
    assert router["args"][router["args"].index("--steps-max-age") + 1] == "60"  # three 20 s epochs
    assert {"name": "epoch-data", "mountPath": "/srv/epochs"} in router["volumeMounts"]
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["epoch-data"]["hostPath"] == {"path": "/srv/epochs", "type": "DirectoryOrCreate"}
    assert "epoch-data" not in [m["name"] for m in container(pod, "runtime")["volumeMounts"]]


def test_epochs_are_on_only_with_the_operators_data_dir_and_pods_see_the_node_folder() -> None:
    """`data_dir` unset is epochs off (no provers, no steps folder), even if a node folder is configured."""
    assert pods.node_epoch_dir(settings.Settings(node_data_dir="/srv/epochs")) is None
    assert pods.node_epoch_dir(settings.Settings(data_dir="/op", node_data_dir="/srv/epochs")) == "/srv/epochs"
    assert pods.node_epoch_dir(settings.Settings(data_dir="/op")) == "/op"
    assert "--steps-dir" not in container(pods.worker_pod(NET, W0), "router")["args"]


def pod_status(name: str, *, phase: str, ready: bool = False, ip: str | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {"phase": phase, "conditions": [{"type": "Ready", "status": str(ready)}]}
    if ip:
        status["podIP"] = ip
    return {"metadata": {"name": name}, "status": status}


def test_status_lists_each_workers_pod_peer_id_and_address_with_counts() -> None:
    found = {
        "greeting-w0": pod_status("greeting-w0", phase="Running", ready=True, ip="127.1.0.2"),
        "greeting-w1": pod_status("greeting-w1", phase="Pending"),
    }
    new = workers.compute(
        NET, found_pods=found, peer_ids={"greeting-w0": "12D3KooWA"}, services={}, previous={}, now=NOW
    )
    assert new["workers"] == [
        {
            "name": "greeting-w0",
            "computeUnit": "node-1-cu0",
            "node": "node-1",
            "phase": "Ready",
            "pod": "greeting-w0",
            "address": "127.1.0.2:7001",
            "peerId": "12D3KooWA",
        },
        {
            "name": "greeting-w1",
            "computeUnit": "node-2-cu3",
            "node": "node-2",
            "phase": "Pending",
            "pod": "greeting-w1",
        },
    ]
    assert (new["readyWorkers"], new["desiredWorkers"], new["observedGeneration"]) == (1, 2, 2)
    conditions = {c["type"]: (c["status"], c["reason"]) for c in new["conditions"]}
    assert conditions == {"Ready": ("False", "WorkersPending"), "Degraded": ("False", "NoneDegraded")}


def test_a_started_worker_that_is_not_ready_is_degraded() -> None:
    found = {
        "greeting-w0": pod_status("greeting-w0", phase="Running", ready=True, ip="127.1.0.2"),
        "greeting-w1": pod_status("greeting-w1", phase="Running", ready=False, ip="127.1.0.3"),
    }
    new = workers.compute(NET, found_pods=found, peer_ids={}, services={}, previous={}, now=NOW)
    (degraded,) = (c for c in new["conditions"] if c["type"] == "Degraded")
    assert (degraded["status"], degraded["reason"]) == ("True", "WorkersNotReady")
    assert degraded["message"] == "1 started but not Ready: greeting-w1"


def test_all_ready_and_an_unchanged_recompute_writes_nothing() -> None:
    found = {
        w.name: pod_status(w.name, phase="Running", ready=True, ip=f"127.1.0.{i + 2}")
        for i, w in enumerate(NET.workers)
    }
    first = workers.compute(NET, found_pods=found, peer_ids={}, services={}, previous={}, now=NOW)
    assert [c["status"] for c in first["conditions"] if c["type"] == "Ready"] == ["True"]
    later = workers.compute(
        NET, found_pods=found, peer_ids={}, services={}, previous=first, now=NOW + dt.timedelta(minutes=5)
    )
    assert not workers.changed(first, later)
    assert workers.changed(
        first, workers.compute(NET, found_pods={}, peer_ids={}, services={}, previous=first, now=NOW)
    )
