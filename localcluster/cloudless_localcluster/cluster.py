"""Bringing the control plane up and down, and saying how each component is: the logic behind the CLI.

`up` is idempotent and resumable: it keeps the state folder's PKI, ports and etcd data, starts only
the components that are not already running, and waits for each one's health before the next
(the apiserver needs etcd; the controller-manager and scheduler need the apiserver). If a
component fails to come up, the ones this `up` started are stopped again and the error names the
component and carries the end of its log, so nothing is left half-running and the cause is on
screen.
"""

from __future__ import annotations

import fcntl
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import kubeconfig, podnets, processes
from .agent import checkpoint, network
from .components import ORDER, SERVICE_CIDR, Component, control_plane
from .health import Health, probe
from .pki import ClusterPKI, ensure_cluster_pki
from .state import LOOPBACK, PORT_NAMES, StateDir

Progress = Callable[[str], None]

#: Which recorded ports each component listens on (so a running component's ports are not "taken").
PORTS_OF = {
    "etcd": ("etcd-client", "etcd-peer"),
    "kube-apiserver": ("apiserver",),
    "kube-controller-manager": ("controller-manager",),
    "kube-scheduler": ("scheduler",),
    "node-agent": ("kubelet",),
}
REQUIRED_BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
LOG_TAIL_LINES = 40


class ClusterError(RuntimeError):
    """A problem the user can act on; the message says what to do."""


class StartupError(ClusterError):
    """A component did not become healthy; carries its name and the end of its log."""

    def __init__(self, component: str, reason: str, log_file: Path, log_tail: str) -> None:
        super().__init__(f"{component} failed to start: {reason}")
        self.component = component
        self.reason = reason
        self.log_file = log_file
        self.log_tail = log_tail


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int | None
    health: Health | None
    log_file: Path

    @property
    def healthy(self) -> bool:
        return self.health is not None and self.health.ok


