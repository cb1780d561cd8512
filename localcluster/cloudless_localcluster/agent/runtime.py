"""Containers as process groups: start one from a `Launch`, watch it, signal it, find it again.

Each container is a new session (its pid leads its process group), so a signal reaches the
program and whatever it started, and the agent's own exit or Ctrl-C does not. Output goes
straight to a log file (not through a pipe), so a container keeps running and logging while the
agent restarts. Memory is limited with RLIMIT_DATA rather than RLIMIT_AS: wasmtime reserves
large PROT_NONE guard regions that would count against an address-space limit without ever
using memory, whereas RLIMIT_DATA counts only writable private mappings.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import resource
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import checkpoint

#: Exit code reported for an adopted process that ended while no agent watched it.
UNKNOWN_EXIT = 255


@dataclass(frozen=True)
class Launch:
    """Everything needed to start one container's process."""

    argv: tuple[str, ...]
    env: dict[str, str]
    cwd: Path
    log: Path
    memory_limit: int | None = None


class LaunchError(RuntimeError):
    """The process could not start (e.g. its command does not exist)."""


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Process:
    """One running (or ended) container process, started by this agent or adopted from a checkpoint."""

    def __init__(self, pid: int, ticks: int | None, started_at: str, popen: subprocess.Popen[bytes] | None) -> None:
        self.pid = pid
        self.ticks = ticks
        self.started_at = started_at
        self._popen = popen
        self._exit: int | None = None

    @classmethod
    def adopt(cls, pid: int, ticks: int, started_at: str) -> Process:
        return cls(pid, ticks, started_at, None)

    def poll(self) -> int | None:
        """None while it runs, else its exit code (128+signal when killed, as a kubelet reports)."""
        if self._exit is not None:
            return self._exit
        if self._popen is not None:
            code = self._popen.poll()
            if code is None:
                return None
            self._exit = 128 - code if code < 0 else code
        elif not checkpoint.alive(self.pid, self.ticks):
            self._exit = UNKNOWN_EXIT
        return self._exit

    def signal(self, sig: signal.Signals) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)


def spawn(launch: Launch) -> Process:
    """Start the container's process group with its output appended to its log file."""
    launch.log.parent.mkdir(parents=True, exist_ok=True)
    with launch.log.open("ab") as log:
        try:
            popen = subprocess.Popen(
                list(launch.argv),
                env=launch.env,
                cwd=launch.cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise LaunchError(f"cannot start {launch.argv[0]!r}: {error.strerror or error}") from error
    if launch.memory_limit is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
            resource.prlimit(popen.pid, resource.RLIMIT_DATA, (launch.memory_limit, launch.memory_limit))
    return Process(popen.pid, checkpoint.start_ticks(popen.pid), now(), popen)
