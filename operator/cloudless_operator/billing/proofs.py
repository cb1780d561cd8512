"""The capacity proof checker: which submitted proofs count for an epoch, and why the others do not.

Fluence's `submitProofs` rules, made explicit per proof (reference 2.5 and 6.6): the proof is for
this epoch's nonce, difficulty and algorithm (`wrong_epoch_nonce`, as Nox discards stale ones);
its unit had proof duty this epoch (`cu_not_proving`); it is signed by the unit's node
(`bad_signature`); the hash recomputes (`bad_hash`) and meets the target (`above_target`); its
(unit, local nonce) pair is new (`duplicate`). Once a unit has `maxProofs` accepted, its further
proofs are dropped: counted, not errors, and not even verified (a flood costs nothing to skip).

Proofs are checked in a canonical order (unit, local nonce, hash, signature), so the same
submissions always give the same counts, in whatever order the files were read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing
from collections.abc import Iterable, Mapping
from typing import Literal

from cloudless_runtime.prover import challenge, proof, puzzle

Reason = Literal[
    "malformed", "wrong_epoch_nonce", "cu_not_proving", "bad_signature", "bad_hash", "above_target", "duplicate"
]
REASONS: tuple[Reason, ...] = typing.get_args(Reason)
"""`malformed` lines are counted by the reader (`prover.outbox`), the rest here."""


@dataclasses.dataclass(slots=True)
class UnitTally:
    """One unit's proofs in one epoch."""

    accepted: int = 0
    dropped: int = 0
    """Valid or not, beyond the maximum: Fluence's TooManyProofs, ignored rather than an error."""
    rejected: dict[Reason, int] = dataclasses.field(default_factory=dict)
    digest: str = hashlib.sha256().hexdigest()
    """SHA-256 chained over the accepted proofs' signed bytes and signatures, in check order: the
    ledger commits to exactly which proofs counted, so the proof files can be audited against it."""

    def reject(self, reason: Reason) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1


def check(
    proofs: Iterable[proof.Proof], *, rules: challenge.Challenge, provers: Mapping[str, str]
) -> dict[str, UnitTally]:
    """Counts per unit id named in `proofs`; `provers` maps each unit with proof duty to its node's peer id."""
    tallies: dict[str, UnitTally] = {}
    seen: set[tuple[str, bytes]] = set()
    target = rules.target
    hashers: dict[str, puzzle.Hasher] = {}
    for submitted in sorted(proofs, key=_order):
        tally = tallies.setdefault(submitted.unit, UnitTally())
        if tally.accepted >= rules.max_proofs:
            tally.dropped += 1
            continue
        reason = _fault(submitted, rules=rules, provers=provers, target=target, hashers=hashers, seen=seen)
        if reason is not None:
            tally.reject(reason)
            continue
        seen.add((submitted.unit, submitted.local_nonce))
        tally.accepted += 1
        tally.digest = hashlib.sha256(
            bytes.fromhex(tally.digest) + submitted.payload() + submitted.signature
        ).hexdigest()
    return tallies


def _fault(
    submitted: proof.Proof,
    *,
    rules: challenge.Challenge,
    provers: Mapping[str, str],
    target: bytes,
    hashers: dict[str, puzzle.Hasher],
    seen: set[tuple[str, bytes]],
) -> Reason | None:
    if (submitted.epoch, submitted.global_nonce, submitted.difficulty, submitted.algorithm) != (
        rules.epoch,
        rules.global_nonce,
        rules.difficulty,
        rules.algorithm,
    ):
        return "wrong_epoch_nonce"
    signer = provers.get(submitted.unit)
    if signer is None:
        return "cu_not_proving"
    if submitted.peer_id != signer or not proof.signature_ok(submitted):
        return "bad_signature"
    run = hashers.get(submitted.unit)
    if run is None:
        run = hashers[submitted.unit] = puzzle.hasher(rules.algorithm, rules.key(submitted.unit))
    if run(submitted.local_nonce) != submitted.result:
        return "bad_hash"
    if not puzzle.meets(submitted.result, target):
        return "above_target"
    if (submitted.unit, submitted.local_nonce) in seen:
        return "duplicate"
    return None


def _order(submitted: proof.Proof) -> tuple[str, bytes, bytes, bytes]:
    return (submitted.unit, submitted.local_nonce, submitted.result, submitted.signature)
