"""Choosing units for one deal, and for many deals in turn without ever giving a unit twice.

Rules (Fluence's hard filters, plus a deterministic order Fluence lacks):
- a unit must be Free and pass every filter in `filters` (price, effectors, provider lists);
- units the deal already holds count toward targetWorkers and toward the per-node and
  per-provider counts, so a deal grows toward its target as units free up;
- at most maxWorkersPerProvider units per provider;
- each pick takes the unit on the node the deal uses least, then the provider it uses least,
  then the cheapest, then the name: workers spread over distinct nodes first, then providers;
- below minWorkers in total nothing is picked (all or nothing, as Fluence's matcher reverts).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from cloudless_operator.matcher import filters
from cloudless_operator.models import computeunit, deal, ids


@dataclasses.dataclass(frozen=True, slots=True)
class Match:
    """The outcome for one deal: units to reserve now, units it already holds, and why others were left."""

    picked: tuple[ids.UnitName, ...]
    held: tuple[ids.UnitName, ...]
    exclusions: Mapping[filters.Exclusion, int]
    eligible: int
    """Units that passed every filter (before the per-provider cap)."""
    minimum: int
    target: int

    @property
    def workers(self) -> int:
        return len(self.held) + len(self.picked)

    @property
    def surplus(self) -> tuple[ids.UnitName, ...]:
        """Held units beyond targetWorkers (after the target was lowered): the ones to release, last names first."""
        return self.held[self.target :]

    @property
    def enough(self) -> bool:
        return self.workers >= self.minimum

    @property
    def reason(self) -> str:
        """The Matched condition's reason: `UnitsReserved` when enough, else the filter that excluded most units."""
        if self.enough:
            return "UnitsReserved"
        if not self.exclusions:
            return "NotEnoughUnits"
        return max(self.exclusions.items(), key=lambda item: (item[1], -list(filters.Exclusion).index(item[0])))[0]

    def message(self, order: deal.Deal) -> str:
        """`2 of 3 workers (at least 3 needed): 4 units ask more than 0.5 per epoch, 1 unit not free`."""
        head = f"{self.workers} of {self.target} workers (at least {self.minimum} needed)"
        if not self.exclusions:
            return head if self.enough else f"{head}: only {self.eligible} units match"
        parts = [filters.describe(e, n, order) for e, n in self.exclusions.items() if n]
        return f"{head}: {', '.join(parts)}"


def match(order: deal.Deal, units: Iterable[computeunit.ComputeUnit]) -> Match:
    """The units to reserve for `order` among `units` (all units of the cluster, in any order)."""
    held: list[computeunit.ComputeUnit] = []
    excluded: collections.Counter[filters.Exclusion] = collections.Counter()
    by_node: dict[ids.NodeName, list[computeunit.ComputeUnit]] = collections.defaultdict(list)
    for unit in units:
        if unit.held_by(order.uid):
            held.append(unit)
            continue
        exclusion = filters.first_exclusion(unit, order)
        if exclusion is None:
            by_node[unit.node].append(unit)
        else:
            excluded[exclusion] += 1
    eligible = sum(len(candidates) for candidates in by_node.values())
    picked = _pick(order, held=held, by_node=by_node)
    if len(held) + len(picked) < order.min_workers:
        picked = []
    if len(held) + len(picked) < order.target_workers:
        capped = _count_capped(order, held=held, picked=picked, by_node=by_node)
        if capped:
            excluded[filters.Exclusion.PROVIDER_CAP] += capped
    return Match(
        picked=tuple(unit.name for unit in picked),
        held=tuple(sorted(unit.name for unit in held)),
        exclusions={e: excluded[e] for e in filters.Exclusion if excluded[e]},
        eligible=eligible,
        minimum=order.min_workers,
        target=order.target_workers,
    )


def _pick(
    order: deal.Deal,
    *,
    held: Sequence[computeunit.ComputeUnit],
    by_node: Mapping[ids.NodeName, list[computeunit.ComputeUnit]],
) -> list[computeunit.ComputeUnit]:
    """Greedy spread: each step takes the head of the best node's queue (node use, provider use, price, name)."""
    queues = {
        node: sorted(candidates, key=lambda u: (u.price, u.name), reverse=True) for node, candidates in by_node.items()
    }
    node_use = collections.Counter(unit.node for unit in held)
    provider_use = collections.Counter(unit.provider for unit in held)
    picked: list[computeunit.ComputeUnit] = []
    while len(held) + len(picked) < order.target_workers:
        best: computeunit.ComputeUnit | None = None
        best_key: tuple[int, int, object, str] | None = None
        for node, queue in queues.items():
            if not queue:
                continue
            head = queue[-1]
            if provider_use[head.provider] >= order.max_workers_per_provider:
                continue
            key = (node_use[node], provider_use[head.provider], head.price, head.name)
            if best_key is None or key < best_key:
                best, best_key = head, key
        if best is None:
            break
        queues[best.node].pop()
        node_use[best.node] += 1
        provider_use[best.provider] += 1
        picked.append(best)
    return picked


def _count_capped(
    order: deal.Deal,
    *,
    held: Sequence[computeunit.ComputeUnit],
    picked: Sequence[computeunit.ComputeUnit],
    by_node: Mapping[ids.NodeName, list[computeunit.ComputeUnit]],
) -> int:
    """Eligible units left unpicked only because their provider reached maxWorkersPerProvider."""
    taken = {unit.name for unit in picked}
    use = collections.Counter(unit.provider for unit in [*held, *picked])
    return sum(
        1
        for candidates in by_node.values()
        for unit in candidates
        if unit.name not in taken and use[unit.provider] >= order.max_workers_per_provider
    )


def assign(orders: Sequence[deal.Deal], units: Sequence[computeunit.ComputeUnit]) -> dict[ids.DealUid, Match]:
    """Matches `orders` one after another (in the given order), each seeing the units the earlier ones took as reserved.

    What the operator does over time, done at once: for the bench and for properties that span deals.
    """
    pool = {unit.name: unit for unit in units}
    results: dict[ids.DealUid, Match] = {}
    for order in orders:
        result = match(order, pool.values())
        ref = computeunit.DealRef(namespace=order.namespace, name=order.name, uid=order.uid)
        for name in result.picked:
            pool[name] = dataclasses.replace(pool[name], state=computeunit.State.RESERVED, deal=ref)
        results[order.uid] = result
    return results
