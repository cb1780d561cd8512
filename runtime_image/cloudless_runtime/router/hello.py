"""How a relay proves its peer id to a client that opens a session: the client sends random bytes
(the challenge), the relay answers with its peer id and its Ed25519 signature over a fixed,
domain-separating prefix and the challenge.

Because the peer id embeds the public key, the client checks the answer without knowing the relay
beforehand, and learns whom it talks to (Aqua's `-relay-`). A client that does know the expected
id compares it too: a man in the middle cannot answer a fresh challenge in the relay's name, as it
cannot replay an old answer. The prefix keeps this signature apart from everything else the peer
signs (particles, interpreter data, receipts), and `sig.sign` refuses to sign for other peers'
particles, so a relay cannot be made to sign a hello by a script. No I/O, no gRPC.
"""

from __future__ import annotations

from cloudless_runtime import identity

DOMAIN = b"cloudless-relay-hello/v1\n"
CHALLENGE_BYTES = 32
"""What a client sends; a relay accepts 16 to 64 bytes."""
_ACCEPTED = range(16, 65)


class BadChallenge(ValueError):
    """The client's challenge is too short to be fresh or too long to be worth signing."""


def signed_bytes(challenge: bytes) -> bytes:
    if len(challenge) not in _ACCEPTED:
        raise BadChallenge(f"a hello challenge is {_ACCEPTED.start}-{_ACCEPTED.stop - 1} bytes, got {len(challenge)}")
    return DOMAIN + challenge


def sign(keys: identity.KeyPair, challenge: bytes) -> bytes:
    """The relay's answer to `challenge`; raises `BadChallenge`."""
    return keys.sign(signed_bytes(challenge))


def proves(peer_id: str, challenge: bytes, signature: bytes) -> bool:
    """Whether `signature` is `peer_id`'s answer to `challenge` (False for a malformed peer id)."""
    try:
        return identity.verify(peer_id, signed_bytes(challenge), signature)
    except (identity.InvalidPeerId, BadChallenge):
        return False
