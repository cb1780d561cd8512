"""The hard filters a unit must pass to serve a deal, in the order their exclusions are counted.

Each unit is charged to the first filter that excludes it, so the counts add up to the number of
units excluded and the largest count is the best single answer to "why did my deal not match?".
The reasons are CamelCase because they become the `Matched` condition's reason.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from cloudless_operator.models import computeunit, deal


class Exclusion(enum.StrEnum):
    """Why a unit cannot serve a deal; the value is the condition reason."""

    NOT_FREE = "UnitsNotFree"
    UNSCHEDULABLE = "UnitsUnschedulable"
    PRICE = "PriceTooLow"
    EFFECTORS = "EffectorUnavailable"
    PROVIDER = "ProviderFiltered"
    PROVIDER_CAP = "ProviderCapReached"


_Check = Callable[[computeunit.ComputeUnit, deal.Deal], bool]

FILTERS: tuple[tuple[Exclusion, _Check], ...] = (
    (Exclusion.NOT_FREE, lambda unit, _: unit.state is computeunit.State.FREE),
    (Exclusion.UNSCHEDULABLE, lambda unit, _: not unit.unschedulable),
    (Exclusion.PRICE, lambda unit, order: unit.price <= order.price),
    (Exclusion.EFFECTORS, lambda unit, order: order.required_effectors <= unit.effectors),
    (Exclusion.PROVIDER, lambda unit, order: order.providers.permits(unit.provider)),
)
"""Checks in counting order; PROVIDER_CAP is not here because it depends on what was already picked."""


def first_exclusion(unit: computeunit.ComputeUnit, order: deal.Deal) -> Exclusion | None:
    """The first filter `unit` fails for `order`, or None when it may serve it."""
    for exclusion, check in FILTERS:
        if not check(unit, order):
            return exclusion
    return None


def describe(exclusion: Exclusion, count: int, order: deal.Deal) -> str:
    """A human phrase for a condition message: `4 units ask more than 0.5 per epoch`."""
    units = "unit" if count == 1 else "units"
    match exclusion:
        case Exclusion.NOT_FREE:
            return f"{count} {units} not free"
        case Exclusion.UNSCHEDULABLE:
            return f"{count} {units} drained by their provider"
        case Exclusion.PRICE:
            return f"{count} {units} ask more than {order.price} per epoch"
        case Exclusion.EFFECTORS:
            return f"{count} {units} lack effectors {', '.join(sorted(order.required_effectors))}"
        case Exclusion.PROVIDER:
            return f"{count} {units} from providers not allowed"
        case Exclusion.PROVIDER_CAP:
            return f"{count} {units} over maxWorkersPerProvider={order.max_workers_per_provider}"
