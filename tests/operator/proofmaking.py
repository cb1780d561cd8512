"""Making capacity proofs in tests with the prover's own search: real hashes, real signatures."""

from __future__ import annotations

from cloudless_runtime import identity
from cloudless_runtime.prover import challenge, proof, puzzle

EASY = 1 << 252
"""One hash in sixteen meets it: proofs in microseconds."""


def solve(
    keys: identity.KeyPair, unit: str, rules: challenge.Challenge, count: int, *, tail: bytes = bytes(24)
) -> list[proof.Proof]:
    """The first `count` proofs of `rules` for `unit`, signed by `keys`."""
    run = puzzle.hasher(rules.algorithm, rules.key(unit))
    found: list[tuple[bytes, bytes]] = []
    start = 0
    while len(found) < count:
        found += puzzle.search(run, rules.target, tail=tail, start=start, count=8)
        start += 8
    return [proof.make(keys, unit=unit, solved=rules, local_nonce=n, result=r) for n, r in found[:count]]


def miss(keys: identity.KeyPair, unit: str, rules: challenge.Challenge) -> proof.Proof:
    """A correctly hashed, correctly signed proof whose hash is above the target."""
    run = puzzle.hasher(rules.algorithm, rules.key(unit))
    for counter in range(1 << 16):
        nonce = counter.to_bytes(8, "little") + bytes(24)
        result = run(nonce)
        if not puzzle.meets(result, rules.target):
            return proof.make(keys, unit=unit, solved=rules, local_nonce=nonce, result=result)
    raise AssertionError("every hash met the target")
