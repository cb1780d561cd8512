"""Deals on the API server, as the ComputeUnit watch needs them: find the waiting ones and nudge them."""

from __future__ import annotations

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
        try:
            client.merge_patch(
                api,
                plural=PLURAL,
                namespace=meta["namespace"],
                name=meta["name"],
                patch={"metadata": {"annotations": {names.RETRY_ANNOTATION: news}}},
            )
        except errors.Gone:
            continue
        poked.append(f"{meta['namespace']}/{meta['name']}")
    return poked
