"""A Deal's status, computed from the settled plan, and whether it differs from what is recorded.

Three conditions say why the phase is what it is: `Funded` (the deposit covers the minimum),
`Matched` (enough units reserved; otherwise the filter that excluded most, with counts) and
`Ready` (the summary: enough workers running). Only semantic fields are compared by `changed`,
so a reconcile that learns nothing new writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from cloudless_operator.matcher import plan
from cloudless_operator.models import deal, errors, ids, money, raw
from cloudless_operator.reconcile import conditions


def compute(
    order: deal.Deal,
    decided: plan.Plan,
    *,
    held: Sequence[ids.UnitName],
    balance: Decimal,
    subnet: str | None,
    ready_workers: int,
    previous: Mapping[str, Any],
    now: dt.datetime,
) -> raw.RawDealStatus:
    """The status to record after `decided` went through, holding `held` units, `ready_workers` of them serving."""
    computed = [
        conditions.condition(
            "Funded",
            ok=decided.funding.sufficient,
            reason=decided.funding.reason,
            message=decided.funding.message,
            generation=order.generation,
        ),
        _matched(order, decided, held=len(held)),
        _ready(order, decided, ready_workers=ready_workers),
    ]
    status: raw.RawDealStatus = {
        "observedGeneration": order.generation,
        "phase": decided.phase.value,
        "matchedUnits": sorted(held),
        "readyWorkers": ready_workers,
        "conditions": conditions.merge(previous.get("conditions", []), computed, now=now),
    }
    if "ledger" not in previous:
        # Until the epoch controller mirrors the ledger, the balance shown is the deposit; after, the
        # ledger owns it, and a reconcile that read an older status must not write that one back.
        status["balance"] = money.render(balance)
    if subnet is not None:
        status["subnetRef"] = {"name": subnet}
    return status


def invalid(
    error: errors.MalformedBody, *, generation: int, previous: Mapping[str, Any], now: dt.datetime
) -> raw.RawDealStatus:
    """The status of a Deal the operator cannot read: Ready=False with reason InvalidSpec, the rest kept."""
    bad = conditions.condition("Ready", ok=False, reason=error.reason, message=str(error), generation=generation)
    kept = [item for item in previous.get("conditions", []) if item.get("type") != "Ready"]
    return {
        "observedGeneration": generation,
        "conditions": conditions.merge(previous.get("conditions", []), [*kept, bad], now=now),
    }


def changed(old: Mapping[str, Any], new: raw.RawDealStatus) -> bool:
    """Whether writing `new` over `old` would tell a reader anything (transition times ignored)."""
    for key, value in new.items():
        if key == "conditions":
            if conditions.without_times(old.get("conditions", [])) != conditions.without_times(new["conditions"]):
                return True
        elif old.get(key) != value:
            return True
    return False


def wants_units(body: Mapping[str, Any]) -> bool:
    """Whether a Deal body (as listed) would take a unit that frees up: matched below target and still running."""
    spec, status = body.get("spec", {}), body.get("status", {})
    if (
        body.get("metadata", {}).get("deletionTimestamp")
        or spec.get("stopped")
        or status.get("phase") in (deal.Phase.ENDED, deal.Phase.INSUFFICIENT_FUNDS)
    ):
        return False
    return len(status.get("matchedUnits", [])) < int(spec.get("targetWorkers", 0))


def _matched(order: deal.Deal, decided: plan.Plan, *, held: int) -> raw.RawCondition:
    if decided.result is None:
        reason = "DealEnded" if order.stopped else "NotFunded"
        return conditions.condition(
            "Matched", ok=False, reason=reason, message="nothing is reserved for this deal", generation=order.generation
        )
    enough = held >= order.min_workers
    return conditions.condition(
        "Matched",
        ok=enough,
        reason=decided.result.reason if not enough else "UnitsReserved",
        message=decided.result.message(order),
        generation=order.generation,
    )


def _ready(order: deal.Deal, decided: plan.Plan, *, ready_workers: int) -> raw.RawCondition:
    running = decided.phase in (deal.Phase.ACTIVE, deal.Phase.SMALL_BALANCE)
    ok = running and ready_workers >= order.min_workers
    if ok:
        reason = "WorkersReady"
    elif running:
        reason = "WorkersPending"
    else:
        reason = "".join(word.capitalize() for word in decided.phase.value.split("_"))
    message = f"{ready_workers} of {decided.workers} matched workers ready (at least {order.min_workers} needed)"
    return conditions.condition("Ready", ok=ok, reason=reason, message=message, generation=order.generation)
