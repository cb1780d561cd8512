"""Deal handlers: match and reserve on create, update and resume; release the units on delete."""

from __future__ import annotations

from typing import Any

import kopf

from cloudless_operator.handlers import operator
from cloudless_operator.kube import reservations, subnets
from cloudless_operator.models import deal, errors
from cloudless_operator.reconcile import names, status
from cloudless_operator.reconcile import subnets as subnet_builder

DEALS = (names.GROUP, names.VERSION, "deals")


@kopf.on.resume(*DEALS)
@kopf.on.create(*DEALS)
@kopf.on.update(*DEALS)
def reconcile(body: kopf.Body, patch: kopf.Patch, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Validate, settle the deal's units, keep its Subnet, and write the status if it changed."""
    previous, now = dict(body.get("status", {})), operator.now()
    try:
        order, recorded = deal.Deal.from_body(body), deal.DealStatus.from_body(body)
    except errors.MalformedBody as error:
        logger.warning(f"cannot read the deal: {error}")
        new = status.invalid(error, generation=int(body.meta.get("generation", 0)), previous=previous, now=now)
        if status.changed(previous, new):
            patch.status.update(new)
        return
    balance = order.deposit if recorded.balance is None else recorded.balance
    try:
        settled = reservations.settle(
            memo.api, order, balance=balance, billed=recorded.last_billed_epoch is not None, config=memo.config, now=now
        )
    except reservations.StillContended as error:
        raise kopf.TemporaryError(str(error), delay=2) from None
    subnet = previous.get("subnetRef", {}).get("name")
    if settled.held:
        existing = subnets.workers(memo.api, namespace=order.namespace, name=names.subnet_name(order.name))
        workers = subnet_builder.workers(order, settled.held, existing=existing)
        subnets.apply(memo.api, subnet_builder.subnet(order, workers))
        subnet = names.subnet_name(order.name)
    held = [unit.name for unit in settled.held]
    new = status.compute(order, settled.plan, held=held, balance=balance, subnet=subnet, previous=previous, now=now)
    if status.changed(previous, new):
        patch.status.update(new)
        logger.info(f"{settled.plan.phase}: {len(held)} units held, {settled.conflicts} races lost")


@kopf.on.delete(*DEALS)
def release(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """The finalizer's work: free every unit the deal holds (the Subnet goes with its ownerReference)."""
    try:
        freed = reservations.release_all(memo.api, body.meta["uid"])
    except reservations.StillContended as error:
        raise kopf.TemporaryError(str(error), delay=2) from None
    logger.info(f"released {len(freed)} units: {', '.join(freed) or 'none'}")
