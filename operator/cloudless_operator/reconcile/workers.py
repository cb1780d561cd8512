"""The Subnet's status: each worker as its pod and identity Secret show it, the counts and two conditions.

`Ready` says whether every worker of the placement is Ready and runs all of the deal's services;
`Degraded` names the workers whose pod started but is not Ready or failed (a worker still Pending
is coming up, not degraded). Only
semantic fields are compared by `changed`, so a pod event that changes nothing writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from cloudless_operator.models import subnet
from cloudless_operator.reconcile import conditions, deployments, pods


def compute(
    net: subnet.Subnet,
    *,
    found_pods: Mapping[str, Mapping[str, Any]],
    peer_ids: Mapping[str, str],
    services: Mapping[str, Sequence[Mapping[str, Any]]],
    previous: Mapping[str, Any],
    now: dt.datetime,
) -> dict[str, Any]:
    """The status of `net` given its pods, identities and deployed services by worker name."""
    workers = [_worker(worker, found_pods.get(worker.name), peer_ids.get(worker.name)) for worker in net.workers]
    for entry in workers:
        if entry["name"] in services:
            entry["services"] = [dict(state) for state in services[entry["name"]]]
    ready = [w["name"] for w in workers if w["phase"] == "Ready" and deployments.all_deployed(w.get("services", []))]
    degraded = [w["name"] for w in workers if w["phase"] in ("Running", "Failed")]
    desired = len(net.workers)
    computed = [
        conditions.condition(
            "Ready",
            ok=desired > 0 and len(ready) == desired,
            reason="AllWorkersReady" if len(ready) == desired else "WorkersPending",
            message=f"{len(ready)} of {desired} workers Ready with every service deployed",
            generation=net.generation,
        ),
        conditions.condition(
            "Degraded",
            ok=bool(degraded),
            reason="WorkersNotReady" if degraded else "NoneDegraded",
            message=f"{len(degraded)} started but not Ready: {', '.join(degraded)}" if degraded else "",
            generation=net.generation,
        ),
    ]
    return {
        "observedGeneration": net.generation,
        "desiredWorkers": desired,
        "readyWorkers": len(ready),
        "workers": workers,
        "conditions": conditions.merge(previous.get("conditions", []), computed, now=now),
    }


def changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether `new` says something `old` does not (transition times aside)."""
    plain = ("observedGeneration", "desiredWorkers", "readyWorkers", "workers")
    if any(old.get(key) != new.get(key) for key in plain):
        return True
    return conditions.without_times(old.get("conditions", [])) != conditions.without_times(new.get("conditions", []))


def _worker(worker: subnet.Worker, pod: Mapping[str, Any] | None, peer_id: str | None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": worker.name,
        "computeUnit": worker.compute_unit,
        "node": worker.node,
        "phase": phase(pod),
    }
    if pod is not None:
        entry["pod"] = pod["metadata"]["name"]
        pod_ip = pod.get("status", {}).get("podIP")
        if pod_ip:
            entry["address"] = pods.address(pod_ip)
    if peer_id is not None:
        entry["peerId"] = peer_id
    return entry


def phase(pod: Mapping[str, Any] | None) -> str:
    """Pending, Running, Ready or Failed, as the Subnet CRD spells a worker's phase."""
    if pod is None or pod.get("metadata", {}).get("deletionTimestamp"):
        return "Pending"
    status = pod.get("status", {})
    phase = status.get("phase", "Pending")
    if phase in ("Failed", "Succeeded"):
        return "Failed"
    if phase != "Running":
        return "Pending"
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions", []))
    return "Ready" if ready else "Running"
