"""The ledger's head on the API server: the `cloudless-ledger` ConfigMap and the Deal, ComputeUnit and
CapacityCommitment statuses, each written only when it differs from what `reconcile.ledgermirror` computes.

Writing is a merge patch of the status subresource (only the fields the ledger owns), so it never
undoes what the Deal handler or a reservation wrote beside them. A Deal whose balance or ledger
phase moved is poked, so its handler decides at once whether it still holds its workers (an
INSUFFICIENT_FUNDS deal releases them).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from cloudless_operator.billing.ledger import chain
from cloudless_operator.kube import client, deals, errors, network
from cloudless_operator.reconcile import ledgermirror, names, serving

COMMITMENTS = "capacitycommitments"
UNITS = "computeunits"


def read_configmap(api: client.Api, namespace: str) -> dict[str, str]:
    """The ledger ConfigMap's data; {} when there is none yet."""
    try:
        found = client.call(api.core.read_namespaced_config_map, names.LEDGER_CONFIGMAP, namespace)
    except errors.Gone:
        return {}
    return dict(found.get("data") or {})


def write_configmap(api: client.Api, namespace: str, data: Mapping[str, str]) -> None:
    """Make the ledger ConfigMap hold `data` (created if missing)."""
    network.ensure(
        api,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": names.LEDGER_CONFIGMAP, "namespace": namespace, "labels": dict(names.MANAGED_BY)},
            "data": dict(data),
        },
    )


@dataclasses.dataclass(frozen=True, slots=True)
class Written:
    """What one mirror pass wrote, by kind, and the deals it poked."""

    deals: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    commitments: tuple[str, ...] = ()
    poked: tuple[str, ...] = ()


def mirror(
    api: client.Api,
    record: chain.EpochRecord,
    *,
    deal_bodies: Sequence[Mapping[str, Any]],
    unit_bodies: Sequence[Mapping[str, Any]],
    commitment_bodies: Sequence[Mapping[str, Any]],
    now: dt.datetime,
) -> Written:
    """Bring every status the record speaks about in line with it; the bodies are as just listed."""
    by_deal = ledgermirror.deal_statuses(record)
    written_deals, poked = [], []
    for body in deal_bodies:
        meta = body["metadata"]
        new = by_deal.get(serving.deal_id(meta["namespace"], meta["name"], meta["uid"]))
        old = body.get("status", {})
        if new is None or not ledgermirror.changed(old, new):
            continue
        _patch_status(api, "deals", namespace=meta["namespace"], name=meta["name"], status=new)
        written_deals.append(f"{meta['namespace']}/{meta['name']}")
        if old.get("balance") != new["balance"] or old.get("ledger", {}).get("phase") != new["ledger"]["phase"]:
            news = f"epoch {record.epoch}: {new['ledger']['phase']}, balance {new['balance']}"
            if deals.poke(api, namespace=meta["namespace"], name=meta["name"], news=news):
                poked.append(f"{meta['namespace']}/{meta['name']}")
    by_unit = ledgermirror.unit_statuses(record)
    written_units = []
    for body in unit_bodies:
        name = body["metadata"]["name"]
        new = by_unit.get(name)
        if new is not None and ledgermirror.changed(body.get("status", {}), new):
            _patch_status(api, UNITS, namespace=None, name=name, status=new)
            written_units.append(name)
    written_commitments = []
    for body in commitment_bodies:
        meta = body["metadata"]
        old = body.get("status", {})
        status = ledgermirror.commitment_status(
            meta["name"], record, previous=old, generation=int(meta.get("generation", 0)), now=now
        )
        if status is not None and ledgermirror.changed(old, status):
            _patch_status(api, COMMITMENTS, namespace=None, name=meta["name"], status=status)
            written_commitments.append(meta["name"])
    return Written(tuple(written_deals), tuple(written_units), tuple(written_commitments), tuple(poked))


def _patch_status(api: client.Api, plural: str, *, namespace: str | None, name: str, status: Mapping[str, Any]) -> None:
    """Merge `status` into one object's status subresource; an object deleted meanwhile is not an error."""
    body = {"status": dict(status)}
    with contextlib.suppress(errors.Gone):
        if namespace is None:
            client.call(
                api.custom.patch_cluster_custom_object_status,
                names.GROUP,
                names.VERSION,
                plural,
                name,
                body,
                _content_type=client.MERGE_PATCH,
            )
        else:
            client.call(
                api.custom.patch_namespaced_custom_object_status,
                names.GROUP,
                names.VERSION,
                namespace,
                plural,
                name,
                body,
                _content_type=client.MERGE_PATCH,
            )
