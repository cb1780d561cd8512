"""The capacity puzzle, Fluence-style: find a local nonce whose hash under the unit's epoch key is at
most the difficulty target.

As in Fluence's CCP: the key K = H(global nonce of the epoch ‖ unit id) changes every epoch and
differs per unit, so work cannot be reused across epochs or units; the local nonce H is 32 bytes,
random at the start, whose first 8 bytes count up little-endian, one per hash; a proof is
(unit, H, hash) with hash = F(K, H) and hash ≤ target, both read as 256-bit big-endian numbers.

F is pluggable (`ALGORITHMS`). Fluence used RandomX, which we do not have; our choices are:

- `sha256`: SHA-256(K ‖ H). Fast (about a million hashes per second per core in CPython), no
  memory cost: it proves CPU time only.
- `blake2b`: keyed BLAKE2b-256 of H under K. Same properties, another primitive.
- `scrypt`: scrypt(H, salt=K, N=2^14, r=8, p=1), 16 MiB of memory touched per hash. Memory-hard
  per hash, but not a dataset per key like RandomX's 2 GiB, and verification costs as much as
  one hash (RandomX's light mode verifies with a 256 MiB cache instead). docs/epochs.md says
  what each does and does not establish.

The difficulty must be tuned per algorithm: the same target costs 40,000 times more wall time with
scrypt than with sha256 (see bench/prover.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Final

NONCE_BYTES: Final = 32
COUNTER_BYTES: Final = 8
"""The counting part of the local nonce, little-endian, as the CCP increments it."""
TARGET_BITS: Final = 256
_KEY_DOMAIN: Final = b"cloudless-capacity/v1\n"
"""Separates our unit keys from any other use of SHA-256 over the same bytes."""

Hasher = Callable[[bytes], bytes]
"""F(K, ·) for one key: maps a 32-byte local nonce to a 32-byte hash."""

SCRYPT_N: Final = 1 << 14
SCRYPT_R: Final = 8
SCRYPT_MEMORY: Final = 128 * SCRYPT_R * SCRYPT_N
"""Bytes scrypt fills per hash: 16 MiB."""


class UnknownAlgorithm(ValueError):
    """A puzzle name that is not in `ALGORITHMS`; the message lists the known ones."""


def _sha256(key: bytes) -> Hasher:
    def run(nonce: bytes) -> bytes:
        return hashlib.sha256(key + nonce).digest()

    return run


def _blake2b(key: bytes) -> Hasher:
    def run(nonce: bytes) -> bytes:
        return hashlib.blake2b(nonce, key=key, digest_size=32).digest()

    return run


def _scrypt(key: bytes) -> Hasher:
    def run(nonce: bytes) -> bytes:
        return hashlib.scrypt(nonce, salt=key, n=SCRYPT_N, r=SCRYPT_R, p=1, maxmem=2 * SCRYPT_MEMORY, dklen=32)

    return run


ALGORITHMS: Final[Mapping[str, Callable[[bytes], Hasher]]] = {
    "sha256": _sha256,
    "blake2b": _blake2b,
    "scrypt": _scrypt,
}


def check_algorithm(algorithm: str) -> None:
    """Raises UnknownAlgorithm unless `algorithm` names a puzzle in `ALGORITHMS`."""
    if algorithm not in ALGORITHMS:
        raise UnknownAlgorithm(f"unknown puzzle algorithm {algorithm!r}; known: {', '.join(sorted(ALGORITHMS))}")


def hasher(algorithm: str, key: bytes) -> Hasher:
    """F(key, ·) for `algorithm`; prover and checker both hash through this one function."""
    check_algorithm(algorithm)
    return ALGORITHMS[algorithm](key)


def unit_key(global_nonce: bytes, unit_id: str) -> bytes:
    """K = SHA-256(domain ‖ global nonce ‖ unit id): Fluence's keccak(globalNonce ‖ unitId), with our ids."""
    return hashlib.sha256(_KEY_DOMAIN + global_nonce + unit_id.encode()).digest()


def target_bytes(difficulty: int) -> bytes:
    """The target as 32 big-endian bytes: comparing bytes of equal length compares the numbers."""
    if not 0 < difficulty < 1 << TARGET_BITS:
        raise ValueError(f"a difficulty is a 256-bit target above zero, got {difficulty:#x}")
    return difficulty.to_bytes(TARGET_BITS // 8, "big")


def meets(result: bytes, target: bytes) -> bool:
    """Fluence's contract rule: the hash, as a number, is at most the target."""
    return result <= target


def search(run: Hasher, target: bytes, *, tail: bytes, start: int, count: int) -> list[tuple[bytes, bytes]]:
    """Hashes `count` nonces from counter `start`; returns every (nonce, hash) that meets the target.

    The prover calls this in rounds (the CCP's 1024 hashes between control checks), so stopping and
    new challenges are noticed between rounds without slowing the loop itself.
    """
    found = []
    for counter in range(start, start + count):
        nonce = counter.to_bytes(COUNTER_BYTES, "little") + tail
        result = run(nonce)
        if result <= target:
            found.append((nonce, result))
    return found
