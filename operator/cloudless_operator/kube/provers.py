"""A CapacityCommitment's prover pods on the API server: create the missing, delete the unwanted.

Idempotent and safe to run from several handlers at once: a pod created meanwhile answers 409 and
is left alone, one deleted meanwhile answers 404, and a pod still terminating is neither deleted
again nor replaced until it is gone (the next converge creates its successor). The node's key
Secret is ensured before its first prover is created, since the pod mounts it. A commitment that
is deleted takes its provers along through their ownerReference; one whose body cannot be read
(`models.commitment`) is converged to none. Bodies are returned raw: the caller reads them and
reports the unreadable ones.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cloudless_operator.kube import children, client, computeunits, errors, nodekeys
from cloudless_operator.models import commitment, settings
from cloudless_operator.reconcile import names, pods, provers

PLURAL = "capacitycommitments"


@dataclasses.dataclass(frozen=True, slots=True)
class Changes:
    """The prover pods one converge created and deleted, by name (for the log)."""

    created: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


def get(api: client.Api, name: str) -> dict[str, Any] | None:
    """The CapacityCommitment `name`'s body, or None when it is gone."""
    try:
        found: dict[str, Any] = client.call(
            api.custom.get_cluster_custom_object, names.GROUP, names.VERSION, PLURAL, name
        )
    except errors.Gone:
        return None
    return found


def bodies(api: client.Api) -> list[dict[str, Any]]:
    """Every CapacityCommitment's body, skipping any being deleted (its provers go with it)."""
    listed = client.call(api.custom.list_cluster_custom_object, names.GROUP, names.VERSION, PLURAL)
    return [item for item in listed.get("items", []) if not item["metadata"].get("deletionTimestamp")]


def converge(
    api: client.Api, name: str, cc: commitment.CapacityCommitment | None, *, config: settings.Settings
) -> Changes:
    """Make the prover pods of commitment `name` the desired ones: `cc`'s, or none when it is unreadable
    (`cc` None) or epochs are off."""
    found = _pods_of(api, namespace=config.namespace, commitment=name)
    folder = pods.node_epoch_dir(config)
    wanted = (
        {}
        if folder is None or cc is None
        else provers.desired(cc, computeunits.list_units(api), namespace=config.namespace, node_data_dir=folder)
    )
    deleted = []
    for pod_name, pod in found.items():
        if pod["metadata"].get("deletionTimestamp"):
            continue
        if pod_name not in wanted or provers.stale(pod, wanted[pod_name]):
            children.delete_pod(api, namespace=config.namespace, name=pod_name)
            deleted.append(pod_name)
    missing = [pod for pod_name, pod in wanted.items() if pod_name not in found]
    if missing and cc is not None:  # every prover of a commitment runs on its node, with that node's key
        nodekeys.ensure(api, config.namespace, cc.node)
    created = [pod["metadata"]["name"] for pod in missing if children.create_pod(api, pod) is not None]
    return Changes(created=tuple(created), deleted=tuple(deleted))


def _pods_of(api: client.Api, *, namespace: str, commitment: str) -> dict[str, dict[str, Any]]:
    listed = client.call(
        api.core.list_namespaced_pod, namespace, label_selector=f"{names.COMMITMENT_LABEL}={commitment}"
    )
    return {item["metadata"]["name"]: item for item in listed.get("items", [])}
