"""The Subnet a Deal owns: one worker per held unit, with names that stay put as units come and go.

A worker keeps its name (and so, later, its pod and identity Secret) for as long as its unit is
held; a new unit takes the lowest free index. The Subnet carries a controller ownerReference to
its Deal, so the garbage collector removes it with the Deal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cloudless_operator.models import computeunit, deal
from cloudless_operator.reconcile import names


def workers(
    order: deal.Deal, units: Sequence[computeunit.ComputeUnit], *, existing: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """The Subnet's `spec.workers` for `units`, reusing the names `existing` gave to units still held."""
    by_unit = {str(w.get("computeUnit")): str(w.get("name")) for w in existing}
    held = {unit.name for unit in units}
    taken = {name for unit, name in by_unit.items() if unit in held}
    result = []
    index = 0
    for unit in sorted(units, key=lambda u: u.name):
        name = by_unit.get(unit.name)
        if name is None:
            while names.worker_name(order.name, index) in taken:
                index += 1
            name = names.worker_name(order.name, index)
            taken.add(name)
        result.append({"name": name, "computeUnit": unit.name, "nodeName": unit.node})
    return sorted(result, key=lambda w: w["name"])


def subnet(order: deal.Deal, worker_list: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """The Subnet body for `order` with `worker_list`."""
    return {
        "apiVersion": names.API_VERSION,
        "kind": "Subnet",
        "metadata": {
            "name": names.subnet_name(order.name),
            "namespace": order.namespace,
            "labels": {**names.MANAGED_BY, names.DEAL_LABEL: order.name},
            "ownerReferences": [
                {
                    "apiVersion": names.API_VERSION,
                    "kind": "Deal",
                    "name": order.name,
                    "uid": order.uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {"dealRef": {"name": order.name, "uid": order.uid}, "workers": [dict(w) for w in worker_list]},
    }
