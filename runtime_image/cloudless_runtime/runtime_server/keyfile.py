"""A peer's key on disk: the 32-byte Ed25519 seed as hex text (a Kubernetes Secret's file).

The runtime signs receipts and the router signs interpreter data with the same key, so both read
the same file; `load` creates it (mode 0600) when asked to and it does not exist yet.
"""

from __future__ import annotations

import os
import pathlib

from cloudless_runtime import identity


class BadKeyFile(ValueError):
    """The file exists but does not hold a 32-byte hex seed."""


def load(path: pathlib.Path, *, create: bool = False) -> identity.KeyPair:
    if create and not path.exists():
        keys = identity.KeyPair.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(keys.seed.hex() + "\n")
        return keys
    try:
        return identity.KeyPair.from_seed(bytes.fromhex(path.read_text().strip()))
    except ValueError as e:
        raise BadKeyFile(f"{path}: expected the 32-byte Ed25519 seed as hex: {e}") from None
