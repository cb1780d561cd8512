"""Fixtures for the local cluster: one real control plane per test session, on a temp state folder."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cloudless_localcluster import build

#: `cloudless cluster`, run as its own module so these tests need only this package (the root
#: command's dispatch to it is checked separately, in test_cli_errors.py).
CLUSTER_CLI = [sys.executable, "-m", "cloudless_localcluster"]


def cluster_cli(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `cloudless cluster ARGS...` in a subprocess (as a user would); on a failure show its output."""
    result = subprocess.run([*CLUSTER_CLI, *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        pytest.fail(f"cloudless cluster {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


@dataclass(frozen=True)
class RunningCluster:
    state: Path
    bin_dir: Path
    up_output: str

    @property
    def kubeconfig(self) -> Path:
        return self.state / "kubeconfig"

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin_dir / "kubectl"), f"--kubeconfig={self.kubeconfig}", "--request-timeout=30s", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if check and result.returncode != 0:
            pytest.fail(f"kubectl {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def cluster_cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return cluster_cli(*args, f"--state={self.state}", check=check)


@pytest.fixture(scope="session")
def control_plane_bin() -> Path:
    """The binaries `make install` built for the current pins; missing binaries fail loudly, never skip."""
    bin_dir = build.installed_bin_dir()
    if bin_dir is None:
        pins = build.current_pins()
        pytest.fail(
            f"the control-plane binaries for the pins in localcluster/k8s are not built (expected in {pins.bin_dir}):"
            " run `make install`",
            pytrace=False,
        )
    return bin_dir


@pytest.fixture(scope="session")
def running_cluster(tmp_path_factory: pytest.TempPathFactory, control_plane_bin: Path) -> Iterator[RunningCluster]:
    state = tmp_path_factory.mktemp("cluster-state")
    up = cluster_cli("up", f"--state={state}")
    try:
        yield RunningCluster(state, control_plane_bin, up.stdout + up.stderr)
    finally:
        cluster_cli("down", f"--state={state}", check=False)
