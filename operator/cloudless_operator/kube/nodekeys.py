"""Each node's Ed25519 key, in Secret `cloudless-node-<node>` of the operator's namespace.

The node's peer id signs its units' capacity proofs (the prover pods mount the Secret) and is
frozen into its commitment in the ledger, so the key is made once and never replaced: a Secret
that exists already wins, whoever made it (a second operator loop, a restart after the create).
"""

from __future__ import annotations

import secrets

from cloudless_operator.kube import children, client, errors
from cloudless_operator.reconcile import identities, names


class BadNodeKey(Exception):
    """The node's Secret exists but holds no valid key: someone else wrote it; it is not overwritten."""


def ensure(api: client.Api, namespace: str, node: str) -> str:
    """The peer id of `node`'s key, creating the key Secret first if there is none."""
    try:
        stored = client.call(api.core.read_namespaced_secret, names.node_key_secret_name(node), namespace)
    except errors.Gone:
        seed = secrets.token_bytes(identities.SEED_LENGTH)
        stored = children.create_secret(api, identities.node_secret(namespace=namespace, node=node, seed=seed))
    peer = identities.peer_id(stored)
    if peer is None:
        raise BadNodeKey(f"Secret {namespace}/{names.node_key_secret_name(node)} holds no Ed25519 key")
    return peer
