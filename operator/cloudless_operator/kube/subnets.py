"""Subnets on the API server: read one, create the Subnet or patch its workers, write its status."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from cloudless_operator.kube import client, errors
from cloudless_operator.reconcile import names

PLURAL = "subnets"


def apply(api: client.Api, body: Mapping[str, Any], *, stored: Mapping[str, Any] | None) -> None:
    """Make the Subnet `body` exist with the body's `spec.workers`, given `stored`, the Subnet as the caller read it.

    Created when there was none (one that appeared meanwhile is read and patched instead), merge-patched
    when its workers differ, left alone otherwise.
    """
    meta = body["metadata"]
    if stored is None:
        try:
            client.call(
                api.custom.create_namespaced_custom_object, names.GROUP, names.VERSION, meta["namespace"], PLURAL, body
            )
            return
        except errors.Conflict:
            stored = get(api, namespace=meta["namespace"], name=meta["name"])
    if stored is not None and stored.get("spec", {}).get("workers", []) == body["spec"]["workers"]:
        return
    client.merge_patch(
        api,
        plural=PLURAL,
        namespace=meta["namespace"],
        name=meta["name"],
        patch={"spec": {"workers": body["spec"]["workers"]}},
    )


def get(api: client.Api, *, namespace: str, name: str) -> dict[str, Any] | None:
    """The Subnet, or None when it is gone."""
    try:
        return client.call(api.custom.get_namespaced_custom_object, names.GROUP, names.VERSION, namespace, PLURAL, name)
    except errors.Gone:
        return None


def patch_status(api: client.Api, *, namespace: str, name: str, status: Mapping[str, Any]) -> None:
    """Merge `status` into the Subnet's status subresource; a Subnet deleted meanwhile is not an error."""
    with contextlib.suppress(errors.Gone):
        client.call(
            api.custom.patch_namespaced_custom_object_status,
            names.GROUP,
            names.VERSION,
            namespace,
            PLURAL,
            name,
            {"status": dict(status)},
            _content_type=client.MERGE_PATCH,
        )
