"""The operator's ledger key, in Secret `cloudless-ledger-key` of its namespace: made once, never replaced.

The key lives in a Secret rather than beside the ledger file because the pods that mount the
epoch data folder (provers, worker routers) must not be able to sign records. A Secret that exists
already wins over a new one, whoever made it, so two starts racing end up with the same key.
"""

from __future__ import annotations

import secrets

from cloudless_operator.kube import children, client, errors
from cloudless_operator.reconcile import identities, names
from cloudless_runtime.identity import KeyPair


class BadLedgerKey(Exception):
    """The Secret exists but holds no valid key; it is not overwritten (the ledger's signer would change)."""


def ensure(api: client.Api, namespace: str) -> KeyPair:
    """The ledger key, creating its Secret first if there is none."""
    try:
        stored = client.call(api.core.read_namespaced_secret, names.LEDGER_KEY_SECRET, namespace)
    except errors.Gone:
        seed = secrets.token_bytes(identities.SEED_LENGTH)
        stored = children.create_secret(api, identities.ledger_secret(namespace=namespace, seed=seed))
    pair = identities.key_pair(stored)
    if pair is None:
        raise BadLedgerKey(f"Secret {namespace}/{names.LEDGER_KEY_SECRET} holds no Ed25519 key")
    return pair
