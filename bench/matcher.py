"""The matcher alone: 200 deals matched in turn over 1,000 ComputeUnits, deals matched per second.

The reference, measured in the same run on the same data, is the cheapest thing any matcher must do:
one pass of the hard filters over every unit for every deal, with no choosing. The printed ratio
matcher / reference says what spreading, caps and bookkeeping cost on top. The cluster and the deals
are generated from a fixed seed (50 nodes, 3 providers, mixed prices and effectors). Run with
`python -m bench.matcher` (needs `operator/` importable: installed, or PYTHONPATH=operator).
"""

from __future__ import annotations

import argparse
import random
from decimal import Decimal

from bench.timing import best_of
from cloudless_operator.matcher import filters, match
from cloudless_operator.models import computeunit, deal, ids

PRICES = [Decimal(p) for p in ("0.2", "0.25", "0.33", "0.4", "0.5")]


def cluster(units: int, *, rng: random.Random) -> list[computeunit.ComputeUnit]:
    return [
        computeunit.ComputeUnit(
            name=ids.UnitName(f"cu-{index:04d}"),
            provider=ids.ProviderName(rng.choice(["acme", "globex", "initech"])),
            node=ids.NodeName(f"node-{index % 50:02d}"),
            price=rng.choice(PRICES),
            effectors=frozenset(ids.Effector(e) for e in rng.sample(["curl", "ipfs"], rng.randint(0, 2))),
        )
        for index in range(units)
    ]


def orders(count: int, *, rng: random.Random) -> list[deal.Deal]:
    made = []
    for index in range(count):
        target = rng.randint(1, 8)
        made.append(
            deal.Deal(
                namespace="bench",
                name=f"deal-{index}",
                uid=ids.DealUid(f"uid-{index}"),
                generation=1,
                services=(),
                min_workers=rng.randint(1, target),
                target_workers=target,
                max_workers_per_provider=rng.randint(1, target),
                price=rng.choice(PRICES),
                deposit=Decimal(1000),
                required_effectors=frozenset(ids.Effector(e) for e in rng.sample(["curl", "ipfs"], rng.randint(0, 1))),
            )
        )
    return made


def reference(all_orders: list[deal.Deal], units: list[computeunit.ComputeUnit]) -> int:
    """Filters only: how many (deal, unit) pairs pass, no choice made."""
    return sum(filters.first_exclusion(unit, order) is None for order in all_orders for unit in units)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    units, all_orders = cluster(args.units, rng=rng), orders(args.deals, rng=rng)
    results = match.assign(all_orders, units)
    matched = sum(bool(r.picked) for r in results.values())
    workers = sum(len(r.picked) for r in results.values())
    matcher_s = best_of(args.runs, match.assign, all_orders, units)
    reference_s = best_of(args.runs, reference, all_orders, units)
    print(f"{args.deals} deals over {args.units} units: {matched} matched, {workers} units reserved")
    print(f"matcher:   {matcher_s * 1000:8.1f} ms  {args.deals / matcher_s:8.0f} deals/s")
    print(f"reference: {reference_s * 1000:8.1f} ms  {args.deals / reference_s:8.0f} deals/s (filters only)")
    print(f"ratio matcher/reference: {matcher_s / reference_s:.2f}")


if __name__ == "__main__":
    main()
