"""Subnet handlers: every worker gets an identity Secret (once) and a pod; the status follows the pods.

The Subnet's own changes and every event of one of its pods run the same convergence, so a pod
that dies or is deleted is recreated, and the status is rewritten when a pod turns Ready.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import kopf

from cloudless_operator.handlers import operator
from cloudless_operator.kube import children, client
from cloudless_operator.kube import errors as kube_errors
from cloudless_operator.kube import subnets as subnet_store
from cloudless_operator.models import errors, subnet
from cloudless_operator.reconcile import identities, names, pods, workers

SUBNETS = (names.GROUP, names.VERSION, "subnets")


@kopf.on.resume(*SUBNETS)
@kopf.on.create(*SUBNETS)
@kopf.on.update(*SUBNETS, field="spec")
def reconcile(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Converge the Subnet's Secrets, pods and status on its placement; retry soon when pods are refused for now."""
    try:
        converge(memo.api, body, logger)
    except kube_errors.Forbidden as error:
        raise kopf.TemporaryError(f"cannot create the workers yet: {error}", delay=2) from None


@kopf.on.event("pods", labels={names.SUBNET_LABEL: kopf.PRESENT})
def pod_changed(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """A worker pod changed (started, turned Ready, died): converge its Subnet, unless that is going away."""
    found = subnet_store.get(memo.api, namespace=str(body.meta.namespace), name=body.meta.labels[names.SUBNET_LABEL])
    if found is not None and not found["metadata"].get("deletionTimestamp"):
        converge(memo.api, found, logger)


def converge(api: client.Api, body: Mapping[str, Any], logger: kopf.Logger) -> None:
    """Create what is missing, delete what the placement no longer has, and write the status if it changed."""
    try:
        net = subnet.Subnet.from_body(body)
    except errors.MalformedBody as error:
        logger.warning(f"cannot read the subnet: {error}")
        return
    stored = children.secrets_of(api, namespace=net.namespace, subnet=net.name)
    found = children.pods_of(api, namespace=net.namespace, subnet=net.name)
    placed = {worker.name: worker for worker in net.workers}
    for name, pod in list(found.items()):
        if name not in placed or pod["spec"].get("nodeName") != placed[name].node:
            children.delete_pod(api, namespace=net.namespace, name=pod["metadata"]["name"])
            del found[name]
    for name in stored.keys() - placed.keys():
        children.delete_secret(api, namespace=net.namespace, name=stored.pop(name)["metadata"]["name"])
    for worker in net.workers:
        if worker.name not in stored:
            seed = secrets.token_bytes(identities.SEED_LENGTH)
            stored[worker.name] = children.create_secret(api, identities.secret(net, worker, seed=seed))
        if worker.name not in found and (created := children.create_pod(api, pods.worker_pod(net, worker))):
            found[worker.name] = created
            logger.info(f"created pod {worker.name} on {worker.node}")
    peer_ids = {name: peer for name, secret in stored.items() if (peer := identities.peer_id(secret)) is not None}
    previous = body.get("status", {})
    new = workers.compute(net, found_pods=found, peer_ids=peer_ids, previous=previous, now=operator.now())
    if workers.changed(previous, new):
        subnet_store.patch_status(api, namespace=net.namespace, name=net.name, status=new)
