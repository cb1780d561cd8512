"""Peer identity: Ed25519 key pairs and the libp2p peer ids that name them.

A peer id embeds its Ed25519 public key, so a signature can be checked knowing only who claims to
have made it; no key directory is needed. Key files (`keyfile`) hold a peer's seed on disk.
"""

from cloudless_runtime.identity.keys import KeyPair, verify
from cloudless_runtime.identity.peer_id import InvalidPeerId, peer_id_from_public_key, public_key_from_peer_id

__all__ = ["InvalidPeerId", "KeyPair", "peer_id_from_public_key", "public_key_from_peer_id", "verify"]
