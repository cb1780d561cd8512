"""A Subnet's children on the API server: its workers' identity Secrets and pods, by worker name.

Creating is idempotent: an object that exists already (a re-run, or a crash after the create) is
left alone, and for a Secret the stored one is returned, because the stored key is the identity.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from cloudless_operator.kube import client, errors
from cloudless_operator.reconcile import names


def secrets_of(api: client.Api, *, namespace: str, subnet: str) -> dict[str, dict[str, Any]]:
    """The identity Secrets of `subnet`, by worker name."""
    listed = client.call(api.core.list_namespaced_secret, namespace, label_selector=f"{names.SUBNET_LABEL}={subnet}")
    return _by_worker(listed)


def pods_of(api: client.Api, *, namespace: str, subnet: str) -> dict[str, dict[str, Any]]:
    """The pods of `subnet`, by worker name."""
    listed = client.call(api.core.list_namespaced_pod, namespace, label_selector=f"{names.SUBNET_LABEL}={subnet}")
    return _by_worker(listed)


def create_secret(api: client.Api, body: Mapping[str, Any]) -> dict[str, Any]:
    """Create `body`, or return the Secret of its name that is there already (never overwritten)."""
    meta = body["metadata"]
    try:
        return client.call(api.core.create_namespaced_secret, meta["namespace"], body)
    except errors.Conflict:
        return client.call(api.core.read_namespaced_secret, meta["name"], meta["namespace"])


def create_pod(api: client.Api, body: Mapping[str, Any]) -> dict[str, Any] | None:
    """Create `body` and return it as stored; None when a pod of that name exists already (left as it is)."""
    meta = body["metadata"]
    try:
        return client.call(api.core.create_namespaced_pod, meta["namespace"], body)
    except errors.Conflict:
        return None


def delete_pod(api: client.Api, *, namespace: str, name: str) -> None:
    """Delete the pod; one that is gone already is fine."""
    with contextlib.suppress(errors.Gone):
        client.call(api.core.delete_namespaced_pod, name, namespace)


def delete_secret(api: client.Api, *, namespace: str, name: str) -> None:
    """Delete the Secret; one that is gone already is fine."""
    with contextlib.suppress(errors.Gone):
        client.call(api.core.delete_namespaced_secret, name, namespace)


def _by_worker(listed: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["metadata"]["labels"][names.WORKER_LABEL]: item for item in listed.get("items", [])}
