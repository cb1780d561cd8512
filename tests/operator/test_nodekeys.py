"""Node keys: the pure Secret builder, and `kube.nodekeys.ensure` against the session's real API server."""

from __future__ import annotations

import base64
import concurrent.futures
import json

import pytest
from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver

from cloudless_operator.kube import nodekeys
from cloudless_operator.reconcile import identities, names
from cloudless_runtime.identity import keys

SEED = bytes(range(32))


def test_the_node_secret_holds_the_hex_seed_under_the_worker_key_file_name() -> None:
    secret = identities.node_secret(namespace="cloudless-system", node="node-1", seed=SEED)
    assert secret["metadata"]["name"] == "cloudless-node-node-1"
    assert secret["metadata"]["namespace"] == "cloudless-system"
    assert secret["metadata"]["labels"][names.NODE_LABEL] == "node-1"
    assert "ownerReferences" not in secret["metadata"]  # the ledger keeps the peer id: the key outlives everything
    assert base64.b64decode(secret["data"][identities.KEY_FILE]).decode() == SEED.hex() + "\n"
    assert identities.peer_id(secret) == keys.KeyPair.from_seed(SEED).peer_id
    with pytest.raises(ValueError, match="32 bytes"):
        identities.node_secret(namespace="cloudless-system", node="node-1", seed=b"short")


def test_ensure_makes_the_key_once_and_concurrent_callers_agree(crd_cluster: RunningCluster) -> None:
    crd_cluster.kubectl("create", "namespace", "nodekeys-test")
    api = apiserver.api(crd_cluster)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        peers = set(pool.map(lambda _: nodekeys.ensure(api, "nodekeys-test", "node-a"), range(4)))
    assert len(peers) == 1  # the losers of the create read the winner's key (409)
    (peer,) = peers
    stored = json.loads(
        crd_cluster.kubectl("get", "secret", "-n", "nodekeys-test", "cloudless-node-node-a", "-o", "json").stdout
    )
    assert identities.peer_id(stored) == peer
    assert nodekeys.ensure(api, "nodekeys-test", "node-a") == peer
    assert nodekeys.ensure(api, "nodekeys-test", "node-b") != peer


def test_ensure_refuses_a_secret_without_a_key_instead_of_overwriting_it(crd_cluster: RunningCluster) -> None:
    crd_cluster.kubectl("create", "namespace", "nodekeys-bad")
    crd_cluster.kubectl(
        "create", "secret", "generic", "-n", "nodekeys-bad", "cloudless-node-x", "--from-literal=key=nope"
    )
    with pytest.raises(nodekeys.BadNodeKey, match="nodekeys-bad/cloudless-node-x"):
        nodekeys.ensure(apiserver.api(crd_cluster), "nodekeys-bad", "x")
    stored = json.loads(
        crd_cluster.kubectl("get", "secret", "-n", "nodekeys-bad", "cloudless-node-x", "-o", "json").stdout
    )
    assert base64.b64decode(stored["data"]["key"]) == b"nope"
