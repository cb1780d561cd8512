"""A Subnet's network objects as plain bodies: the routers' address book, a headless Service and a PDB.

The address book follows the router's file contract (`cloudless_runtime.router.addressbook`):
`{"peers": [{"peer_id", "address", "subnet"}]}`, one entry per worker whose peer id and address
are known. It is a ConfigMap mounted into every router of the subnet; the kubelet (and the local
node agent) swap the file atomically when the ConfigMap changes and the router re-reads it, so a
replaced worker's new address reaches every router without a restart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from cloudless_operator.models import subnet
from cloudless_operator.reconcile import names, owners, pods


def address_book(net: subnet.Subnet, workers: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ConfigMap holding the book of `net`, from the workers of its computed status (name order)."""
    peers = [
        {"peer_id": worker["peerId"], "address": worker["address"], "subnet": net.name}
        for worker in workers
        if worker.get("peerId") and worker.get("address")
    ]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(net, names.address_book_name(net.name)),
        "data": {names.ADDRESS_BOOK_KEY: orjson.dumps({"peers": peers}, option=orjson.OPT_INDENT_2).decode()},
    }


def headless_service(net: subnet.Subnet) -> dict[str, Any]:
    """A Service without a cluster IP: DNS names for the workers' pods and one place to list them."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(net, net.name),
        "spec": {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": {names.SUBNET_LABEL: net.name},
            "ports": [{"name": "peer", "port": pods.ROUTER_PORT, "targetPort": "peer", "protocol": "TCP"}],
        },
    }


def disruption_budget(net: subnet.Subnet, *, min_workers: int) -> dict[str, Any]:
    """Voluntary evictions (node drains) may not take the subnet below the deal's minWorkers."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(net, net.name),
        "spec": {"minAvailable": min_workers, "selector": {"matchLabels": {names.SUBNET_LABEL: net.name}}},
    }


def _meta(net: subnet.Subnet, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": net.namespace,
        "labels": {**names.MANAGED_BY, names.DEAL_LABEL: net.deal_name, names.SUBNET_LABEL: net.name},
        "ownerReferences": [owners.subnet_owner(net)],
    }
