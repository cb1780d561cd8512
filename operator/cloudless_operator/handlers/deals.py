"""Deal handlers: match and reserve on create, update and resume; release the units on delete.

Every decision a user would ask about is also an Event on the Deal (`kubectl describe deal`):
a rejected spec, a phase change with its reason, units reserved or given back.
"""

from __future__ import annotations

from typing import Any

import kopf

from cloudless_operator.handlers import operator
from cloudless_operator.kube import reservations, subnets
from cloudless_operator.models import deal, errors
from cloudless_operator.reconcile import names, status
from cloudless_operator.reconcile import subnets as subnet_builder

DEALS = (names.GROUP, names.VERSION, "deals")
QUIET_PHASES = (deal.Phase.ACTIVE.value,)
"""Phases announced as Normal events; the others say something needs the user's attention."""


@kopf.on.resume(*DEALS)
@kopf.on.create(*DEALS)
@kopf.on.update(*DEALS)
def reconcile(body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Validate, settle the deal's units, keep its Subnet, and write the status if it changed."""
    with memo.metrics.reconciling("Deal"):
        phase = _reconcile(body, patch, memo, logger)
    memo.metrics.observed.deal(str(body.meta.namespace), str(body.meta.name), phase)


def _reconcile(body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, logger: kopf.Logger) -> str:
    """The reconcile itself; returns the phase now recorded (`Invalid` for a spec the operator cannot read)."""
    previous, now = dict(body.get("status", {})), operator.now()
    try:
        order, recorded = deal.Deal.from_body(body), deal.DealStatus.from_body(body)
    except errors.MalformedBody as error:
        logger.warning(f"cannot read the deal: {error}")
        new = status.invalid(error, generation=int(body.meta.get("generation", 0)), previous=previous, now=now)
        if status.changed(previous, new):
            patch.status.update(new)
            kopf.warn(body, reason=error.reason, message=str(error))
        return "Invalid"
    balance = order.deposit if recorded.balance is None else recorded.balance
    try:
        settled = reservations.settle(
            memo.api, order, balance=balance, billed=recorded.last_billed_epoch is not None, config=memo.config, now=now
        )
    except reservations.StillContended as error:
        raise kopf.TemporaryError(str(error), delay=2) from None
    subnet = previous.get("subnetRef", {}).get("name")
    ready = 0
    if settled.held:
        name = names.subnet_name(order.name)
        found = subnets.get(memo.api, namespace=order.namespace, name=name)
        existing = (found or {}).get("spec", {}).get("workers", [])
        ready = int((found or {}).get("status", {}).get("readyWorkers", 0))
        workers = subnet_builder.workers(order, settled.held, existing=existing)
        subnets.apply(memo.api, subnet_builder.subnet(order, workers), stored=found)
        subnet = name
    held = [unit.name for unit in settled.held]
    new = status.compute(
        order, settled.plan, held=held, balance=balance, subnet=subnet, ready_workers=ready, previous=previous, now=now
    )
    if status.changed(previous, new):
        patch.status.update(new)
        logger.info(f"{settled.plan.phase}: {len(held)} units held, {settled.conflicts} races lost")
        _announce(body, previous, new, reserved=settled.plan.reserve, released=settled.plan.release)
    return str(new["phase"])


def _announce(
    body: kopf.Body, previous: dict[str, Any], new: Any, *, reserved: tuple[str, ...], released: tuple[str, ...]
) -> None:
    """Events for what changed: the phase (with the Matched condition's message) and the units moved."""
    if previous.get("phase") != new["phase"]:
        matched = next((c for c in new["conditions"] if c["type"] == "Matched"), None)
        reason = "".join(word.capitalize() for word in str(new["phase"]).split("_"))
        message = f"phase {new['phase']}" + (f": {matched['message']}" if matched else "")
        if new["phase"] in QUIET_PHASES:
            kopf.info(body, reason=reason, message=message)
        else:
            kopf.warn(body, reason=reason, message=message)
    if reserved:
        kopf.info(body, reason="UnitsReserved", message=f"reserved {', '.join(reserved)}")
    if released:
        kopf.info(body, reason="UnitsReleased", message=f"released {', '.join(released)}")


@kopf.on.delete(*DEALS)
def release(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """The finalizer's work: free every unit the deal holds (the Subnet goes with its ownerReference)."""
    try:
        freed = reservations.release_all(memo.api, body.meta["uid"])
    except reservations.StillContended as error:
        raise kopf.TemporaryError(str(error), delay=2) from None
    memo.metrics.observed.deal(str(body.meta.namespace), str(body.meta.name), None)
    logger.info(f"released {len(freed)} units: {', '.join(freed) or 'none'}")
