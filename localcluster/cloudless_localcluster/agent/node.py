"""The Nodes this agent plays the kubelet for: registration, Lease and Ready heartbeats.

Each Node is created with its capacity, a podCIDR (its share of 127.0.0.0/8, picked per cluster by
`podnets.py`) and the address and port of the agent's kubelet API, then kept alive as a kubelet does: its Lease
in kube-node-lease renewed and its conditions posted every 10 s, so the node lifecycle controller
sees it Ready (and removes the not-ready taint) and marks it NotReady within a minute of the
agent stopping.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import runtime
from .kube import Kube, Obj

log = logging.getLogger(__name__)

HEARTBEAT = 10.0
LEASE_SECONDS = 40
KUBELET_VERSION = "v1.36.3"

#: Room for four ComputeUnits of 1 CPU / 4 GiB / 5 GiB ephemeral storage each.
DEFAULT_CAPACITY = {"cpu": "4", "memory": "16Gi", "ephemeral-storage": "20Gi", "pods": "110"}


@dataclass(frozen=True)
class NodeSpec:
    name: str
    pod_cidr: str
    capacity: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_CAPACITY))


def node_specs(pod_cidrs: Sequence[str], capacity: dict[str, str] | None = None) -> list[NodeSpec]:
    """`cloudless-node-1` ... `cloudless-node-N`, node i owning `pod_cidrs[i-1]`."""
    return [
        NodeSpec(f"cloudless-node-{i}", cidr, dict(capacity or DEFAULT_CAPACITY))
        for i, cidr in enumerate(pod_cidrs, start=1)
    ]


def _conditions(now: str, previous: dict[str, Obj]) -> list[Obj]:
    wanted = {
        "MemoryPressure": ("False", "KubeletHasSufficientMemory"),
        "DiskPressure": ("False", "KubeletHasNoDiskPressure"),
        "PIDPressure": ("False", "KubeletHasSufficientPID"),
        "Ready": ("True", "KubeletReady"),
    }
    result = []
    for kind, (status, reason) in wanted.items():
        old = previous.get(kind)
        since = old["lastTransitionTime"] if old and old.get("status") == status else now
        result.append(
            {
                "type": kind,
                "status": status,
                "reason": reason,
                "message": "cloudless node agent is posting ready status" if kind == "Ready" else reason,
                "lastHeartbeatTime": now,
                "lastTransitionTime": since,
            }
        )
    return result


def node_status(spec: NodeSpec, *, kubelet_port: int, now: str, previous: dict[str, Obj]) -> Obj:
    return {
        "capacity": spec.capacity,
        "allocatable": spec.capacity,
        "conditions": _conditions(now, previous),
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": spec.name}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet_port}},
        "nodeInfo": {
            "machineID": "",
            "systemUUID": "",
            "bootID": "",
            "kernelVersion": "",
            "osImage": "cloudless node agent",
            "containerRuntimeVersion": "cloudless-process://1",
            "kubeletVersion": KUBELET_VERSION,
            "kubeProxyVersion": "",
            "operatingSystem": "linux",
            "architecture": "amd64",
        },
    }


def register(kube: Kube, spec: NodeSpec) -> None:
    """Create the Node if it does not exist, or re-create it if it owns another podCIDR.

    A podCIDR can only be set at creation. It changes only when the cluster's pod network had to
    be picked again (a state folder from before per-cluster networks, or one whose network another
    cluster took meanwhile); the pods already running keep their addresses.
    """
    current = kube.get_node(spec.name)
    if current is not None:
        owned = (current.get("spec") or {}).get("podCIDR")
        if owned == spec.pod_cidr:
            return
        log.info("node %s owns podCIDR %s, this cluster's is %s: re-creating it", spec.name, owned, spec.pod_cidr)
        kube.delete_node(spec.name)
    kube.create_node(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": spec.name,
                "labels": {
                    "kubernetes.io/hostname": spec.name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "node.cloudless.dev/agent": "process",
                },
            },
            "spec": {"podCIDR": spec.pod_cidr, "podCIDRs": [spec.pod_cidr]},
        }
    )
    log.info("registered node %s (podCIDR %s)", spec.name, spec.pod_cidr)


def heartbeat(kube: Kube, spec: NodeSpec, *, kubelet_port: int) -> None:
    """Renew the Lease and post the node's status once."""
    now = runtime.now()
    # A Lease's renewTime is a MicroTime: the apiserver wants the fraction of the second.
    micro = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    kube.renew_lease(
        {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": spec.name, "namespace": "kube-node-lease"},
            "spec": {"holderIdentity": spec.name, "leaseDurationSeconds": LEASE_SECONDS, "renewTime": micro},
        }
    )
    current = kube.get_node(spec.name)
    if current is None:
        register(kube, spec)
        current = kube.get_node(spec.name) or {}
    previous = {c["type"]: c for c in (current.get("status") or {}).get("conditions") or []}
    kube.patch_node_status(
        spec.name, {"status": node_status(spec, kubelet_port=kubelet_port, now=now, previous=previous)}
    )


def keep_alive(kube: Kube, specs: list[NodeSpec], *, kubelet_port: int, stop: threading.Event) -> None:
    """Heartbeat every node every 10 s until `stop`; a failed round is logged and retried."""
    while not stop.is_set():
        for spec in specs:
            try:
                heartbeat(kube, spec, kubelet_port=kubelet_port)
            except Exception:  # the apiserver may be restarting; the next round tries again
                log.exception("heartbeat for %s failed", spec.name)
        stop.wait(HEARTBEAT)
