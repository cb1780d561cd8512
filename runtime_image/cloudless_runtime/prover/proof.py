"""A capacity proof as it is submitted: one JSON object, signed by the node's peer key.

    {"version": "cloudless-proof/1", "unit": "cu-0", "epoch": 12, "globalNonce": "<64 hex>",
     "difficulty": "0x…", "algorithm": "sha256", "localNonce": "<64 hex>", "result": "<64 hex>",
     "peer": "12D3KooW…", "signature": "<128 hex>"}

The signature is Ed25519 over the canonical JSON (sorted keys, no spaces) of every field but
`signature`. Fluence had the peer's wallet sign the proof transaction; here the peer key signs the
proof itself, so the ledger can keep the signature and the operator cannot make up a node's proof,
only drop it. Verification needs only the proof: the peer id embeds the public key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import orjson

from cloudless_runtime import identity
from cloudless_runtime.prover import challenge, puzzle

VERSION = "cloudless-proof/1"
HASH_BYTES = 32


class MalformedProof(ValueError):
    """A submitted line that is not a proof; the message says which field is wrong."""


@dataclasses.dataclass(frozen=True, slots=True)
class Proof:
    unit: str
    epoch: int
    global_nonce: bytes
    difficulty: int
    algorithm: str
    local_nonce: bytes
    result: bytes
    peer_id: str
    signature: bytes = b""

    def payload(self) -> bytes:
        """The signed bytes: canonical JSON of everything but the signature."""
        fields = self.to_json()
        del fields["signature"]
        return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "unit": self.unit,
            "epoch": self.epoch,
            "globalNonce": self.global_nonce.hex(),
            "difficulty": challenge.difficulty_text(self.difficulty),
            "algorithm": self.algorithm,
            "localNonce": self.local_nonce.hex(),
            "result": self.result.hex(),
            "peer": self.peer_id,
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, raw: object) -> Proof:
        """A proof as submitted, shape-checked only: `signature_ok` and the checker judge it."""
        if not isinstance(raw, Mapping):
            raise MalformedProof("a proof is a JSON object")
        if raw.get("version") != VERSION:
            raise MalformedProof(f"version: expected {VERSION!r}, got {raw.get('version')!r}")
        epoch = raw.get("epoch")
        if isinstance(epoch, bool) or not isinstance(epoch, int):
            raise MalformedProof(f"epoch: expected an integer, got {epoch!r}")
        return cls(
            unit=_text(raw, "unit"),
            epoch=epoch,
            global_nonce=_hex(raw, "globalNonce", challenge.NONCE_BYTES),
            difficulty=_difficulty(raw),
            algorithm=_text(raw, "algorithm"),
            local_nonce=_hex(raw, "localNonce", puzzle.NONCE_BYTES),
            result=_hex(raw, "result", HASH_BYTES),
            peer_id=_text(raw, "peer"),
            signature=_hex(raw, "signature"),
        )


def make(keys: identity.KeyPair, *, unit: str, solved: challenge.Challenge, local_nonce: bytes, result: bytes) -> Proof:
    """A proof of `solved` for `unit`, signed by the node's `keys`."""
    unsigned = Proof(
        unit=unit,
        epoch=solved.epoch,
        global_nonce=solved.global_nonce,
        difficulty=solved.difficulty,
        algorithm=solved.algorithm,
        local_nonce=local_nonce,
        result=result,
        peer_id=keys.peer_id,
    )
    return dataclasses.replace(unsigned, signature=keys.sign(unsigned.payload()))


def signature_ok(proof: Proof) -> bool:
    """Whether `proof.peer_id` signed this proof; a malformed peer id is simply not a valid signer."""
    try:
        return identity.verify(proof.peer_id, proof.payload(), proof.signature)
    except identity.InvalidPeerId:
        return False


def _text(raw: Mapping[str, object], name: str) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value:
        raise MalformedProof(f"{name}: expected a non-empty string, got {value!r}")
    return value


def _hex(raw: Mapping[str, object], name: str, length: int | None = None) -> bytes:
    try:
        value = bytes.fromhex(_text(raw, name))
    except ValueError:
        raise MalformedProof(f"{name}: expected hex digits, got {raw.get(name)!r}") from None
    if length is not None and len(value) != length:
        raise MalformedProof(f"{name}: expected {length} bytes, got {len(value)}")
    return value


def _difficulty(raw: Mapping[str, object]) -> int:
    try:
        return int(_text(raw, "difficulty"), 16)
    except ValueError:
        raise MalformedProof(f"difficulty: expected a hex target, got {raw.get('difficulty')!r}") from None
