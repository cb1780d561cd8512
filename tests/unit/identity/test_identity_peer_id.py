"""Peer id encoding against js-client's own (peer id, seed) pairs, and the ids we must refuse."""

from __future__ import annotations

import base64

import base58
import pytest

from cloudless_runtime.identity import (
    InvalidPeerId,
    KeyPair,
    peer_id_from_public_key,
    public_key_from_peer_id,
)

# @fluencelabs/js-client@0.9.0 dist/ephemeral/network.js (defaultConfig.peers), as listed by
# ../shared/avm-oracle/lib/keys.mjs.
JS_CLIENT_PAIRS = [
    ("12D3KooWJankP2PcEDYCZDdJ26JsU8BMRfdGWyGqbtFiWyoKVtmx", "dWNAHhDVuFj9bEieILMu6TcCFRxBJdOPIvAWmf4sZQI="),
    ("12D3KooWBbhUaqqur6KHPunnKxXjY1daCtqJdy4wRji89LmAkVB4", "RbgKmG6soWW9uOi7yRedm+0Qck3f3rw6MSnDP7AcBQs="),
]
PEER_ID = JS_CLIENT_PAIRS[0][0]


@pytest.mark.parametrize(("peer_id", "seed_b64"), JS_CLIENT_PAIRS)
def test_seed_gives_js_client_peer_id(peer_id: str, seed_b64: str) -> None:
    keys = KeyPair.from_seed(base64.b64decode(seed_b64))
    assert keys.peer_id == peer_id
    assert public_key_from_peer_id(peer_id) == keys.public_key


def test_encode_decode_round_trip() -> None:
    keys = KeyPair.generate()
    assert keys.peer_id.startswith("12D3KooW")
    assert public_key_from_peer_id(peer_id_from_public_key(keys.public_key)) == keys.public_key


def test_public_key_length_is_checked() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        peer_id_from_public_key(b"\x01" * 31)


def _b58(raw: bytes) -> str:
    return str(base58.b58encode(raw).decode("ascii"))


_RAW = base58.b58decode(PEER_ID)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("", "base58btc"),
        ("not a peer id", "base58btc"),
        (PEER_ID + " ", "base58btc"),
        (PEER_ID.replace("K", "0"), "base58btc"),  # 0 is not in the base58 alphabet
        (PEER_ID + "é", "base58btc"),
        (PEER_ID[:-1], "Ed25519"),  # one byte short
        ("1" + PEER_ID, "Ed25519"),  # a leading zero byte
        (_b58(_RAW[:5] + b"\x21" + _RAW[6:]), "Ed25519"),  # 33-byte key field
        (_b58(b"\x00\x24\x08\x02\x12\x20" + _RAW[6:]), "Ed25519"),  # secp256k1 key type
        ("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", "Ed25519"),  # sha256 multihash (RSA era)
    ],
)
def test_malformed_peer_ids_are_refused(bad: str, reason: str) -> None:
    with pytest.raises(InvalidPeerId, match=reason):
        public_key_from_peer_id(bad)


def test_invalid_peer_id_is_a_value_error() -> None:
    assert issubclass(InvalidPeerId, ValueError)
