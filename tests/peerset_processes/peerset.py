"""A set of peers as real processes on their own loopback addresses: for each peer a runtime
(`python -m cloudless_runtime.runtime_server`) and a router (`python -m cloudless_runtime.router`)
sharing one key file, all routers reading one address book file and keeping executed step records.

Every process writes its log to a file in the set's folder; a peer that does not come up in time
fails the start with the tail of its log. `stop()` ends every process it started (SIGTERM, then
SIGKILL after a grace period) and is safe to call twice.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pathlib
import socket
import subprocess
import sys
import time
from collections.abc import Sequence

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from cloudless_runtime import identity
from cloudless_runtime.identity import keyfile
from cloudless_runtime.router import addressbook, runtime_client

START_TIMEOUT_S = 120.0
"""Generous: importing wasmtime and grpc on a machine that builds Go in parallel is slow."""
STOP_GRACE_S = 10.0


class PeerFailed(RuntimeError):
    """A peer process exited or did not become healthy in time; the message has its log tail."""


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@dataclasses.dataclass
class Peer:
    index: int
    host: str
    keys: identity.KeyPair
    key_file: pathlib.Path
    folder: pathlib.Path
    router_port: int
    runtime_port: int
    router_metrics_port: int
    runtime_metrics_port: int
    processes: dict[str, subprocess.Popen[bytes]] = dataclasses.field(default_factory=dict)
    greeting: str = ""
    """The id of this peer's greeting service, once deployed."""

    @property
    def peer_id(self) -> str:
        return self.keys.peer_id

    @property
    def address(self) -> str:
        return f"{self.host}:{self.router_port}"

    @property
    def runtime_address(self) -> str:
        return f"{self.host}:{self.runtime_port}"

    @property
    def steps_dir(self) -> pathlib.Path:
        """Where the router keeps its executed step records."""
        return self.folder / "steps"

    @property
    def router_metrics(self) -> str:
        return f"{self.host}:{self.router_metrics_port}"

    @property
    def runtime_metrics(self) -> str:
        return f"{self.host}:{self.runtime_metrics_port}"

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.folder / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _spawn(peer: Peer, name: str, args: Sequence[str]) -> None:
    with open(peer.folder / f"{name}.log", "ab") as log:
        peer.processes[name] = subprocess.Popen(
            [sys.executable, "-m", *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def _wait_healthy(peer: Peer, name: str, address: str, *, deadline: float) -> None:
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while True:
            process = peer.processes[name]
            if process.poll() is not None:
                raise PeerFailed(f"peer {peer.index} {name} exited with {process.returncode}:\n{peer.log_tail(name)}")
            try:
                answer = stub.Check(health_pb2.HealthCheckRequest(), timeout=2)
                if answer.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline:
                raise PeerFailed(f"peer {peer.index} {name} not healthy at {address}:\n{peer.log_tail(name)}")
            time.sleep(0.2)


class PeerSet:
    def __init__(self, folder: pathlib.Path, *, count: int, first_host: int = 101) -> None:
        self.folder = folder
        self.book = folder / "addressbook.json"
        self.peers: list[Peer] = []
        for index in range(count):
            host = f"127.0.0.{first_host + index}"
            peer_folder = folder / f"peer{index}"
            peer_folder.mkdir(parents=True)
            key_file = peer_folder / "peer.key"
            self.peers.append(
                Peer(
                    index,
                    host,
                    keyfile.make(key_file),
                    key_file,
                    peer_folder,
                    router_port=free_port(host),
                    runtime_port=free_port(host),
                    router_metrics_port=free_port(host),
                    runtime_metrics_port=free_port(host),
                )
            )
        entries = [addressbook.Entry(p.peer_id, p.address, subnet="e2e") for p in self.peers]
        self.book.write_bytes(addressbook.dump(entries))

    def start(self) -> None:
        """Starts every runtime, then every router, and waits until all answer health checks."""
        for peer in self.peers:
            self._start_runtime(peer)
        deadline = time.monotonic() + START_TIMEOUT_S
        for peer in self.peers:
            _wait_healthy(peer, "runtime", peer.runtime_address, deadline=deadline)
            self._start_router(peer)
        for peer in self.peers:
            _wait_healthy(peer, "router", peer.address, deadline=deadline)

    def _start_runtime(self, peer: Peer) -> None:
        _spawn(
            peer,
            "runtime",
            [
                "cloudless_runtime.runtime_server",
                f"--state-dir={peer.folder / 'state'}",
                f"--listen={peer.runtime_address}",
                f"--key-file={peer.key_file}",
                f"--metrics={peer.runtime_metrics}",
            ],
        )

    def _start_router(self, peer: Peer) -> None:
        _spawn(
            peer,
            "router",
            [
                "cloudless_runtime.router",
                f"--listen={peer.address}",
                f"--runtime={peer.runtime_address}",
                f"--key-file={peer.key_file}",
                f"--address-book={self.book}",
                f"--metrics={peer.router_metrics}",
                f"--steps-dir={peer.steps_dir}",
            ],
        )

    def restart(self, peer: Peer) -> None:
        """Starts a killed peer again, same key and addresses (its services are in its state folder)."""
        self.stop_peer(peer)
        self._start_runtime(peer)
        deadline = time.monotonic() + START_TIMEOUT_S
        _wait_healthy(peer, "runtime", peer.runtime_address, deadline=deadline)
        self._start_router(peer)
        _wait_healthy(peer, "router", peer.address, deadline=deadline)

    def deploy(self, module: bytes) -> None:
        """Creates a greeting service from `module` on every peer, through its runtime API."""
        for peer in self.peers:
            client = runtime_client.RuntimeClient(peer.runtime_address, timeout_s=START_TIMEOUT_S)
            try:
                digest = client.add_module(module, name="greeting")
                peer.greeting = client.create_service(client.add_blueprint("greeting", [digest]), owner_id="")
            finally:
                client.close()

    def kill(self, peer: Peer) -> None:
        """SIGKILL, as a crash: no graceful shutdown, no goodbye to anyone."""
        for process in peer.processes.values():
            process.kill()
        for process in peer.processes.values():
            process.wait(timeout=STOP_GRACE_S)

    def stop_peer(self, peer: Peer) -> None:
        for process in peer.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in peer.processes.values():
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=STOP_GRACE_S)
        peer.processes.clear()

    def stop(self) -> None:
        for peer in self.peers:
            self.stop_peer(peer)
