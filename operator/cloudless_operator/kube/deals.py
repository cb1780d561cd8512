"""Deals on the API server, as the ComputeUnit watch needs them: find the waiting ones and nudge them."""

from __future__ import annotations

from typing import Any

from cloudless_operator.kube import client, errors
from cloudless_operator.reconcile import names, status

PLURAL = "deals"


def poke_waiting(api: client.Api, *, news: str) -> list[str]:
    """Annotate every deal that wants more units with `news`, so its update handler matches again; their keys."""
    listed = client.call(api.custom.list_cluster_custom_object, names.GROUP, names.VERSION, PLURAL)
    poked = []
    for body in listed.get("items", []):
        if not status.wants_units(body):
            continue
        meta = body["metadata"]
        if poke(api, namespace=meta["namespace"], name=meta["name"], news=news):
            poked.append(f"{meta['namespace']}/{meta['name']}")
    return poked


def get(api: client.Api, *, namespace: str, name: str) -> dict[str, Any] | None:
    """The Deal, or None when it is gone."""
    try:
        return client.call(api.custom.get_namespaced_custom_object, names.GROUP, names.VERSION, namespace, PLURAL, name)
    except errors.Gone:
        return None


def poke(api: client.Api, *, namespace: str, name: str, news: str) -> bool:
    """Annotate one deal with `news`, so its update handler runs again; False when the deal is gone."""
    try:
        client.merge_patch(
            api,
            plural=PLURAL,
            namespace=namespace,
            name=name,
            patch={"metadata": {"annotations": {names.RETRY_ANNOTATION: news}}},
        )
    except errors.Gone:
        return False
    return True
