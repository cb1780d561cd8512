"""Ed25519 identities as Secrets (a worker's, a node's), and the peer id a stored Secret stands for.

The Secret holds the 32-byte seed as hex text under `KEY_FILE`, the key-file format the runtime,
the router and the prover read (`cloudless_runtime.identity.keyfile`). The operator creates each
one once and never rewrites it, so the peer id other peers (and the ledger) know survives pod
restarts. The seed is passed in: randomness is the caller's, so these builders stay pure.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from cloudless_operator.models import subnet
from cloudless_operator.reconcile import names, owners
from cloudless_runtime.identity import keys

KEY_FILE = "key"
SEED_LENGTH = keys.SEED_LENGTH


def secret(net: subnet.Subnet, worker: subnet.Worker, *, seed: bytes) -> dict[str, Any]:
    """The identity Secret of `worker`, owned by its Subnet (so it goes when the Deal goes)."""
    return _key_secret(
        name=names.identity_secret_name(worker.name),
        namespace=net.namespace,
        labels=names.worker_labels(deal_name=net.deal_name, subnet=net.name, worker=worker.name),
        owner_references=[owners.subnet_owner(net)],
        seed=seed,
    )


def node_secret(*, namespace: str, node: str, seed: bytes) -> dict[str, Any]:
    """The key Secret of `node`, whose peer id signs its units' capacity proofs.

    It has no owner: the ledger records the peer id in the node's commitment, so the key must
    outlive any object that comes and goes (a re-registered Node, the operator's Deployment).
    """
    return _key_secret(
        name=names.node_key_secret_name(node),
        namespace=namespace,
        labels=names.node_key_labels(node),
        owner_references=[],
        seed=seed,
    )


def ledger_secret(*, namespace: str, seed: bytes) -> dict[str, Any]:
    """The Secret of the operator's ledger key, which signs every epoch record.

    It has no owner either: its peer id is the signer `cloudless ledger verify --signer` pins, so
    losing it would leave a ledger nobody can extend.
    """
    return _key_secret(
        name=names.LEDGER_KEY_SECRET, namespace=namespace, labels=dict(names.MANAGED_BY), owner_references=[], seed=seed
    )


def peer_id(stored: Mapping[str, Any]) -> str | None:
    """The peer id of the key in a stored identity Secret; None when it holds no valid key."""
    pair = key_pair(stored)
    return None if pair is None else pair.peer_id


def key_pair(stored: Mapping[str, Any]) -> keys.KeyPair | None:
    """The key in a stored identity Secret; None when it holds no valid key."""
    encoded = stored.get("data", {}).get(KEY_FILE)
    if not isinstance(encoded, str):
        return None
    try:
        seed = bytes.fromhex(base64.b64decode(encoded).decode().strip())
        return keys.KeyPair.from_seed(seed)
    except ValueError:
        return None


def _key_secret(
    *, name: str, namespace: str, labels: dict[str, str], owner_references: Sequence[object], seed: bytes
) -> dict[str, Any]:
    keys.KeyPair.from_seed(seed)  # refuses a seed of the wrong length before it is stored for good
    metadata: dict[str, Any] = {"name": name, "namespace": namespace, "labels": labels}
    if owner_references:
        metadata["ownerReferences"] = list(owner_references)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": metadata,
        "data": {KEY_FILE: base64.b64encode(f"{seed.hex()}\n".encode()).decode()},
    }
