"""Which /16s of 127.0.0.0/8 the clusters on this machine give their nodes' pods, so no two share one.

Every pod listens on its own loopback address, and the project's programs listen on fixed ports
(7001, 7100): two clusters running at once (two test sessions, or two state folders) must never
hand out the same address. So each cluster picks the second octets of its nodes' podCIDRs
(node i gets 127.<octets[i-1]>.0.0/16) once, at its first `up`, records them in its state
folder (`podnets.json`) and reuses them on every later `up`; `--reset` wipes the folder, and the
next `up` picks again.

The picks are coordinated through a machine-wide registry folder (`/tmp/cloudless-podnets`,
`CLOUDLESS_PODNETS_DIR` overrides; deliberately not the per-user `$XDG_RUNTIME_DIR`, since
loopback is shared by every user): one file per claimed octet, named `127.<octet>`, holding the
state folder that claims it, created under an exclusive lock on `.lock`. A claim is stale, and
free to take, once the state folder it names no longer records that octet (the folder was wiped
or deleted), so nothing ever has to clean up after a cluster; `down --reset` releases its claims
at once. Free octets are taken at random, which also keeps clear of clusters that do not take
part (an older checkout's agent still on 127.1).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
from collections.abc import Iterator
from pathlib import Path

from .agent.network import OCTETS
from .state import StateDir

#: Environment variable naming the registry folder (tests use their own).
REGISTRY_ENV = "CLOUDLESS_PODNETS_DIR"
DEFAULT_REGISTRY = Path("/tmp/cloudless-podnets")


class NoFreePodNetwork(RuntimeError):
    """Every /16 of 127.0.0.0/8 is claimed by some cluster on this machine."""


def registry_dir() -> Path:
    return Path(os.environ.get(REGISTRY_ENV) or DEFAULT_REGISTRY)


def load(state: StateDir) -> list[int]:
    """The octets this state folder recorded, in node order (empty before the first `up`)."""
    try:
        raw = json.loads(state.podnets_file.read_text())
    except FileNotFoundError:
        return []
    octets = raw.get("octets") if isinstance(raw, dict) else None
    if not isinstance(octets, list) or not all(isinstance(o, int) and o in OCTETS for o in octets):
        raise ValueError(f"{state.podnets_file} is not a pod networks file of this version; run `cluster up --reset`")
    return list(octets)


def _save(state: StateDir, octets: list[int]) -> None:
    partial = state.podnets_file.with_suffix(".partial")
    partial.write_text(json.dumps({"octets": octets}) + "\n")
    partial.replace(state.podnets_file)


@contextlib.contextmanager
def _registry(registry: Path) -> Iterator[Path]:
    """The registry folder, locked: one cluster picks at a time, across processes and users."""
    registry.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(PermissionError):  # someone else's folder: it is already shared
        registry.chmod(0o1777)
    descriptor = os.open(registry / ".lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        with contextlib.suppress(PermissionError):
            os.fchmod(descriptor, 0o666)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield registry
    finally:
        os.close(descriptor)


def _claim_file(registry: Path, octet: int) -> Path:
    return registry / f"127.{octet}"


def _holder(registry: Path, octet: int) -> Path | None:
    """The state folder that validly claims `octet`, or None if the octet is free (or its claim stale)."""
    try:
        owner = Path(_claim_file(registry, octet).read_text().strip())
    except FileNotFoundError:
        return None
    try:
        return owner if octet in load(StateDir(owner)) else None
    except (OSError, ValueError):  # unreadable (another user's folder) or foreign: respect the claim
        return owner


def ensure(state: StateDir, count: int, registry: Path | None = None) -> list[int]:
    """The octets of this cluster's first `count` nodes: recorded ones kept, missing ones picked and claimed.

    A recorded octet another cluster claimed meanwhile (say the registry was wiped by a reboot and
    a new cluster came first) is replaced by a free one, at the same node position. Returns every
    recorded octet (at least `count`), in node order.
    """
    me = state.root.resolve()
    with _registry(registry or registry_dir()) as folder:
        recorded = load(state)
        held = {octet for octet in OCTETS if (owner := _holder(folder, octet)) is not None and owner != me}
        free = [octet for octet in OCTETS if octet not in held and octet not in recorded]
        random.shuffle(free)
        octets = [octet if octet not in held else _take(free) for octet in recorded]
        while len(octets) < count:
            octets.append(_take(free))
        for octet in octets:
            _claim_file(folder, octet).write_text(f"{me}\n")
        _save(state, octets)
    return octets


def _take(free: list[int]) -> int:
    if not free:
        raise NoFreePodNetwork(
            f"every 127.N.0.0/16 is claimed by a cluster on this machine (see {registry_dir()}); "
            "`cloudless cluster down --reset` the ones you no longer need"
        )
    return free.pop()


def release(state: StateDir, registry: Path | None = None) -> None:
    """Drop this state folder's claims (before it is wiped), so other clusters can take the octets at once."""
    me = state.root.resolve()
    folder = registry or registry_dir()
    if not folder.is_dir():
        return
    with _registry(folder):
        for octet in OCTETS:
            claim = _claim_file(folder, octet)
            with contextlib.suppress(FileNotFoundError, PermissionError):
                if Path(claim.read_text().strip()) == me:
                    claim.unlink()
