"""How many ComputeUnits a node's allocatable capacity holds, and the units `cloudless cu sync` creates.

A unit is fixed at 1 CPU, 4 GiB memory and 5 GiB ephemeral storage (models.computeunit); a node
holds as many as its scarcest resource allows. Quantities are parsed here rather than with the
kubernetes client so this module stays pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from cloudless_operator.models import computeunit, raw
from cloudless_operator.reconcile import names

_SUFFIXES: dict[str, Decimal | int] = {
    "": 1,
    "m": Decimal("0.001"),
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
    "T": 10**12,
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
}
_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
UNIT_SIZE = {
    "cpu": computeunit.CPU,
    "memory": computeunit.MEMORY,
    "ephemeral-storage": computeunit.EPHEMERAL_STORAGE,
}


def quantity(text: str) -> Decimal:
    """A Kubernetes quantity (`4`, `500m`, `16Gi`) as a number; ValueError for anything else."""
    found = _QUANTITY.match(text.strip())
    if found is None:
        raise ValueError(f"not a Kubernetes quantity: {text!r}")
    return Decimal(found.group(1)) * _SUFFIXES[found.group(2) or ""]


def units_held(allocatable: Mapping[str, str]) -> int:
    """How many whole units fit in `allocatable` (0 when a resource is missing)."""
    counts = [
        int(quantity(allocatable[resource]) // quantity(size)) if resource in allocatable else 0
        for resource, size in UNIT_SIZE.items()
    ]
    return max(0, min(counts))


def node_units(
    node: str, *, allocatable: Mapping[str, str], provider: str, price: str, limit: int | None = None
) -> list[raw.RawComputeUnit]:
    """The ComputeUnit bodies for one node, `<node>-cu0` onward, at most `limit` of them."""
    count = units_held(allocatable)
    if limit is not None:
        count = min(count, limit)
    return [
        {
            "apiVersion": names.API_VERSION,
            "kind": "ComputeUnit",
            "metadata": {
                "name": names.unit_name(node, index),
                "labels": names.unit_labels(provider=provider, node=node),
            },
            "spec": {"provider": provider, "nodeName": node, "pricePerEpoch": price},
        }
        for index in range(count)
    ]
