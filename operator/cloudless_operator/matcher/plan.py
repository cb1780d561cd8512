"""One decision for one deal: what to reserve, what to release, and the phase that results.

This is what the Deal handler calls: a stopped or unfunded deal reserves nothing and releases all
it holds; a funded one is matched, and keeps its units only if they reach minWorkers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from decimal import Decimal

from cloudless_operator.matcher import match, phases
from cloudless_operator.models import computeunit, deal, ids, settings


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    reserve: tuple[ids.UnitName, ...]
    release: tuple[ids.UnitName, ...]
    keep: tuple[ids.UnitName, ...]
    phase: deal.Phase
    funding: phases.Funding
    result: match.Match | None
    """None when the deal was not matched at all (stopped or unfunded)."""

    @property
    def workers(self) -> int:
        return len(self.keep) + len(self.reserve)


def decide(
    order: deal.Deal,
    units: Iterable[computeunit.ComputeUnit],
    *,
    balance: Decimal,
    billed: bool,
    config: settings.Settings,
) -> Plan:
    """The plan for `order` given every unit in the cluster and its current balance."""
    units = list(units)
    held = tuple(sorted(unit.name for unit in units if unit.held_by(order.uid)))
    funds = phases.funding(order, balance=balance, billed=billed, workers=len(held), config=config)
    if order.stopped or not funds.sufficient:
        return Plan(
            reserve=(),
            release=held,
            keep=(),
            phase=phases.phase(order, funds=funds, workers=0),
            funding=funds,
            result=None,
        )
    result = match.match(order, units)
    keep = result.held[: order.target_workers]
    if len(keep) + len(result.picked) < order.min_workers:
        return Plan(
            reserve=(),
            release=held,
            keep=(),
            phase=phases.phase(order, funds=funds, workers=0),
            funding=funds,
            result=result,
        )
    return Plan(
        reserve=result.picked,
        release=result.surplus,
        keep=keep,
        phase=phases.phase(order, funds=funds, workers=len(keep) + len(result.picked)),
        funding=funds,
        result=result,
    )
