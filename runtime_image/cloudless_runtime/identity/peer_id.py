"""libp2p peer ids of Ed25519 keys (`12D3KooW...`), as Fluence's js-client and nox spell them.

The id is base58btc of the identity multihash of the protobuf-encoded public key. Because the hash
is the identity, the id *is* the key: decoding it gives the public key back without any lookup.
Only this form is accepted; RSA/secp256k1 keys and sha256-hashed ids are not peer ids here.
"""

from __future__ import annotations

import re

import base58

PUBLIC_KEY_LENGTH = 32

_PREFIX = bytes((0x00, 0x24, 0x08, 0x01, 0x12, 0x20))
"""Identity multihash (code 0x00, length 36) of protobuf `PublicKey {Type: Ed25519 (1), Data: 32 bytes}`."""

_BASE58BTC = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
"""The `base58` package tolerates trailing whitespace; a peer id must not, or two spellings would name
one peer."""


class InvalidPeerId(ValueError):
    """A string that is not the peer id of an Ed25519 key."""


def peer_id_from_public_key(public_key: bytes) -> str:
    if len(public_key) != PUBLIC_KEY_LENGTH:
        raise ValueError(f"an Ed25519 public key is {PUBLIC_KEY_LENGTH} bytes, got {len(public_key)}")
    return base58.b58encode(_PREFIX + public_key).decode("ascii")


def public_key_from_peer_id(peer_id: str) -> bytes:
    """The raw 32-byte Ed25519 public key named by `peer_id`; raises `InvalidPeerId` otherwise."""
    if not _BASE58BTC.fullmatch(peer_id):
        raise InvalidPeerId(f"peer id {peer_id!r} is not a base58btc string")
    raw: bytes = base58.b58decode(peer_id)
    if len(raw) != len(_PREFIX) + PUBLIC_KEY_LENGTH or not raw.startswith(_PREFIX):
        raise InvalidPeerId(
            f"peer id {peer_id!r} is not an identity multihash of an Ed25519 public key "
            f"(expected {len(_PREFIX) + PUBLIC_KEY_LENGTH} bytes starting {_PREFIX.hex()}, "
            f"got {len(raw)} bytes starting {raw[: len(_PREFIX)].hex()})"
        )
    return raw[len(_PREFIX) :]
