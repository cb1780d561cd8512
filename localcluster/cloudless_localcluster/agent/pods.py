"""One worker thread per pod bound to our nodes: desired (the pod spec) against running (processes).

The watch hands each worker the newest version of its pod. A worker first runs the init
containers, one at a time in order, each to a successful exit (a failed one runs again after its
back-off, unless restartPolicy is Never, which fails the pod), then starts and restarts the
containers (`containers.py`), writes the pod's status when it changed, and on a deletionTimestamp
runs the graceful termination: SIGTERM to every container, the grace period, SIGKILL, then the
final delete with gracePeriodSeconds=0, which is what lets ReplicaSets and the garbage collector
see the pod gone. A pod that vanished from the API without that (a forced delete) is killed.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import checkpoint, events, probes, runtime, spec, status, volumes
from .containers import Container
from .kube import Kube, Obj
from .network import Addresses

log = logging.getLogger(__name__)

TICK = 0.5
DEFAULT_GRACE = 30.0
#: How often the volumes of a running pod are brought up to date (ConfigMap and Secret edits, labels, tokens).
VOLUME_SYNC = 2.0


@dataclass(frozen=True)
class Context:
    """What every pod worker shares."""

    kube: Kube
    pods_dir: Path
    logs_dir: Path
    kube_api: tuple[str, int]
    addresses: Addresses
    events: events.Recorder


class PodWorker(threading.Thread):
    def __init__(self, context: Context, pod: Obj, record: checkpoint.PodRecord | None) -> None:
        meta = pod["metadata"]
        super().__init__(name=f"pod {meta['namespace']}/{meta['name']}", daemon=True)
        self.context = context
        self.uid: str = meta["uid"]
        self.folder = context.pods_dir / self.uid
        self.log_root = context.logs_dir / f"{meta['namespace']}_{meta['name']}_{self.uid}"
        self._pod = pod
        self._wake = threading.Event()
        self._gone = False
        self._stopping = False
        self._last_status: Obj | None = None
        self.volumes = volumes.PodVolumes(context.kube, self.folder / "volumes")
        self._next_volume_sync = 0.0
        self._volume_error = ""
        node = pod["spec"]["nodeName"]
        if record is None:
            record = checkpoint.PodRecord(
                self.uid, meta["namespace"], meta["name"], node, context.addresses.allocate(node, self.uid)
            )
        else:
            context.addresses.claim(record.pod_ip, self.uid)
        self.record = record
        self.start_time = runtime.now()
        policy = pod["spec"].get("restartPolicy", "Always")
        self.ref = events.Ref(meta["namespace"], meta["name"], self.uid, node)
        inits = pod["spec"].get("initContainers") or []
        # An init container must succeed once: a failed one runs again unless the pod never restarts anything.
        init_policy = "Never" if policy == "Never" else "OnFailure"
        self.init_containers = [self._container(c, "initContainers", init_policy, inits) for c in inits]
        self.containers = [self._container(c, "containers", policy, inits) for c in pod["spec"]["containers"]]
        checkpoint.save(self.folder, record)

    def _container(self, container: Obj, field: str, policy: str, inits: list[Obj]) -> Container:
        name, meta = container["name"], self._pod["metadata"]
        return Container(
            container,
            self.record.containers.setdefault(name, checkpoint.ContainerRecord()),
            restart_policy=policy,
            log_dir=self.log_root / name,
            emit=self._emitter(f"spec.{field}{{{name}}}"),
            # How kubelet messages name a pod (its format.Pod).
            pod=f"{meta['name']}_{meta['namespace']}({self.uid})",
            pending="PodInitializing" if inits else "ContainerCreating",
        )

    # -- called from the watch thread ---------------------------------------------------------

    def update(self, pod: Obj) -> None:
        self._pod = pod
        self._wake.set()

    def gone(self) -> None:
        """The pod left the API (forced delete, or our own final delete)."""
        self._gone = True
        self._wake.set()

    def stop(self) -> None:
        """Agent shutdown: leave the processes running for the next agent to adopt."""
        self._stopping = True
        self._wake.set()

    def _emitter(self, field_path: str) -> events.Emit:
        ref = dataclasses.replace(self.ref, field_path=field_path)

        def emit(kind: str, reason: str, message: str) -> None:
            self.context.events.record(ref, kind, reason, message)

        return emit

    def container(self, name: str) -> Container | None:
        return next((c for c in self.init_containers + self.containers if c.name == name), None)

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> None:
        try:
            while not self._stopping:
                pod = self._pod
                if self._gone:
                    self._terminate(grace=0)
                    break
                if pod["metadata"].get("deletionTimestamp"):
                    self._delete_gracefully(pod)
                    break
                self._reconcile(pod)
                self._wake.wait(TICK)
                self._wake.clear()
        except Exception:
            log.exception("pod worker for %s failed", self.name)
            raise
        finally:
            if not self._stopping:
                self._forget()

    def _prepare(self, container: Obj, log: Path, *, starting: bool) -> tuple[runtime.Launch, probes.Target]:
        pod, ip = self._pod, self.record.pod_ip
        mounted = self.volumes.sync(pod, ip)
        self._next_volume_sync = time.monotonic() + VOLUME_SYNC
        mounts = volumes.mounts(container, mounted, self.folder / "volume-subpaths", starting=starting)
        env = spec.environment(pod, container, pod_ip=ip, kube_api=self.context.kube_api, kube=self.context.kube)
        scratch = self.folder / "rootfs" / container["name"]
        launch = spec.launch(pod, container, env=env, mounts=mounts, scratch=scratch, log=log)
        ports = {p["name"]: int(p["containerPort"]) for p in container.get("ports") or [] if p.get("name")}
        return launch, probes.Target(ip, ports, launch.env, launch.cwd)

    def _steps(self) -> list[Container]:
        """The containers to advance now: the first init container still to succeed, or else the containers."""
        for init in self.init_containers:
            if not init.succeeded:
                return [] if init.done else [init]  # failed for good: the pod failed, nothing runs
        return self.containers

    def _over(self) -> bool:
        """Nothing in the pod runs or will run again."""
        failed_init = any(c.done and not c.succeeded for c in self.init_containers)
        return failed_init or all(c.done for c in self.containers)

    def _reconcile(self, pod: Obj) -> None:
        dirty = False
        for container in self._steps():
            dirty = container.step(self._prepare) or dirty
        if dirty:
            checkpoint.save(self.folder, self.record)
        self._sync_volumes(pod)
        self._write_status(pod)

    def _sync_volumes(self, pod: Obj) -> None:
        """Every VOLUME_SYNC seconds while a container runs or will run again; a failure keeps the last content."""
        if time.monotonic() < self._next_volume_sync or self._over():
            return
        self._next_volume_sync = time.monotonic() + VOLUME_SYNC
        try:
            self.volumes.sync(pod, self.record.pod_ip)
            self._volume_error = ""
        except Exception as error:  # a deleted ConfigMap, the apiserver restarting: try again next round
            if str(error) != self._volume_error:
                log.warning("%s: volumes not updated: %s", self.name, error)
                self.context.events.record(
                    self.ref, events.WARNING, "FailedMount", f"MountVolume.SetUp failed: {error}"
                )
            self._volume_error = str(error)

    def _write_status(self, pod: Obj) -> None:
        new = status.compute(
            pod,
            [c.view() for c in self.containers],
            init_views=[c.view() for c in self.init_containers],
            pod_ip=self.record.pod_ip,
            start_time=self.start_time,
            now=runtime.now(),
        )
        if new == self._last_status:
            return
        meta = pod["metadata"]
        if self.context.kube.patch_pod_status(meta["namespace"], meta["name"], {"status": new}) is not None:
            self._last_status = new

    def _terminate(self, grace: float) -> None:
        """Stop every container in parallel: each gets SIGTERM, `grace` seconds, then SIGKILL."""
        everything = self.init_containers + self.containers
        stoppers = [threading.Thread(target=c.stop, args=(grace,), daemon=True) for c in everything]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()

    def _delete_gracefully(self, pod: Obj) -> None:
        meta = pod["metadata"]
        grace = meta.get("deletionGracePeriodSeconds")
        if grace is None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", DEFAULT_GRACE)
        log.info("terminating %s (grace %ss)", self.name, grace)
        self._terminate(float(grace))
        self.context.kube.delete_pod_now(meta["namespace"], meta["name"], self.uid)

    def _forget(self) -> None:
        """The pod is over: drop its checkpoint and address (its logs stay for an hour: `Agent._prune_logs`)."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.context.addresses.release(self.record.pod_ip)
        self.context.events.forget_pod(self.uid)
