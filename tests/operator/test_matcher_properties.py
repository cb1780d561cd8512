"""Properties of the matcher over random clusters and deals (hypothesis).

Whatever the units and deals: no unit is given twice, no provider exceeds a deal's cap, no picked
unit fails a filter, a deal gets either nothing or at least minWorkers, and the same input gives
the same answer.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudless_operator.matcher import filters, match
from cloudless_operator.models import computeunit, deal, ids

PROVIDERS = ["acme", "globex", "initech"]
NODES = [f"n{i}" for i in range(6)]
PRICES = [Decimal(p) for p in ("0.1", "0.25", "0.33", "0.5", "1")]
EFFECTORS = ["curl", "ipfs"]


@st.composite
def clusters(draw: st.DrawFn) -> list[computeunit.ComputeUnit]:
    count = draw(st.integers(min_value=0, max_value=25))
    pool = []
    for index in range(count):
        reserved = draw(st.sampled_from([None, None, None, "other"]))
        pool.append(
            computeunit.ComputeUnit(
                name=ids.UnitName(f"u{index:02d}"),
                provider=ids.ProviderName(draw(st.sampled_from(PROVIDERS))),
                node=ids.NodeName(draw(st.sampled_from(NODES))),
                price=draw(st.sampled_from(PRICES)),
                effectors=frozenset(ids.Effector(e) for e in draw(st.sets(st.sampled_from(EFFECTORS)))),
                unschedulable=draw(st.booleans()) and draw(st.booleans()),
                state=computeunit.State.RESERVED if reserved else computeunit.State.FREE,
                deal=computeunit.DealRef("ns", "other", ids.DealUid("other")) if reserved else None,
            )
        )
    return pool


@st.composite
def deals(draw: st.DrawFn, uid: str = "d0") -> deal.Deal:
    target = draw(st.integers(min_value=1, max_value=8))
    allow = draw(st.none() | st.sets(st.sampled_from(PROVIDERS), min_size=1))
    return deal.Deal(
        namespace="ns",
        name=uid,
        uid=ids.DealUid(uid),
        generation=1,
        services=(),
        min_workers=draw(st.integers(min_value=1, max_value=target)),
        target_workers=target,
        max_workers_per_provider=draw(st.integers(min_value=1, max_value=target)),
        price=draw(st.sampled_from(PRICES)),
        deposit=Decimal(100),
        required_effectors=frozenset(ids.Effector(e) for e in draw(st.sets(st.sampled_from(EFFECTORS), max_size=1))),
        providers=deal.ProviderAccess(
            allow=None if allow is None else frozenset(ids.ProviderName(p) for p in allow),
            deny=frozenset(
                ids.ProviderName(p) for p in draw(st.sets(st.sampled_from(PROVIDERS), max_size=1)) - (allow or set())
            ),
        ),
    )


@st.composite
def deal_lists(draw: st.DrawFn) -> list[deal.Deal]:
    return [draw(deals(uid=f"d{i}")) for i in range(draw(st.integers(min_value=1, max_value=5)))]


@settings(max_examples=300, deadline=None)
@given(pool=clusters(), orders=deal_lists())
def test_no_unit_is_given_twice_and_no_reserved_unit_is_taken(
    pool: list[computeunit.ComputeUnit], orders: list[deal.Deal]
) -> None:
    results = match.assign(orders, pool)
    picked = [name for result in results.values() for name in result.picked]
    assert len(picked) == len(set(picked))
    reserved = {unit.name for unit in pool if unit.state is not computeunit.State.FREE}
    assert not reserved & set(picked)


@settings(max_examples=300, deadline=None)
@given(pool=clusters(), order=deals())
def test_picks_pass_every_filter_and_respect_the_caps(pool: list[computeunit.ComputeUnit], order: deal.Deal) -> None:
    result = match.match(order, pool)
    by_name = {unit.name: unit for unit in pool}
    chosen = [by_name[name] for name in result.picked]
    assert all(filters.first_exclusion(unit, order) is None for unit in chosen)
    for provider in PROVIDERS:
        assert sum(unit.provider == provider for unit in chosen) <= order.max_workers_per_provider
    assert len(chosen) <= order.target_workers
    assert result.picked == () or len(result.picked) >= order.min_workers


@settings(max_examples=200, deadline=None)
@given(pool=clusters(), order=deals())
def test_exclusions_account_for_every_unit_filtered(pool: list[computeunit.ComputeUnit], order: deal.Deal) -> None:
    result = match.match(order, pool)
    filtered = sum(n for e, n in result.exclusions.items() if e is not filters.Exclusion.PROVIDER_CAP)
    assert filtered + result.eligible == len(pool)


@settings(max_examples=200, deadline=None)
@given(pool=clusters(), order=deals())
def test_deterministic_whatever_the_listing_order(pool: list[computeunit.ComputeUnit], order: deal.Deal) -> None:
    assert match.match(order, pool) == match.match(order, list(reversed(pool)))


@settings(max_examples=200, deadline=None)
@given(pool=clusters(), order=deals())
def test_nodes_are_spread_before_any_is_reused(pool: list[computeunit.ComputeUnit], order: deal.Deal) -> None:
    """A node gets a second worker only if no eligible unit on an unused node could have been taken instead."""
    result = match.match(order, pool)
    by_name = {unit.name: unit for unit in pool}
    used_nodes = [by_name[name].node for name in result.picked]
    if len(used_nodes) == len(set(used_nodes)):
        return
    providers = [by_name[name].provider for name in result.picked]
    for unit in pool:
        if unit.node in used_nodes or unit.name in result.picked or filters.first_exclusion(unit, order) is not None:
            continue
        assert providers.count(unit.provider) >= order.max_workers_per_provider, (
            f"{unit.name} on a fresh node was skipped"
        )