class LocalCluster:
    """One cluster, identified by its state folder."""

    def __init__(self, state: StateDir, bin_dir: Path | None = None) -> None:
        self.state = state
        self.bin_dir = bin_dir

    # -- paths and configuration --------------------------------------------------------------

    @property
    def kubeconfig(self) -> Path:
        return self.state.admin_kubeconfig

    def _pki(self) -> ClusterPKI:
        return ClusterPKI(self.state.pki, SERVICE_CIDR)

    def components(self) -> dict[str, Component] | None:
        """The components as configured by the last `up`, or None if this state folder never ran."""
        ports = self.state.load_ports()
        if ports is None or set(ports) != set(PORT_NAMES):
            return None
        return control_plane(self.state, self._pki(), ports, pod_cidrs=self.pod_cidrs())

    def pod_cidrs(self) -> list[str]:
        """The podCIDRs this cluster's nodes own, in node order (empty before the first `up`)."""
        return [network.pod_cidr(octet) for octet in podnets.load(self.state)]

    def api_url(self) -> str | None:
        ports = self.state.load_ports()
        return None if ports is None else f"https://{LOOPBACK}:{ports['apiserver']}"

    def _check_binaries(self) -> Path:
        if self.bin_dir is None:
            raise ClusterError(
                "the control-plane binaries are not built for the pins in localcluster/k8s: run `make install` "
                "(or `python -m cloudless_localcluster.build`)"
            )
        missing = [name for name in REQUIRED_BINARIES if not (self.bin_dir / name).is_file()]
        if missing:
            raise ClusterError(f"{self.bin_dir} lacks {', '.join(missing)}: run `make install`")
        return self.bin_dir

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One `up`/`down` at a time per state folder."""
        self.state.root.mkdir(parents=True, exist_ok=True)
        with (self.state.root / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- lifecycle ------------------------------------------------------------------------------

    def reset(self, progress: Progress) -> None:
        """Stop everything and delete the state folder: a brand-new cluster at the next `up`.

        The pod networks' claims go first, so other clusters can take them at once.
        """
        self.down(progress)
        podnets.release(self.state)
        self.state.wipe()
        progress(f"wiped {self.state.root}")

    def up(self, progress: Progress, *, nodes: int = 1) -> None:
        bin_dir = self._check_binaries()
        with self._locked():
            self.state.create()
            pki = ensure_cluster_pki(self.state.pki, SERVICE_CIDR)
            already = {name for name in ORDER if processes.running(self.state.pid_file(name))}
            ports = self.state.ensure_ports({port for name in already for port in PORTS_OF[name]})
            try:
                octets = podnets.ensure(self.state, nodes)
            except podnets.NoFreePodNetwork as error:
                raise ClusterError(str(error)) from error
            pod_cidrs = [network.pod_cidr(octet) for octet in octets[:nodes]]
            progress(f"pod networks: {', '.join(pod_cidrs)}")
            server = f"https://{LOOPBACK}:{ports['apiserver']}"
            kubeconfig.write(self.state.admin_kubeconfig, pki, server, "admin", "kubernetes-admin")
            kubeconfig.write(
                self.state.kubeconfigs / "controller-manager.conf",
                pki,
                server,
                "controller-manager",
                "system:kube-controller-manager",
            )
            kubeconfig.write(
                self.state.kubeconfigs / "scheduler.conf", pki, server, "scheduler", "system:kube-scheduler"
            )
            started: list[str] = []
            try:
                for name, component in control_plane(self.state, pki, ports, pod_cidrs=pod_cidrs).items():
                    self._bring_up(component, bin_dir, name in already, progress)
                    if name not in already:
                        started.append(name)
            except StartupError:
                for name in reversed(started):
                    processes.stop(self.state.pid_file(name))
                raise

    def _bring_up(self, component: Component, bin_dir: Path, running: bool, progress: Progress) -> None:
        began = time.monotonic()
        log_file = self.state.log_file(component.name)
        if running:
            if probe(component.health).ok:
                progress(f"{component.name}: already running")
                return
            process: subprocess.Popen[bytes] | None = None
            record = processes.read_pid_file(self.state.pid_file(component.name))
            progress(f"{component.name}: running, waiting for it to become healthy")
        else:
            process = processes.start(
                component.command(bin_dir), self.state.pid_file(component.name), log_file, self.state.root
            )
            record = processes.read_pid_file(self.state.pid_file(component.name))
            progress(f"{component.name}: started (pid {process.pid}), waiting for {component.health.url}")
        deadline = began + component.startup_timeout
        last = Health(False, "not asked yet")
        while True:
            if process is not None and (code := process.poll()) is not None:
                self.state.pid_file(component.name).unlink(missing_ok=True)
                raise StartupError(
                    component.name,
                    f"exited with code {code}",
                    log_file,
                    processes.tail(log_file, LOG_TAIL_LINES),
                )
            if process is None and (record is None or not processes.is_alive(record)):
                raise StartupError(
                    component.name, "exited while starting", log_file, processes.tail(log_file, LOG_TAIL_LINES)
                )
            last = probe(component.health)
            if last.ok:
                progress(f"{component.name}: healthy after {time.monotonic() - began:.1f}s")
                return
            if time.monotonic() > deadline:
                if process is not None:
                    processes.stop(self.state.pid_file(component.name), grace=5)
                raise StartupError(
                    component.name,
                    f"not healthy after {component.startup_timeout:.0f}s (last answer: {last.detail})",
                    log_file,
                    processes.tail(log_file, LOG_TAIL_LINES),
                )
            time.sleep(0.25)

    def down(self, progress: Progress) -> list[str]:
        """Stop every component, last started first, then the pods' processes; keep the state folder.

        The agent leaves containers running when it stops (as a kubelet does, so a restarted agent
        re-adopts them); `down` means the whole cluster, so their processes are stopped here, and the
        next `up` starts them again (counted as restarts). Returns the components that were stopped.
        """
        stopped: list[str] = []
        with self._locked():
            for name in reversed(ORDER):
                if processes.stop(self.state.pid_file(name)):
                    progress(f"{name}: stopped")
                    stopped.append(name)
            if count := checkpoint.kill_all(self.state.root / "agent" / "pods"):
                progress(f"pods: stopped {count} container processes")
        return stopped

    def status(self) -> list[ComponentStatus]:
        """Each component: its pid if running, and what its health endpoint answers."""
        components = self.components()
        result = []
        for name in ORDER:
            record = processes.running(self.state.pid_file(name))
            health = None
            if record is not None and components is not None:
                health = probe(components[name].health)
            result.append(
                ComponentStatus(name, None if record is None else record.pid, health, self.state.log_file(name))
            )
        return result
