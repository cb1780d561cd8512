"""A pod's status as a kubelet reports it, computed from what the agent knows about its containers.

Pure: the pod worker hands in one `ContainerView` per container (and per init container) and
gets back the `status` patch (phase, conditions, podIP, containerStatuses,
initContainerStatuses), written through the pods/status subresource
as a strategic merge patch (containerStatuses merge by name, conditions by type, so the
scheduler's PodScheduled stays). A condition keeps its lastTransitionTime until its status
changes, so the same situation computes the same patch and the worker writes only on change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .kube import Obj

IMAGE_ID_PREFIX = "cloudless-process://"


@dataclass(frozen=True)
class ContainerView:
    """One container as the pod worker sees it right now."""

    name: str
    image: str
    #: {"running": {...}}, {"waiting": {...}} or {"terminated": {...}}, in the API's shape.
    state: dict[str, Any]
    last_state: dict[str, Any] | None
    restart_count: int
    ready: bool
    started: bool
    pid: int | None = None


def container_status(view: ContainerView) -> Obj:
    status: Obj = {
        "name": view.name,
        "image": view.image,
        "imageID": IMAGE_ID_PREFIX + view.image,
        "state": view.state,
        "lastState": view.last_state or {},
        "ready": view.ready,
        "started": view.started,
        "restartCount": view.restart_count,
    }
    if view.pid is not None:
        status["containerID"] = f"cloudless://{view.pid}"
    return status


def _init_failed(view: ContainerView, restart_policy: str) -> bool:
    """An init container that exited non-zero in a pod that will not restart it."""
    terminated = view.state.get("terminated")
    return restart_policy == "Never" and terminated is not None and terminated.get("exitCode", 1) != 0


def _init_done(view: ContainerView) -> bool:
    terminated = view.state.get("terminated")
    return terminated is not None and terminated.get("exitCode") == 0


def phase(views: list[ContainerView], restart_policy: str, init_views: list[ContainerView] | None = None) -> str:
    """Pending until the init containers are done and every container has started once; then Running until
    all are done for good. A failed init container fails the pod when restartPolicy is Never."""
    init_views = init_views or []
    if any(_init_failed(v, restart_policy) for v in init_views):
        return "Failed"
    if not all(_init_done(v) for v in init_views):
        return "Pending"
    states = [next(iter(v.state)) for v in views]
    if all(s == "terminated" for s in states):
        codes = [v.state["terminated"].get("exitCode", 1) for v in views]
        if all(code == 0 for code in codes) and restart_policy != "Always":
            return "Succeeded"
        if restart_policy == "Never":
            return "Failed"
    never_ran = [v.last_state is None and v.restart_count == 0 for v in views]
    if any(s == "waiting" and fresh for s, fresh in zip(states, never_ran, strict=True)):
        return "Pending"
    return "Running"


def _condition(kind: str, ok: bool, previous: dict[str, Obj], now: str, reason: str | None = None) -> Obj:
    status = "True" if ok else "False"
    old = previous.get(kind)
    since = old["lastTransitionTime"] if old and old.get("status") == status and old.get("lastTransitionTime") else now
    condition: Obj = {"type": kind, "status": status, "lastProbeTime": None, "lastTransitionTime": since}
    if reason and not ok:
        condition["reason"] = reason
    return condition


def compute(
    pod: Obj,
    views: list[ContainerView],
    *,
    pod_ip: str,
    start_time: str,
    now: str,
    init_views: list[ContainerView] | None = None,
) -> Obj:
    """The `status` part of the patch for `pod`."""
    init_views = init_views or []
    previous = {c["type"]: c for c in (pod.get("status") or {}).get("conditions") or []}
    restart_policy = pod["spec"].get("restartPolicy", "Always")
    current_phase = phase(views, restart_policy, init_views)
    all_ready = all(v.ready for v in views) and current_phase == "Running"
    not_ready = [v.name for v in views if not v.ready]
    reason = "PodCompleted" if current_phase in ("Succeeded", "Failed") else "ContainersNotReady"
    incomplete = [v.name for v in init_views if not _init_done(v)]
    initialized = _condition("Initialized", not incomplete, previous, now, "ContainersNotInitialized")
    if incomplete:
        initialized["message"] = f"containers with incomplete status: [{' '.join(incomplete)}]"
    conditions = [
        _condition("PodReadyToStartContainers", True, previous, now),
        initialized,
        _condition("ContainersReady", all_ready, previous, now, reason),
        _condition("Ready", all_ready, previous, now, reason),
    ]
    if not all_ready and not_ready and current_phase not in ("Succeeded", "Failed"):
        message = f"containers with unready status: [{' '.join(not_ready)}]"
        conditions[2]["message"] = conditions[3]["message"] = message
    extra = {"initContainerStatuses": [container_status(v) for v in init_views]} if init_views else {}
    return {
        "phase": current_phase,
        "conditions": conditions,
        "hostIP": "127.0.0.1",
        "hostIPs": [{"ip": "127.0.0.1"}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": start_time,
        "containerStatuses": [container_status(v) for v in views],
        **extra,
    }
