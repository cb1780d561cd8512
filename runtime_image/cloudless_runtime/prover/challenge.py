"""What provers must solve this epoch: the epoch number, its global nonce, the difficulty target, the
puzzle algorithm and the most proofs worth making. The controller publishes it as a small JSON
file (written atomically: a temporary file renamed over the old one), and every prover of the node
re-reads it when it changes:

    {"epoch": 12, "globalNonce": "<64 hex>", "difficulty": "0x0000ffff…", "algorithm": "sha256",
     "maxProofs": 5}

The global nonce of epoch e is derived from the ledger head after epoch e-1 is closed, so a
challenge cannot be published, or solved, before its epoch.
"""

from __future__ import annotations

import dataclasses
import os
import pathlib
from collections.abc import Mapping
from typing import Any

import orjson

from cloudless_runtime.prover import puzzle

NONCE_BYTES = 32


class BadChallenge(ValueError):
    """A challenge file or value that cannot be solved; the message says which field is wrong."""


@dataclasses.dataclass(frozen=True, slots=True)
class Challenge:
    epoch: int
    global_nonce: bytes
    difficulty: int
    algorithm: str
    max_proofs: int

    def __post_init__(self) -> None:
        if isinstance(self.epoch, bool) or not isinstance(self.epoch, int) or self.epoch < 1:
            raise BadChallenge(f"epoch: a number from 1, got {self.epoch!r}")
        if len(self.global_nonce) != NONCE_BYTES:
            raise BadChallenge(f"globalNonce: {NONCE_BYTES} bytes, got {len(self.global_nonce)}")
        try:
            puzzle.target_bytes(self.difficulty)
            puzzle.check_algorithm(self.algorithm)
        except ValueError as e:
            raise BadChallenge(str(e)) from None
        if isinstance(self.max_proofs, bool) or not isinstance(self.max_proofs, int) or self.max_proofs < 1:
            raise BadChallenge(f"maxProofs: a number from 1, got {self.max_proofs!r}")

    @property
    def target(self) -> bytes:
        return puzzle.target_bytes(self.difficulty)

    def key(self, unit_id: str) -> bytes:
        return puzzle.unit_key(self.global_nonce, unit_id)

    def to_json(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "globalNonce": self.global_nonce.hex(),
            "difficulty": difficulty_text(self.difficulty),
            "algorithm": self.algorithm,
            "maxProofs": self.max_proofs,
        }

    @classmethod
    def from_json(cls, raw: object) -> Challenge:
        if not isinstance(raw, Mapping):
            raise BadChallenge("a challenge is a JSON object")
        try:
            return cls(
                epoch=raw["epoch"],
                global_nonce=bytes.fromhex(_text(raw, "globalNonce")),
                difficulty=int(_text(raw, "difficulty"), 16),
                algorithm=_text(raw, "algorithm"),
                max_proofs=raw["maxProofs"],
            )
        except KeyError as e:
            raise BadChallenge(f"missing field {e.args[0]}") from None
        except ValueError as e:
            raise BadChallenge(str(e)) from None


def difficulty_text(difficulty: int) -> str:
    """`0x` and 64 hex digits: the spelling Fluence's contracts, our settings and the ledger share."""
    return f"{difficulty:#066x}"


def _text(raw: Mapping[str, object], name: str) -> str:
    value = raw[name]
    if not isinstance(value, str):
        raise BadChallenge(f"{name}: expected a string, got {value!r}")
    return value


def publish(path: pathlib.Path, challenge: Challenge) -> None:
    """Writes the challenge so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as out:
        out.write(orjson.dumps(challenge.to_json()) + b"\n")
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def read(path: pathlib.Path) -> Challenge:
    """The published challenge; BadChallenge if the file is missing or malformed."""
    try:
        raw = orjson.loads(path.read_bytes())
    except OSError as e:
        raise BadChallenge(f"{path}: {e.strerror}") from None
    except orjson.JSONDecodeError as e:
        raise BadChallenge(f"{path}: not JSON: {e}") from None
    return Challenge.from_json(raw)
