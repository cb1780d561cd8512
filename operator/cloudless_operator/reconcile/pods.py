"""A worker's pod: the runtime and router containers on the worker's unit, as a plain body.

The pod asks for exactly one ComputeUnit: requests equal limits (Guaranteed QoS), and the two
containers' shares add up to the unit's size, so the scheduler's arithmetic and the provider's
offer agree. It is pinned to the unit's node with `nodeName` (the unit was reserved there; the
scheduler must not move it). Both containers read the worker's identity Secret as their key file;
the router reads the subnet's address book from its ConfigMap (`network.address_book`), which is
updated in place. With epochs on (`Settings.data_dir` set), the router also keeps its executed
step records in the worker's steps folder of the node's epoch data folder (a hostPath), for the
epoch controller's processing samples.
The runtime listens on the pod's address rather than 127.0.0.1: on the local cluster pods are
processes sharing one loopback, and each pod has its own 127.N.x.y.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cloudless_operator.models import datadir, settings, subnet
from cloudless_operator.reconcile import identities, names, owners

RUNTIME_IMAGE = "cloudless/runtime:dev"
ROUTER_IMAGE = "cloudless/router:dev"
ROUTER_PORT = 7001
"""Where peers and clients reach the worker: the address recorded in the Subnet's status."""
RUNTIME_PORT = 7100
RUNTIME_METRICS_PORT = 9101
ROUTER_METRICS_PORT = 9102
IDENTITY_DIR = "/etc/cloudless/identity"
ADDRESS_BOOK_DIR = "/etc/cloudless/addressbook"
STATE_DIR = "/var/lib/cloudless/state"
DATA_VOLUME = "epoch-data"

ROUTER_SHARE = {"cpu": "100m", "memory": "512Mi", "ephemeral-storage": "512Mi"}
RUNTIME_SHARE = {"cpu": "900m", "memory": "3584Mi", "ephemeral-storage": "4608Mi"}
"""The unit split between the containers: the router only forwards particles, the runtime runs the services.
Together: `models.computeunit`'s CPU, MEMORY and EPHEMERAL_STORAGE (a unit test adds them up)."""

STEP_RETENTION_EPOCHS = 3
"""Epochs of step records a router keeps: epoch e is sampled at the close of e+1, early in e+2, so its
first records must outlive two epochs; the third covers a close that is late (a controller restart),
since a sampled step that is gone counts as `unavailable` and costs a slash."""

POD_IP_ENV = {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}


@dataclasses.dataclass(frozen=True, slots=True)
class StepRecords:
    """Where a router keeps its executed step records (the node's epoch data folder), and how long an epoch is."""

    node_data_dir: str
    epoch_seconds: int


