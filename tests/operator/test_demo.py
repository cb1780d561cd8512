"""`make demo`'s command, `cloudless demo up` then `down`, on a cluster of its own: what the README promises."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

CLOUDLESS = str(Path(sys.executable).with_name("cloudless"))


def demo(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CLOUDLESS_CLUSTER_STATE": str(state)}
    return subprocess.run([CLOUDLESS, "demo", *args], capture_output=True, text=True, timeout=600, env=env, check=False)


def test_demo_up_runs_hello_on_every_worker_and_down_stops_everything(tmp_path: Path) -> None:
    state = tmp_path / "demo"
    try:
        started = demo("up", state=state)
        assert started.returncode == 0, started.stdout + started.stderr
        greetings = [line.strip() for line in started.stdout.splitlines() if line.strip().endswith(": Hi, world")]
        assert len(greetings) == 3 and len({g.split(":")[0] for g in greetings}) == 3, started.stdout
        assert "cloudless demo down" in started.stdout
        assert "waiting for the workers" in started.stderr
        billed = re.search(r"epoch (\d+): charged ([0-9.]+), ledger head [0-9a-f]{16}", started.stdout)
        assert billed and Decimal(billed.group(2)) == Decimal("1.5"), started.stdout  # 3 workers x 0.5
        committed = [line.split() for line in started.stdout.splitlines() if line.startswith("capacitycommitment")]
        assert len(committed) == 1 and committed[0][1] in ("WaitStart", "Active"), started.stdout
        pid = int((state / "demo-operator.pid").read_text())
        again = demo("up", state=state)  # idempotent: resumes, finds the operator running, greets again
        assert again.returncode == 0, again.stdout + again.stderr
        assert f"already running (pid {pid})" in again.stderr
    finally:
        stopped = demo("down", state=state)
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert not (state / "demo-operator.pid").exists()
    assert not Path(f"/proc/{pid}").exists()
