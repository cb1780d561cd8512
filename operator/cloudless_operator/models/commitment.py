"""The CapacityCommitment as a value: what a provider commits for one node, the one reading of its body.

Two readers share it. The epoch close reads the spec (what the provider declares). The provers
read the node, the uid (their owner reference) and what the epoch controller mirrored from the
ledger into the status: the phase (whether proofs are due) and the units the ledger lists for the
commitment, frozen there once the collateral is posted (later edits of `spec.units` change
nothing in the ledger, so the provers must not follow them either). The status is never read
back into the close: it is a cache of the ledger, rebuilt from the head record whenever it differs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from decimal import Decimal

from cloudless_operator.models import errors, fields, ids

RATE = re.compile(r"^(0(\.[0-9]{1,18})?|1(\.0{1,18})?)$")
"""The `stakerRewardRate` pattern of crds/capacitycommitments.yaml: a decimal in [0, 1], at most 18 places."""


@dataclasses.dataclass(frozen=True, slots=True)
class CapacityCommitment:
    """A validated CapacityCommitment: its spec, and the ledger's view of it as mirrored in its status."""

    name: str
    uid: str
    node: ids.NodeName
    units: tuple[ids.UnitName, ...] | None
    """`spec.units`; None when the commitment covers whatever units its node has."""
    duration: int
    staker_reward_rate: Decimal
    collateral_posted: bool
    phase: str | None
    """`status.phase`, the ledger's status of the commitment; None before a close has recorded it."""
    ledger_units: tuple[ids.UnitName, ...] | None
    """`status.units`, the units the ledger lists (frozen once the collateral is posted); None before a close."""

    @classmethod
    def from_body(cls, body: Mapping[str, object]) -> CapacityCommitment:
        meta = fields.mapping(body, "metadata", path="")
        spec = fields.mapping(body, "spec", path="")
        status = fields.mapping(body, "status", path="", required=False)
        rate_text = fields.string(spec, "stakerRewardRate", path="spec")
        if not RATE.match(rate_text) or Decimal(rate_text) == 0:
            raise errors.MalformedBody("spec.stakerRewardRate", f"{rate_text!r} is not a decimal in (0, 1]")
        return cls(
            name=fields.string(meta, "name", path="metadata"),
            uid=fields.string(meta, "uid", path="metadata"),
            node=ids.NodeName(fields.string(spec, "nodeName", path="spec")),
            units=_unit_names(spec, path="spec"),
            duration=fields.integer(spec, "duration", path="spec", minimum=1),
            staker_reward_rate=Decimal(rate_text),
            collateral_posted=fields.boolean(spec, "collateralPosted", path="spec", default=False),
            phase=fields.optional_string(status, "phase", path="status"),
            ledger_units=_unit_names(status, path="status"),
        )


def _unit_names(body: Mapping[str, object], *, path: str) -> tuple[ids.UnitName, ...] | None:
    """The list of unit names at `units`, or None when absent (a null field is an absent one)."""
    if body.get("units") is None:
        return None
    return tuple(ids.UnitName(unit) for unit in fields.strings(body, "units", path=path))
