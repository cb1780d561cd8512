"""Signing and verification by peer id."""

from __future__ import annotations

import base64

import pytest

from cloudless_runtime.identity import InvalidPeerId, KeyPair, verify

SEED = base64.b64decode("dWNAHhDVuFj9bEieILMu6TcCFRxBJdOPIvAWmf4sZQI=")


def test_sign_then_verify() -> None:
    keys = KeyPair.from_seed(SEED)
    signature = keys.sign(b"particle")
    assert len(signature) == 64
    assert verify(keys.peer_id, b"particle", signature)


def test_signatures_are_deterministic() -> None:
    assert KeyPair.from_seed(SEED).sign(b"m") == KeyPair.from_seed(SEED).sign(b"m")


def test_wrong_message_signer_or_signature_is_false() -> None:
    keys = KeyPair.from_seed(SEED)
    other = KeyPair.generate()
    signature = keys.sign(b"particle")
    assert not verify(keys.peer_id, b"particlE", signature)
    assert not verify(other.peer_id, b"particle", signature)
    assert not verify(keys.peer_id, b"particle", signature[:-1])
    assert not verify(keys.peer_id, b"particle", bytes(64))


def test_verify_refuses_malformed_peer_id() -> None:
    with pytest.raises(InvalidPeerId):
        verify("12D3KooWnope", b"m", bytes(64))


def test_seed_length_is_checked() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        KeyPair.from_seed(b"short")


def test_generate_gives_distinct_keys_that_rebuild_from_their_seed() -> None:
    a, b = KeyPair.generate(), KeyPair.generate()
    assert a.peer_id != b.peer_id
    assert KeyPair.from_seed(a.seed).peer_id == a.peer_id


def test_repr_does_not_leak_the_seed() -> None:
    keys = KeyPair.from_seed(SEED)
    assert keys.peer_id in repr(keys)
    assert SEED.hex() not in repr(keys)
    assert repr(SEED) not in repr(keys)
