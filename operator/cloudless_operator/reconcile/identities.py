"""A worker's Ed25519 identity as a Secret, and the peer id a stored Secret stands for.

The Secret holds the 32-byte seed as hex text under `KEY_FILE`, the key-file format both the
runtime and the router read (`cloudless_runtime.identity.keyfile`). The operator creates it once
per worker and never rewrites it, so the peer id other peers know survives pod restarts. The seed
is passed in: randomness is the caller's, so these builders stay pure.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from cloudless_operator.models import subnet
from cloudless_operator.reconcile import names, owners
from cloudless_runtime.identity import keys

KEY_FILE = "key"
SEED_LENGTH = keys.SEED_LENGTH


def secret(net: subnet.Subnet, worker: subnet.Worker, *, seed: bytes) -> dict[str, Any]:
    """The identity Secret of `worker`, owned by its Subnet (so it goes when the Deal goes)."""
    keys.KeyPair.from_seed(seed)  # refuses a seed of the wrong length before it is stored for good
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": names.identity_secret_name(worker.name),
            "namespace": net.namespace,
            "labels": names.worker_labels(deal_name=net.deal_name, subnet=net.name, worker=worker.name),
            "ownerReferences": [owners.subnet_owner(net)],
        },
        "data": {KEY_FILE: base64.b64encode(f"{seed.hex()}\n".encode()).decode()},
    }


def peer_id(stored: Mapping[str, Any]) -> str | None:
    """The peer id of the key in a stored identity Secret; None when it holds no valid key."""
    encoded = stored.get("data", {}).get(KEY_FILE)
    if not isinstance(encoded, str):
        return None
    try:
        seed = bytes.fromhex(base64.b64decode(encoded).decode().strip())
        return keys.KeyPair.from_seed(seed).peer_id
    except ValueError:
        return None
