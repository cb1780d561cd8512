"""Startup, liveness and readiness probes: the four actions and the kubelet's timing rules.

A probe runs `initialDelaySeconds` after its container started, then every `periodSeconds`; each
try has `timeoutSeconds`; the result flips to success after `successThreshold` successes in a row
and to failure after `failureThreshold` failures in a row. Until its first result a readiness
probe counts as failed (not ready) and a liveness probe as passing. The pod worker decides what a
result means (restart, readiness); this module only probes and counts.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .kube import Obj


@dataclass(frozen=True)
class Target:
    """Where a container's probes go: its pod IP, named ports, and how to run an exec probe."""

    host: str
    ports: dict[str, int]
    env: dict[str, str]
    cwd: Path


@dataclass(frozen=True)
class Probe:
    action: Obj
    initial_delay: float
    period: float
    timeout: float
    success_threshold: int
    failure_threshold: int

    @classmethod
    def from_obj(cls, probe: Obj) -> Probe:
        return cls(
            action=probe,
            initial_delay=float(probe.get("initialDelaySeconds", 0)),
            period=float(probe.get("periodSeconds", 10)),
            timeout=float(probe.get("timeoutSeconds", 1)),
            success_threshold=int(probe.get("successThreshold", 1)),
            failure_threshold=int(probe.get("failureThreshold", 3)),
        )


def _port(value: int | str, target: Target) -> int:
    if isinstance(value, int) or value.isdigit():
        return int(value)
    if value not in target.ports:
        raise ValueError(f"no container port named {value!r}")
    return target.ports[value]


def _http(action: Obj, target: Target, timeout: float) -> tuple[bool, str]:
    host = action.get("host") or target.host
    port = _port(action["port"], target)
    if action.get("scheme", "HTTP").upper() == "HTTPS":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the kubelet does not verify probe certificates either
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        headers = {h["name"]: h["value"] for h in action.get("httpHeaders") or []}
        connection.request("GET", action.get("path", "/"), headers={"User-Agent": "kube-probe/1.36", **headers})
        status = connection.getresponse().status
    finally:
        connection.close()
    return 200 <= status < 400, f"HTTP probe failed with statuscode: {status}"


def _tcp(action: Obj, target: Target, timeout: float) -> tuple[bool, str]:
    with socket.create_connection((action.get("host") or target.host, _port(action["port"], target)), timeout=timeout):
        return True, ""


def _grpc(action: Obj, target: Target, timeout: float) -> tuple[bool, str]:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(f"{target.host}:{int(action['port'])}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        answer = stub.Check(health_pb2.HealthCheckRequest(service=action.get("service", "")), timeout=timeout)
    serving = answer.status == health_pb2.HealthCheckResponse.SERVING
    return (
        serving,
        f"service unhealthy (responded with {health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)})",
    )


def _exec(action: Obj, target: Target, timeout: float) -> tuple[bool, str]:
    from .images import resolve_python

    argv = resolve_python(list(action.get("command") or []))
    done = subprocess.run(argv, env=target.env, cwd=target.cwd, capture_output=True, timeout=timeout, check=False)
    output = (done.stdout + done.stderr).decode(errors="replace").strip()
    return done.returncode == 0, f"command exited {done.returncode}: {output[-200:]}"


def attempt(probe: Probe, target: Target) -> tuple[bool, str]:
    """One try of the probe's action: (passed, why it failed)."""
    action = probe.action
    try:
        if "httpGet" in action:
            return _http(action["httpGet"], target, probe.timeout)
        if "tcpSocket" in action:
            return _tcp(action["tcpSocket"], target, probe.timeout)
        if "grpc" in action:
            return _grpc(action["grpc"], target, probe.timeout)
        if "exec" in action:
            return _exec(action["exec"], target, probe.timeout)
    except subprocess.TimeoutExpired:
        return False, f"command timed out after {probe.timeout:g}s"
    except Exception as error:  # any failure of a probe is a failed probe, never an agent crash
        return False, f"{type(error).__name__}: {error}"
    return False, "probe has no handler (httpGet, tcpSocket, grpc or exec)"


class Tracker:
    """The running result of one probe of one container instance."""

    def __init__(self, probe: Probe, *, started: float, initial: bool | None) -> None:
        self.probe = probe
        self.result = initial
        self.message = ""
        #: Why the try made by the last `run` failed (None: it passed, or no try was due): an Unhealthy event.
        self.failure: str | None = None
        self._next = started + probe.initial_delay
        self._successes = 0
        self._failures = 0

    def due(self, now: float) -> bool:
        return now >= self._next

    def run(self, target: Target) -> bool | None:
        """Probe once if due; returns the (possibly new) result."""
        now = time.monotonic()
        self.failure = None
        if not self.due(now):
            return self.result
        self._next = now + self.probe.period
        passed, message = attempt(self.probe, target)
        if passed:
            self._successes, self._failures = self._successes + 1, 0
            if self._successes >= self.probe.success_threshold:
                self.result = True
        else:
            self._successes, self._failures = 0, self._failures + 1
            self.message = self.failure = message
            if self._failures >= self.probe.failure_threshold:
                self.result = False
        return self.result
