"""The cluster's state folder: where everything that must survive `cluster down` / `cluster up` lives.

One folder holds the PKI, etcd's data, the component logs, their pid files, and the loopback ports
and pod networks picked at the first `up`. Keeping the ports on disk makes the kubeconfig (and
every client that copied it) stay valid across restarts; keeping the pod networks keeps the Nodes'
podCIDRs; keeping etcd's data makes the cluster's objects survive. Only `--reset` deletes the folder.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

#: The loopback address every component listens on; nothing here ever binds another address.
LOOPBACK = "127.0.0.1"

#: The ports a cluster needs, by role. Picked once, then reused while they stay free.
PORT_NAMES = ("etcd-client", "etcd-peer", "apiserver", "controller-manager", "scheduler", "kubelet")


def default_state_dir() -> Path:
    """`$XDG_STATE_HOME/cloudless/cluster`, i.e. `~/.local/state/cloudless/cluster` by default."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "cloudless" / "cluster"


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Whether a TCP port can be bound on loopback right now (no SO_REUSEADDR: like the Go servers)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_free_ports(count: int, avoid: set[int] | None = None, host: str = LOOPBACK) -> list[int]:
    """Ask the kernel for `count` distinct free ports on loopback.

    All sockets stay open until every port is chosen, so the kernel cannot hand the same port out
    twice; another program may still take one before our component binds it, which `up` reports as
    that component's startup failure.
    """
    avoid = set(avoid or ())
    held: list[socket.socket] = []
    ports: list[int] = []
    try:
        while len(ports) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            held.append(sock)
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
            if port not in avoid and port not in ports:
                ports.append(port)
    finally:
        for sock in held:
            sock.close()
    return ports


@dataclass(frozen=True)
class StateDir:
    """Paths inside one cluster's state folder. Creating the object touches nothing on disk."""

    root: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def kubeconfigs(self) -> Path:
        """Per-component kubeconfigs (controller-manager, scheduler): each with its own identity."""
        return self.root / "kubeconfigs"

    @property
    def admin_kubeconfig(self) -> Path:
        """The kubeconfig a user exports: cluster-admin through the system:masters group."""
        return self.root / "kubeconfig"

    @property
    def ports_file(self) -> Path:
        return self.root / "ports.json"

    @property
    def podnets_file(self) -> Path:
        """The second octets of the nodes' podCIDRs, picked at the first `up` (see `podnets.py`)."""
        return self.root / "podnets.json"

    def log_file(self, component: str) -> Path:
        return self.logs / f"{component}.log"

    def pid_file(self, component: str) -> Path:
        return self.run / f"{component}.pid"

    def create(self) -> None:
        """Make the folders; private (0700) because they hold private keys and etcd's data."""
        for folder in (self.root, self.pki, self.etcd_data, self.logs, self.run, self.kubeconfigs):
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o700)

    def wipe(self) -> None:
        """Delete everything: the cluster's objects, certificates and logs (`--reset`)."""
        shutil.rmtree(self.root, ignore_errors=True)

    def load_ports(self) -> dict[str, int] | None:
        """The ports recorded by an earlier `up`, or None for a new state folder."""
        try:
            raw = json.loads(self.ports_file.read_text())
        except FileNotFoundError:
            return None
        if not isinstance(raw, dict) or not set(raw) <= set(PORT_NAMES):
            raise ValueError(f"{self.ports_file} is not a ports file of this version; run `cluster up --reset`")
        # A folder from before a role existed (the node agent's kubelet port) lacks it: `up` adds it.
        return {name: int(raw[name]) for name in PORT_NAMES if name in raw}

    def save_ports(self, ports: dict[str, int]) -> None:
        self.ports_file.write_text(json.dumps(ports, indent=2, sort_keys=True) + "\n")

    def ensure_ports(self, in_use_by_us: Collection[str] = ()) -> dict[str, int]:
        """Recorded ports, re-picking only those another program has taken since (and saying so).

        `in_use_by_us` names roles whose component of ours is already running: their ports are
        busy because of us, not taken.
        """
        ports = self.load_ports() or {}
        missing = [name for name in PORT_NAMES if name not in ports]
        ports.update(zip(missing, pick_free_ports(len(missing), avoid=set(ports.values())), strict=True))
        taken = [name for name, port in ports.items() if name not in in_use_by_us and not port_is_free(port)]
        if taken:
            fresh = pick_free_ports(len(taken), avoid=set(ports.values()))
            ports.update(zip(taken, fresh, strict=True))
        self.save_ports(ports)
        return ports
