"""The Subnet as a value: the placement the Deal handler decided (one worker per held unit).

Only the spec is read here: the Subnet handler turns it into identities and pods, and computes the
status from what it finds on the API server, so nothing it reads back from `status` decides anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from cloudless_operator.models import fields, ids


@dataclasses.dataclass(frozen=True, slots=True)
class Worker:
    """One worker: its stable name (which names its pod and identity Secret), its unit and the unit's node."""

    name: str
    compute_unit: ids.UnitName
    node: ids.NodeName


@dataclasses.dataclass(frozen=True, slots=True)
class Subnet:
    """A Subnet's identity (the owner of its pods and Secrets) and its workers in name order."""

    namespace: str
    name: str
    uid: str
    generation: int
    deal_name: str
    workers: tuple[Worker, ...]

    @classmethod
    def from_body(cls, body: Mapping[str, object]) -> Subnet:
        meta = fields.mapping(body, "metadata", path="")
        spec = fields.mapping(body, "spec", path="")
        workers = tuple(
            Worker(
                name=fields.string(item, "name", path=f"spec.workers[{index}]"),
                compute_unit=ids.UnitName(fields.string(item, "computeUnit", path=f"spec.workers[{index}]")),
                node=ids.NodeName(fields.string(item, "nodeName", path=f"spec.workers[{index}]")),
            )
            for index, item in enumerate(fields.objects(spec, "workers", path="spec", required=False))
        )
        return cls(
            namespace=fields.string(meta, "namespace", path="metadata"),
            name=fields.string(meta, "name", path="metadata"),
            uid=fields.string(meta, "uid", path="metadata"),
            generation=fields.integer(meta, "generation", path="metadata", default=0),
            deal_name=fields.string(fields.mapping(spec, "dealRef", path="spec"), "name", path="spec.dealRef"),
            workers=tuple(sorted(workers, key=lambda w: w.name)),
        )
