"""Ed25519 key pairs from 32-byte seeds, signing, and verification against a peer id.

The seed is the whole secret: AquaVM takes it as `secret_key` and js-client's
`KeyPair.fromEd25519SK` derives everything else from it, so a `KeyPair` is rebuilt from its seed
alone and never stores anything else secret.
"""

from __future__ import annotations

import functools
import secrets

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cloudless_runtime.identity.peer_id import peer_id_from_public_key, public_key_from_peer_id

SEED_LENGTH = 32

_VERIFIER_CACHE_SIZE = 4096
"""Peers a node talks to at once are few, while a particle carries many signatures from each of
them; a bounded cache keeps a flood of made-up ids from growing memory."""


class KeyPair:
    """An Ed25519 key pair and the peer id it answers to."""

    __slots__ = ("_peer_id", "_private", "_public_key", "_seed")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_LENGTH:
            raise ValueError(f"an Ed25519 seed is {SEED_LENGTH} bytes, got {len(seed)}")
        self._seed = bytes(seed)
        self._private = Ed25519PrivateKey.from_private_bytes(self._seed)
        self._public_key = self._private.public_key().public_bytes_raw()
        self._peer_id = peer_id_from_public_key(self._public_key)

    @classmethod
    def from_seed(cls, seed: bytes) -> KeyPair:
        return cls(seed)

    @classmethod
    def generate(cls) -> KeyPair:
        return cls(secrets.token_bytes(SEED_LENGTH))

    @property
    def seed(self) -> bytes:
        """The 32-byte secret, in the form AquaVM's `secret_key` expects."""
        return self._seed

    @property
    def public_key(self) -> bytes:
        return self._public_key

    @property
    def peer_id(self) -> str:
        return self._peer_id

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature (deterministic: the same message always signs the same)."""
        return self._private.sign(message)

    def __repr__(self) -> str:
        # Never the seed: key pairs end up in logs through reprs of the objects that hold them.
        return f"KeyPair(peer_id={self._peer_id!r})"


@functools.lru_cache(maxsize=_VERIFIER_CACHE_SIZE)
def _verifier(peer_id: str) -> Ed25519PublicKey:
    """Decoding base58 and loading the key cost far more than verifying, so do it once per peer."""
    return Ed25519PublicKey.from_public_bytes(public_key_from_peer_id(peer_id))


def verify(peer_id: str, message: bytes, signature: bytes) -> bool:
    """Whether `signature` is `peer_id`'s signature of `message`.

    A bad signature is an answer (False); a malformed peer id is a caller error (`InvalidPeerId`),
    since it means the data naming the signer is broken, not the signature.
    """
    try:
        _verifier(peer_id).verify(signature, message)
    except InvalidSignature:
        return False
    return True
