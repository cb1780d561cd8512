"""The ComputeUnit as a value: a provider's fixed-size slot on one node, and who holds it."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from decimal import Decimal

from cloudless_operator.models import errors, fields, ids, money, raw

CPU = "1"
MEMORY = "4Gi"
EPHEMERAL_STORAGE = "5Gi"
"""The size of every unit (Fluence's CU: 1 core, 4 GB memory, 5 GB disk); the CRD allows no other."""
PROVER_ANNOTATION = "cloudless.dev/prover"
PROVER_PAUSED = "paused"
"""`cloudless.dev/prover: paused` on a unit stops its capacity prover: the provider's own act (it fails the epoch)."""


class State(enum.StrEnum):
    FREE = "Free"
    RESERVED = "Reserved"
    UNAVAILABLE = "Unavailable"


@dataclasses.dataclass(frozen=True, slots=True)
class DealRef:
    """The deal holding a unit; `uid` decides, so a re-created deal of the same name is a different holder."""

    namespace: str
    name: str
    uid: ids.DealUid


@dataclasses.dataclass(frozen=True, slots=True)
class ComputeUnit:
    """A unit's offer and state. A unit with no status yet counts as Free (nobody has reserved it)."""

    name: ids.UnitName
    provider: ids.ProviderName
    node: ids.NodeName
    price: Decimal
    effectors: frozenset[ids.Effector] = frozenset()
    unschedulable: bool = False
    state: State = State.FREE
    deal: DealRef | None = None
    resource_version: str = ""
    prover_paused: bool = False

    def held_by(self, uid: ids.DealUid) -> bool:
        return self.state is State.RESERVED and self.deal is not None and self.deal.uid == uid

    @classmethod
    def from_body(cls, body: raw.RawComputeUnit | Mapping[str, object]) -> ComputeUnit:
        meta = fields.mapping(body, "metadata", path="")
        spec = fields.mapping(body, "spec", path="")
        status = fields.mapping(body, "status", path="", required=False)
        state_text = fields.string(status, "state", path="status", default=State.FREE.value)
        try:
            state = State(state_text)
        except ValueError:
            raise errors.MalformedBody("status.state", f"unknown state {state_text!r}") from None
        ref = fields.mapping(status, "dealRef", path="status", required=state is State.RESERVED)
        annotations = fields.mapping(meta, "annotations", path="metadata", required=False)
        return cls(
            name=ids.UnitName(fields.string(meta, "name", path="metadata")),
            provider=ids.ProviderName(fields.string(spec, "provider", path="spec")),
            node=ids.NodeName(fields.string(spec, "nodeName", path="spec")),
            price=money.parse(spec.get("pricePerEpoch", "0.33"), path="spec.pricePerEpoch"),
            effectors=frozenset(ids.Effector(e) for e in fields.strings(spec, "effectors", path="spec")),
            unschedulable=fields.boolean(spec, "unschedulable", path="spec", default=False),
            state=state,
            deal=DealRef(
                namespace=fields.string(ref, "namespace", path="status.dealRef"),
                name=fields.string(ref, "name", path="status.dealRef"),
                uid=ids.DealUid(fields.string(ref, "uid", path="status.dealRef")),
            )
            if ref
            else None,
            resource_version=fields.string(meta, "resourceVersion", path="metadata", default=""),
            prover_paused=annotations.get(PROVER_ANNOTATION) == PROVER_PAUSED,
        )
