"""Race-free reservation on the real API server: deals racing over the same units never hold one twice.

The lock is the ComputeUnit's resourceVersion. The tests race at two levels: two writers patching
one unit read at the same version (exactly one wins, the other gets Conflict), and whole
`reservations.settle` loops for several deals started together over too few units (what each deal
believes it won is disjoint, and matches what the API server recorded).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import threading
from decimal import Decimal

import pytest
from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver, bodies

from cloudless_operator.kube import computeunits, errors, reservations
from cloudless_operator.models import computeunit, deal, ids, settings

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def order(name: str, provider: str, *, target: int, minimum: int = 1) -> deal.Deal:
    body = bodies.deal_body(
        name,
        uid=f"uid-{name}",
        targetWorkers=target,
        minWorkers=minimum,
        deposit="1000",
        providers={"allow": [provider]},
    )
    return deal.Deal.from_body(body)


def test_two_writers_on_one_version_one_wins(crd_cluster: RunningCluster) -> None:
    api = apiserver.api(crd_cluster)
    (name,) = apiserver.make_units(crd_cluster, provider="duel", count=1)
    seen = apiserver.units_of(crd_cluster, "duel")[name]
    first = computeunit.DealRef(namespace="default", name="a", uid=ids.DealUid("uid-a"))
    second = computeunit.DealRef(namespace="default", name="b", uid=ids.DealUid("uid-b"))
    computeunits.reserve(api, seen, holder=first, now=NOW)
    with pytest.raises(errors.Conflict):
        computeunits.reserve(api, seen, holder=second, now=NOW)
    with pytest.raises(errors.Conflict):
        computeunits.release(api, seen)
    assert apiserver.units_of(crd_cluster, "duel")[name].deal == first


@pytest.mark.parametrize("round_", range(3))
def test_deals_racing_over_few_units_never_share_one(crd_cluster: RunningCluster, round_: int) -> None:
    provider = f"race{round_}"
    apiserver.make_units(crd_cluster, provider=provider, count=5)
    orders = [order(f"r{round_}-{i}", provider, target=3) for i in range(4)]
    start = threading.Barrier(len(orders))

    def run(one: deal.Deal) -> reservations.Settled:
        api = apiserver.api(crd_cluster)
        start.wait(timeout=30)
        return reservations.settle(api, one, balance=one.deposit, billed=False, config=settings.Settings(), now=NOW)

    with concurrent.futures.ThreadPoolExecutor(len(orders)) as pool:
        settled = list(pool.map(run, orders, timeout=120))
    believed = [{unit.name for unit in result.held} for result in settled]
    assert sum(len(won) for won in believed) == len(set().union(*believed)), f"a unit held twice: {believed}"
    recorded = apiserver.units_of(crd_cluster, provider)
    for one, won in zip(orders, believed, strict=True):
        assert won == {name for name, unit in recorded.items() if unit.held_by(one.uid)}
    assert all(unit.state is computeunit.State.RESERVED for unit in recorded.values()), "a free unit was left behind"
    assert any(result.conflicts for result in settled), "no deal lost a race: the test did not race"


def test_loser_below_min_workers_gives_back_what_it_won(crd_cluster: RunningCluster) -> None:
    api = apiserver.api(crd_cluster)
    apiserver.make_units(crd_cluster, provider="allornone", count=3)
    greedy = order("greedy", "allornone", target=2, minimum=2)
    needy = order("needy", "allornone", target=2, minimum=2)
    config = settings.Settings()
    assert len(reservations.settle(api, greedy, balance=Decimal(1000), billed=False, config=config, now=NOW).held) == 2
    left = reservations.settle(api, needy, balance=Decimal(1000), billed=False, config=config, now=NOW)
    assert left.held == ()
    assert left.plan.result is not None and not left.plan.result.enough
    held_by_greedy = {u.name for u in apiserver.units_of(crd_cluster, "allornone").values() if u.held_by(greedy.uid)}
    assert set(reservations.release_all(api, greedy.uid)) == held_by_greedy
    assert reservations.release_all(api, greedy.uid) == ()
    assert sorted(
        u.name for u in apiserver.units_of(crd_cluster, "allornone").values() if u.state is computeunit.State.FREE
    ) == [
        "allornone-n0-cu0",
        "allornone-n1-cu0",
        "allornone-n2-cu0",
    ]
