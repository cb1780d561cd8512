"""Settling one deal's units against the live cluster: list, decide, reserve and release, retrying on conflict.

`plan.decide` says which units to take and which to give back; each of those writes is a
resourceVersion-guarded status patch (`computeunits`). A conflict means another deal (or a
provider) changed the unit since it was listed, so the whole decision is made again from a fresh
list. Units already won stay held and count toward the next decision; a deal that ends below
minWorkers gives them back, because the plan is all or nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from cloudless_operator.kube import client, computeunits, errors
from cloudless_operator.matcher import plan
from cloudless_operator.models import computeunit, deal, ids, settings

ATTEMPTS = 20
"""Decisions tried before giving up for this run; each lost race costs one, and the handler retries later."""


class StillContended(Exception):
    """Every attempt lost a race; the caller should retry later (the handler backs off)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Settled:
    """The plan that went through without a conflict, the units the deal holds now, and races lost on the way."""

    plan: plan.Plan
    held: tuple[computeunit.ComputeUnit, ...]
    conflicts: int


def settle(
    api: client.Api,
    order: deal.Deal,
    *,
    balance: Decimal,
    billed: bool,
    config: settings.Settings,
    now: dt.datetime,
) -> Settled:
    """Make the cluster's units agree with `plan.decide` for `order`; raises StillContended after ATTEMPTS."""
    holder = computeunit.DealRef(namespace=order.namespace, name=order.name, uid=order.uid)
    for attempt in range(ATTEMPTS):
        units = {unit.name: unit for unit in computeunits.list_units(api)}
        decided = plan.decide(order, units.values(), balance=balance, billed=billed, config=config)
        try:
            for name in decided.release:
                computeunits.release(api, units[name])
            for name in decided.reserve:
                computeunits.reserve(api, units[name], holder=holder, now=now)
        except errors.Conflict:
            continue
        kept = set(decided.keep) | set(decided.reserve)
        held = tuple(_as_held(units[name], holder) for name in sorted(kept))
        return Settled(plan=decided, held=held, conflicts=attempt)
    raise StillContended(f"{order.key}: lost {ATTEMPTS} races for ComputeUnits in a row")


def release_all(api: client.Api, uid: ids.DealUid) -> tuple[ids.UnitName, ...]:
    """Free every unit held by the deal `uid` (its finalizer); the names freed. Idempotent, retries conflicts."""
    freed: list[ids.UnitName] = []
    for _ in range(ATTEMPTS):
        held = [unit for unit in computeunits.list_units(api) if unit.held_by(uid)]
        try:
            for unit in held:
                computeunits.release(api, unit)
                freed.append(unit.name)
        except errors.Conflict:
            continue
        return tuple(freed)
    raise StillContended(f"deal {uid}: lost {ATTEMPTS} races releasing its ComputeUnits")


def _as_held(unit: computeunit.ComputeUnit, holder: computeunit.DealRef) -> computeunit.ComputeUnit:
    """`unit` as it is once held by `holder` (the status the patch wrote)."""
    return dataclasses.replace(unit, state=computeunit.State.RESERVED, deal=holder)
