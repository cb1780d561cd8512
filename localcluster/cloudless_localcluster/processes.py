"""Background processes that outlive the command that started them, found again through pid files.

`cluster up` returns while etcd and the Kubernetes components keep running, so a later `down` or
`status` (another process) must find them. Each component runs in its own session (so a Ctrl-C in
the terminal that ran `up` does not reach it, and `down` can signal its whole process group); its
pid file records the pid and the binary, and a pid only counts as ours while /proc says that pid
still runs that binary, so a recycled pid is never signalled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PidRecord:
    pid: int
    binary: str


def read_pid_file(path: Path) -> PidRecord | None:
    try:
        pid_text, binary = path.read_text().split("\n", 2)[:2]
        return PidRecord(int(pid_text), binary)
    except (FileNotFoundError, ValueError):
        return None


def _proc_state(pid: int) -> str | None:
    """The one-letter state from /proc/PID/stat, or None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
    return stat.rsplit(")", 1)[1].split()[0]


def _reap(pid: int) -> None:
    """Collect the exit status if the process is our child (a test that ran `up` in-process)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(record: PidRecord) -> bool:
    """Whether `record.pid` still runs `record.binary` (and is not a zombie)."""
    state = _proc_state(record.pid)
    if state is None:
        return False
    if state in ("Z", "X"):
        _reap(record.pid)
        return False
    try:
        exe = os.readlink(f"/proc/{record.pid}/exe")
    except OSError:
        return False
    # The kernel appends " (deleted)" when the binary was replaced on disk (e.g. a rebuild).
    return exe.removesuffix(" (deleted)") == record.binary


def running(pid_file: Path) -> PidRecord | None:
    """The live process a pid file names, or None (and the stale file is removed)."""
    record = read_pid_file(pid_file)
    if record is None:
        return None
    if is_alive(record):
        return record
    pid_file.unlink(missing_ok=True)
    return None


def start(command: Sequence[str], pid_file: Path, log_file: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """Start `command` detached, its output appended to `log_file`, and record it in `pid_file`.

    The command runs as given (a virtualenv's `python` symlink must stay the symlink, or the
    interpreter would not find the virtualenv); the pid file records the resolved binary, which
    is what /proc/PID/exe shows.
    """
    binary = os.path.realpath(command[0])
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        log.write(f"\n=== {stamp} starting: {' '.join(command)}\n".encode())
        log.flush()
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(f"{process.pid}\n{binary}\n")
    return process


def stop(pid_file: Path, grace: float = 15.0) -> bool:
    """SIGTERM the process group, SIGKILL after `grace` seconds; True if something was running."""
    record = running(pid_file)
    if record is None:
        return False
    _signal_group(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not is_alive(record):
            break
        time.sleep(0.1)
    else:
        _signal_group(record.pid, signal.SIGKILL)
        while is_alive(record):
            time.sleep(0.05)
    pid_file.unlink(missing_ok=True)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process's group (it leads one: `start` made a new session), else the process."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def tail(path: Path, lines: int = 30) -> str:
    """The last `lines` lines of a log file (reads only the end of a large file)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read()
    except FileNotFoundError:
        return f"(no log at {path})"
    return "\n".join(data.decode(errors="replace").splitlines()[-lines:])
