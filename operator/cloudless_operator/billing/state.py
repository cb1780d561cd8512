"""What one epoch close hands to the next, rebuilt from the last ledger record and nothing else.

The ledger is the one source of truth for money and counters (reference 6.1): every record carries
the commitments, deal accounts and reward pool as they stood after its epoch, and the puzzle rules
fixed for the next one. A restarted controller therefore resumes from `after(head)`, and a status
in Kubernetes is only ever a cache of a record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from cloudless_operator.billing import commitments, deals, rewards
from cloudless_operator.billing.ledger import chain
from cloudless_operator.billing.settings import Settings
from cloudless_runtime.prover import challenge


@dataclasses.dataclass(frozen=True, slots=True)
class Rules:
    """The puzzle of an epoch, fixed at the close before it (Fluence's nextDifficulty), so a settings
    change never invalidates proofs already made."""

    difficulty: int
    algorithm: str
    max_proofs: int

    def to_json(self) -> dict[str, Any]:
        return {
            "difficulty": challenge.difficulty_text(self.difficulty),
            "algorithm": self.algorithm,
            "maxProofs": self.max_proofs,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Rules:
        return cls(difficulty=int(raw["difficulty"], 16), algorithm=raw["algorithm"], max_proofs=raw["maxProofs"])

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        return cls(settings.difficulty, settings.proof_algorithm, settings.max_proofs_per_epoch)


@dataclasses.dataclass(frozen=True, slots=True)
class State:
    epoch: int
    """The last closed epoch; the next close is for epoch + 1."""
    head_hash: str
    """Its record's hash, from which the next epoch's global nonce is derived."""
    rules: Rules
    pool: rewards.Pool
    commitments: Mapping[str, commitments.Commitment]
    deals: Mapping[str, deals.Account]

    def challenge(self) -> challenge.Challenge:
        """What provers must solve in the next epoch: published as soon as this state exists."""
        epoch = self.epoch + 1
        return challenge.Challenge(
            epoch=epoch,
            global_nonce=chain.global_nonce(self.head_hash, epoch),
            difficulty=self.rules.difficulty,
            algorithm=self.rules.algorithm,
            max_proofs=self.rules.max_proofs,
        )


def genesis(first_epoch: int, settings: Settings) -> State:
    """Before the first record: nothing committed, nothing deposited, the initial reward pool."""
    return State(
        epoch=first_epoch - 1,
        head_hash=chain.GENESIS_HASH,
        rules=Rules.of(settings),
        pool=rewards.initial(settings),
        commitments={},
        deals={},
    )


def after(record: chain.EpochRecord) -> State:
    """The state a record leaves behind."""
    body = record.body
    carried = [*body["deals"], *body["carriedDeals"]]
    return State(
        epoch=record.epoch,
        head_hash=record.hash,
        rules=Rules.from_json(body["nextPuzzle"]),
        pool=rewards.Pool.from_json(body["pool"]),
        commitments={raw["id"]: commitments.Commitment.from_json(raw) for raw in body["commitments"]},
        deals={raw["id"]: deals.Account.from_json(raw) for raw in carried},
    )
