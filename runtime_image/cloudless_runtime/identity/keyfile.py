"""A peer's key on disk: the 32-byte Ed25519 seed as hex text (a Kubernetes Secret's file).

The one place key files are read and written. A peer's runtime signs receipts and its router
signs interpreter data with the same key, so both read the same file; a client keeps its
identity in one too (`cloudless keys make`, `cloudless run --key-file`). Files are created with
mode 0600 and never overwritten, so an identity (and the peer id others know it by) is not lost.
"""

from __future__ import annotations

import os
import pathlib

from cloudless_runtime.identity import keys


class BadKeyFile(ValueError):
    """The file is missing or does not hold a 32-byte hex seed; the message names the file."""


def make(path: pathlib.Path) -> keys.KeyPair:
    """Writes a new key to `path`; raises `FileExistsError` if there is a file already."""
    made = keys.KeyPair.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(made.seed.hex() + "\n")
    return made


def load(path: pathlib.Path, *, create: bool = False) -> keys.KeyPair:
    """The key in `path`; with `create`, a new one is made there first if the file does not exist.

    Two sidecars started together with `create` end up with the same key: the loser of the
    exclusive create reads the winner's file.
    """
    if create:
        try:
            return make(path)
        except FileExistsError:
            pass
    try:
        text = path.read_text()
    except OSError as e:
        raise BadKeyFile(f"{path}: cannot read the key file: {e.strerror}") from None
    try:
        return keys.KeyPair.from_seed(bytes.fromhex(text.strip()))
    except ValueError as e:
        raise BadKeyFile(f"{path}: expected the 32-byte Ed25519 seed as hex: {e}") from None
