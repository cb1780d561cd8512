"""The operator as a subprocess (`python -m cloudless_operator`) against the session's cluster, and waiting helpers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from tests.localcluster.conftest import RunningCluster

T = TypeVar("T")
METRICS_OFFSET = 100
"""The metrics endpoint listens this many ports above the liveness port, so parallel operators never share one."""


class OperatorProcess:
    """One operator process; `stop()` ends it (SIGTERM, then SIGKILL) and `kill()` crashes it (SIGKILL)."""

    def __init__(self, cluster: RunningCluster, log: Path, *, port: int, env: Mapping[str, str] | None = None) -> None:
        """`env` adds to (or overrides) this process's environment, e.g. `CLOUDLESS_DATA_DIR` to turn epochs on."""
        environment = {
            **os.environ,
            **(env or {}),
            "KUBECONFIG": str(cluster.kubeconfig),
            "CLOUDLESS_LIVENESS": f"http://127.0.0.1:{port}/healthz",
            "CLOUDLESS_METRICS": f"127.0.0.1:{port + METRICS_OFFSET}",
        }
        self.metrics_address = f"127.0.0.1:{port + METRICS_OFFSET}"
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cloudless_operator"], stdout=out, stderr=subprocess.STDOUT, env=environment
            )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def eventually(probe: Callable[[], T | None], *, timeout: float = 60, what: str = "") -> T:
    """Poll `probe` until it returns something truthy (bounded); fail with `what` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def get(cluster: RunningCluster, *args: str) -> Any:
    result = cluster.kubectl("get", *args, "-o", "json", check=False)
    return json.loads(result.stdout) if result.returncode == 0 else None


def apply(cluster: RunningCluster, manifest: dict[str, Any]) -> None:
    command = [str(cluster.bin_dir / "kubectl"), f"--kubeconfig={cluster.kubeconfig}", "apply", "-f", "-"]
    subprocess.run(command, input=json.dumps(manifest), capture_output=True, text=True, timeout=60, check=True)


def ready_subnet(cluster: RunningCluster, workers: int) -> dict[str, Any]:
    """The example Subnet once `workers` workers are Ready with the greeting service deployed."""

    def probe() -> dict[str, Any] | None:
        found = get(cluster, "subnet", "greeting")
        status = (found or {}).get("status", {})
        entries = status.get("workers", [])
        deployed = all([s["state"] for s in w.get("services", [])] == ["Deployed"] for w in entries)
        return found if status.get("readyWorkers") == workers and len(entries) == workers and deployed else None

    found: dict[str, Any] = eventually(probe, timeout=240, what=f"subnet greeting with {workers} deployed workers")
    return found
