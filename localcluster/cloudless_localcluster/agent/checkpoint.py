"""What the agent remembers on disk about each pod, so a restarted agent re-adopts instead of duplicating.

Per pod (folder `pods/<uid>/`): its address and, per container, the pid of its process group
leader with that process's start time from /proc (so a recycled pid is never taken for ours),
the restart count and the last termination. A restarted agent adopts every recorded process that
still runs with the same start time; processes of pods the apiserver no longer has are orphans and
are killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FILE = "checkpoint.json"


@dataclass
class ContainerRecord:
    pid: int | None = None
    start_ticks: int | None = None
    started_at: str | None = None
    restart_count: int = 0
    #: The last termination, as a `terminated` state of the pod status (exitCode, reason, times).
    last_terminated: dict[str, Any] | None = None


@dataclass
class PodRecord:
    uid: str
    namespace: str
    name: str
    node: str
    pod_ip: str
    containers: dict[str, ContainerRecord] = field(default_factory=dict)


def start_ticks(pid: int) -> int | None:
    """When `pid` started (clock ticks after boot, /proc/PID/stat field 22), or None if it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def alive(pid: int | None, ticks: int | None) -> bool:
    return pid is not None and ticks is not None and start_ticks(pid) == ticks


def kill_group(pid: int | None, ticks: int | None, sig: signal.Signals = signal.SIGKILL) -> None:
    """Signal a recorded process group, only while its leader is still the process we started."""
    if pid is not None and alive(pid, ticks):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)


def save(folder: Path, record: PodRecord) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{FILE}.partial"
    partial.write_text(json.dumps(asdict(record), indent=1))
    partial.replace(folder / FILE)


def load(folder: Path) -> PodRecord | None:
    try:
        raw = json.loads((folder / FILE).read_text())
    except (OSError, ValueError):
        return None
    containers = {name: ContainerRecord(**value) for name, value in raw.pop("containers", {}).items()}
    return PodRecord(**raw, containers=containers)


def load_all(pods_dir: Path) -> dict[str, PodRecord]:
    """Every recorded pod, by uid."""
    records = {}
    if pods_dir.is_dir():
        for folder in pods_dir.iterdir():
            record = load(folder)
            if record is not None:
                records[record.uid] = record
    return records


def kill_all(pods_dir: Path, grace: float = 10.0) -> int:
    """Stop every recorded container (SIGTERM, then SIGKILL after `grace`); the records stay. Returns how many."""
    targets = [
        (c.pid, c.start_ticks)
        for r in load_all(pods_dir).values()
        for c in r.containers.values()
        if alive(c.pid, c.start_ticks)
    ]
    for pid, ticks in targets:
        kill_group(pid, ticks, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(pid, ticks) for pid, ticks in targets):
        time.sleep(0.1)
    for pid, ticks in targets:
        kill_group(pid, ticks)
    return len(targets)