def worker_pod(net: subnet.Subnet, worker: subnet.Worker, *, steps: StepRecords | None = None) -> dict[str, Any]:
    """The pod of `worker` in `net`, owned by the Subnet; with `steps` (epochs on), its router keeps step records."""
    key_file = f"{IDENTITY_DIR}/{identities.KEY_FILE}"
    runtime_address = f"$(POD_IP):{RUNTIME_PORT}"
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": names.pod_name(worker.name),
            "namespace": net.namespace,
            "labels": names.worker_labels(deal_name=net.deal_name, subnet=net.name, worker=worker.name),
            "ownerReferences": [owners.subnet_owner(net)],
        },
        "spec": {
            "nodeName": worker.node,
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 10,
            "containers": [
                {
                    "name": "runtime",
                    "image": RUNTIME_IMAGE,
                    "args": [
                        "--state-dir",
                        STATE_DIR,
                        "--listen",
                        runtime_address,
                        "--key-file",
                        key_file,
                        "--metrics",
                        f"$(POD_IP):{RUNTIME_METRICS_PORT}",
                    ],
                    "env": [POD_IP_ENV],
                    "ports": [
                        {"name": "runtime", "containerPort": RUNTIME_PORT},
                        {"name": "metrics", "containerPort": RUNTIME_METRICS_PORT},
                    ],
                    "resources": _resources(RUNTIME_SHARE),
                    "volumeMounts": [identity_mount(), {"name": "state", "mountPath": STATE_DIR}],
                    "readinessProbe": {"grpc": {"port": RUNTIME_PORT}, "periodSeconds": 2, "timeoutSeconds": 5},
                },
                {
                    "name": "router",
                    "image": ROUTER_IMAGE,
                    "args": [
                        "--listen",
                        f"$(POD_IP):{ROUTER_PORT}",
                        "--runtime",
                        runtime_address,
                        "--key-file",
                        key_file,
                        "--address-book",
                        f"{ADDRESS_BOOK_DIR}/{names.ADDRESS_BOOK_KEY}",
                        "--metrics",
                        f"$(POD_IP):{ROUTER_METRICS_PORT}",
                    ],
                    "env": [POD_IP_ENV],
                    "ports": [
                        {"name": "peer", "containerPort": ROUTER_PORT},
                        {"name": "metrics", "containerPort": ROUTER_METRICS_PORT},
                    ],
                    "resources": _resources(ROUTER_SHARE),
                    "volumeMounts": [
                        identity_mount(),
                        {"name": "addressbook", "mountPath": ADDRESS_BOOK_DIR, "readOnly": True},
                    ],
                },
            ],
            "volumes": [
                {"name": "identity", "secret": {"secretName": names.identity_secret_name(worker.name)}},
                {"name": "state", "emptyDir": {}},
                {"name": "addressbook", "configMap": {"name": names.address_book_name(net.name)}},
            ],
        },
    }
    if steps is not None:
        _keep_steps(pod, steps, net=net, worker=worker)
    return pod


def address(pod_ip: str) -> str:
    """`host:port` of a worker's router, given its pod's IP."""
    return f"{pod_ip}:{ROUTER_PORT}"


def runtime_address(pod_ip: str) -> str:
    """`host:port` of a worker's runtime API, where the operator deploys the deal's services."""
    return f"{pod_ip}:{RUNTIME_PORT}"


def node_epoch_dir(config: settings.Settings) -> str | None:
    """The epoch data folder as pods see it when epochs are on (`data_dir` set), else None: no provers, no steps."""
    if config.data_dir is None:
        return None
    return config.node_data_dir or config.data_dir


def data_volume(node_data_dir: str) -> dict[str, Any]:
    """The node's epoch data folder as volume `epoch-data`: created on the node if it is not there yet."""
    return {"name": DATA_VOLUME, "hostPath": {"path": node_data_dir, "type": "DirectoryOrCreate"}}


def data_mount(node_data_dir: str) -> dict[str, Any]:
    """Mounted at the same path as on the node, so paths the operator computes hold inside the pod too."""
    return {"name": DATA_VOLUME, "mountPath": node_data_dir}


def _keep_steps(pod: dict[str, Any], steps: StepRecords, *, net: subnet.Subnet, worker: subnet.Worker) -> None:
    folder = datadir.steps_dir(steps.node_data_dir, net.namespace, net.name, worker.name)
    max_age = STEP_RETENTION_EPOCHS * steps.epoch_seconds
    (router,) = [c for c in pod["spec"]["containers"] if c["name"] == "router"]
    router["args"] += ["--steps-dir", str(folder), "--steps-max-age", str(max_age)]
    router["volumeMounts"].append(data_mount(steps.node_data_dir))
    pod["spec"]["volumes"].append(data_volume(steps.node_data_dir))


def _resources(share: dict[str, str]) -> dict[str, dict[str, str]]:
    return {"requests": dict(share), "limits": dict(share)}


def identity_mount() -> dict[str, Any]:
    return {"name": "identity", "mountPath": IDENTITY_DIR, "readOnly": True}
