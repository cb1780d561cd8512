"""The agent process: nodes, the kubelet API, one watch per node, and a worker per pod.

Startup order matters for restart safety: the agent first lists the pods bound to its nodes and
reads its checkpoints, kills the processes of recorded pods the apiserver no longer has (orphans),
and re-adopts the rest; only then does it watch for changes. SIGTERM stops the agent and leaves
the containers running, as stopping a kubelet does; `cluster down` stops them separately.
"""

from __future__ import annotations

import logging
import shutil
import signal
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from . import checkpoint, events, kubelet_api, node
from .kube import Gone, Kube, Obj
from .network import Addresses
from .pods import Context, PodWorker

log = logging.getLogger(__name__)

WATCH_SECONDS = 120
RETRY = 2.0
#: Logs of pods that are gone are kept this long (for `kubectl logs` right after a deletion, and tests).
KEEP_LOGS = 3600.0


@dataclass(frozen=True)
class Paths:
    """The agent's part of the cluster's state folder."""

    root: Path

    @property
    def pods(self) -> Path:
        return self.root / "pods"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


@dataclass(frozen=True)
class Settings:
    kubeconfig: Path
    paths: Paths
    nodes: list[node.NodeSpec]
    kubelet_port: int
    cert: Path
    key: Path
    ca: Path


class Agent:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.kube = Kube(settings.kubeconfig)
        api = urllib.parse.urlsplit(self.kube.server)
        self.context = Context(
            kube=self.kube,
            pods_dir=settings.paths.pods,
            logs_dir=settings.paths.logs,
            kube_api=(api.hostname or "127.0.0.1", api.port or 443),
            addresses=Addresses({n.name: n.pod_cidr for n in settings.nodes}),
            events=events.Recorder(self.kube),
        )
        self.stop = threading.Event()
        self._workers: dict[str, PodWorker] = {}
        self._finished: set[str] = set()
        self._lock = threading.Lock()

    # -- lifecycle ----------------------------------------------------------------------------

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT."""

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        settings = self.settings
        self.context.events.start()
        for spec in settings.nodes:
            node.register(self.kube, spec)
        server = kubelet_api.serve(
            port=settings.kubelet_port, cert=settings.cert, key=settings.key, ca=settings.ca, lookup=self.log_file
        )
        threading.Thread(
            target=node.keep_alive,
            args=(self.kube, settings.nodes),
            kwargs={"kubelet_port": settings.kubelet_port, "stop": self.stop},
            name="heartbeat",
            daemon=True,
        ).start()
        self._adopt()
        for spec in settings.nodes:
            threading.Thread(target=self._watch, args=(spec.name,), name=f"watch {spec.name}", daemon=True).start()
        log.info(
            "agent ready: nodes %s, kubelet api on 127.0.0.1:%d",
            [n.name for n in settings.nodes],
            settings.kubelet_port,
        )
        self.stop.wait()
        log.info("stopping; containers keep running")
        server.stopping.set()
        server.shutdown()
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(10)
        self.context.events.drain(5)

    def _adopt(self) -> None:
        """Kill the processes of recorded pods that are gone; start workers (re-adopting) for the rest."""
        live: dict[str, Obj] = {}
        for spec in self.settings.nodes:
            while not self.stop.is_set():
                try:
                    pods, _ = self.kube.list_pods(spec.name)
                    break
                except Exception:
                    log.exception("listing pods of %s failed; retrying", spec.name)
                    time.sleep(RETRY)
            live.update({p["metadata"]["uid"]: p for p in pods})
        for uid, record in checkpoint.load_all(self.settings.paths.pods).items():
            if uid in live:
                self._start_worker(live[uid], record)
                continue
            log.info("orphan %s/%s (%s): killing its processes", record.namespace, record.name, uid)
            for container in record.containers.values():
                checkpoint.kill_group(container.pid, container.start_ticks)
            shutil.rmtree(self.settings.paths.pods / uid, ignore_errors=True)
        self._prune_logs(set(live))

    def _prune_logs(self, live: set[str]) -> None:
        if not self.settings.paths.logs.is_dir():
            return
        cutoff = time.time() - KEEP_LOGS
        for folder in self.settings.paths.logs.iterdir():
            if folder.name.rsplit("_", 1)[-1] not in live and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)

    # -- pods -----------------------------------------------------------------------------------

    def _start_worker(self, pod: Obj, record: checkpoint.PodRecord | None) -> None:
        worker = PodWorker(self.context, pod, record)
        self._workers[worker.uid] = worker
        worker.start()

    def _watch(self, node_name: str) -> None:
        while not self.stop.is_set():
            try:
                pods, version = self.kube.list_pods(node_name)
                self._sync(node_name, pods)
                while not self.stop.is_set():
                    for kind, pod in self.kube.watch_pods(node_name, version, WATCH_SECONDS):
                        version = pod["metadata"]["resourceVersion"]
                        if kind != "BOOKMARK":
                            self._event(kind, pod)
                        if self.stop.is_set():
                            return
            except Gone:
                continue
            except Exception:
                log.exception("watching pods of %s failed; listing again", node_name)
                self.stop.wait(RETRY)

    def _sync(self, node_name: str, pods: list[Obj]) -> None:
        """A full list: every listed pod is an event; a worker whose pod is not listed lost its pod."""
        listed = {p["metadata"]["uid"] for p in pods}
        for pod in pods:
            self._event("MODIFIED", pod)
        with self._lock:
            lost = [w for uid, w in self._workers.items() if uid not in listed and w.record.node == node_name]
        for worker in lost:
            worker.gone()

    def _event(self, kind: str, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        with self._lock:
            for done in [u for u, w in self._workers.items() if not w.is_alive()]:
                self._finished.add(done)
                del self._workers[done]
            worker = self._workers.get(uid)
            if kind == "DELETED":
                if worker is not None:
                    worker.gone()
                return
            if worker is not None:
                worker.update(pod)
                return
            phase = (pod.get("status") or {}).get("phase")
            if uid in self._finished or phase in ("Succeeded", "Failed"):
                return
            self._start_worker(pod, None)

    # -- the kubelet API's view --------------------------------------------------------------------

    def log_file(self, namespace: str, name: str, container: str, previous: bool) -> Path | str:
        with self._lock:
            workers = [w for w in self._workers.values() if w.record.namespace == namespace and w.record.name == name]
        if not workers:
            return f'pod "{name}" in namespace "{namespace}" is not running on this node agent'
        found = workers[-1].container(container)
        if found is None:
            return f'container "{container}" is not in pod "{name}"'
        if previous:
            if found.record.restart_count == 0:
                return f'previous terminated container "{container}" in pod "{name}" not found'
            return found.log_file(found.record.restart_count - 1)
        path = found.log_file()
        return path if path.exists() else f'container "{container}" in pod "{name}" is waiting to start'
