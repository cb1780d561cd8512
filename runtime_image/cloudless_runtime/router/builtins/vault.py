"""The particle vault: files a particle keeps on this peer while it lives, as nox's `vault.put` /
`vault.cat` give them, and the `dist.*_from_vault` builtins read.

nox keeps them in a folder per particle and hands out virtual paths under `/tmp/vault`; here they
are kept in memory under the same kind of path, `/tmp/vault/{particle id}/{name}`, because no
Marine module of this peer mounts the vault (modules get only the dirs their deal grants). A
particle sees only its own files: a path outside its folder, or `..` out of it, is refused. A
particle's files go when it expires, and the whole vault holds at most `capacity_bytes`, so a
particle cannot grow a router's memory without bound.
"""

from __future__ import annotations

import dataclasses
import posixpath
import threading
import uuid

from cloudless_runtime.router import particle
from cloudless_runtime.router.builtins.args import BuiltinError

PREFIX = "/tmp/vault"
"""nox's `VIRTUAL_PARTICLE_VAULT_PREFIX`."""
CAPACITY_BYTES = 64 << 20


@dataclasses.dataclass(slots=True)
class _Folder:
    expires_at: int
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)


class Vault:
    def __init__(self, *, clock: particle.Clock, capacity_bytes: int = CAPACITY_BYTES) -> None:
        self._clock = clock
        self._capacity = capacity_bytes
        self._folders: dict[str, _Folder] = {}
        self._lock = threading.Lock()

    def put(self, owner: particle.Particle, data: bytes) -> str:
        """Stores `data` as a new file of `owner`'s vault; returns its virtual path."""
        name = str(uuid.uuid4())
        with self._lock:
            self._sweep()
            used = sum(len(content) for folder in self._folders.values() for content in folder.files.values())
            if used + len(data) > self._capacity:
                raise BuiltinError(
                    f"Write vault failed for filename `{name}`: the vault of this peer is full ({self._capacity} bytes)"
                )
            folder = self._folders.setdefault(owner.id, _Folder(owner.expires_at))
            folder.files[name] = data
        return f"{_root(owner)}/{name}"

    def read(self, owner: particle.Particle, path: str) -> bytes:
        """The file at `path` (virtual, or relative to `owner`'s vault); refuses other particles' files."""
        root = _root(owner)
        full = posixpath.normpath(path if path.startswith("/") else posixpath.join(root, path))
        if posixpath.dirname(full) != root:
            raise BuiltinError(f"Incorrect vault path `{path}`: doesn't belong to vault (`{root}`)")
        with self._lock:
            self._sweep()
            folder = self._folders.get(owner.id)
            content = None if folder is None else folder.files.get(posixpath.basename(full))
        if content is None:
            raise BuiltinError(f"Incorrect vault  path `{path}`: doesn't exist")  # sic: nox's double space
        return content

    def _sweep(self) -> None:
        """Drops the folders of expired particles (called under the lock)."""
        now = self._clock()
        for particle_id in [pid for pid, folder in self._folders.items() if folder.expires_at < now]:
            del self._folders[particle_id]


def _root(owner: particle.Particle) -> str:
    return f"{PREFIX}/{owner.id}"
