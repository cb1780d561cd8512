"""The matcher on hand-built clusters: filters, spread, caps, all-or-nothing, growth, and the reasons it gives."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.operator import bodies

from cloudless_operator.matcher import filters, match, phases, plan
from cloudless_operator.models import computeunit, deal, settings

CONFIG = settings.Settings()


def units(*specs: dict[str, Any]) -> list[computeunit.ComputeUnit]:
    return [computeunit.ComputeUnit.from_body(bodies.unit_body(**spec)) for spec in specs]


def order(**spec: Any) -> deal.Deal:
    return deal.Deal.from_body(bodies.deal_body(**spec))


def test_picks_cheapest_units_on_distinct_nodes_first() -> None:
    pool = units(
        {"name": "a0", "node": "a", "price": "0.1"},
        {"name": "a1", "node": "a", "price": "0.1"},
        {"name": "b0", "node": "b", "price": "0.3"},
        {"name": "c0", "node": "c", "price": "0.2"},
    )
    result = match.match(order(targetWorkers=3), pool)
    assert result.picked == ("a0", "c0", "b0")
    assert result.enough and result.reason == "UnitsReserved"


def test_spreads_over_providers_after_nodes() -> None:
    pool = units(
        {"name": "x-a", "node": "a", "provider": "x"},
        {"name": "x-b", "node": "b", "provider": "x"},
        {"name": "y-c", "node": "c", "provider": "y"},
    )
    assert match.match(order(targetWorkers=2), pool).picked == ("x-a", "y-c")


def test_each_filter_is_counted_once_per_unit() -> None:
    pool = units(
        {"name": "taken", "deal_uid": "someone-else"},
        {"name": "pricey", "price": "0.9"},
        {"name": "plain", "price": "0.9", "provider": "evil"},
        {"name": "curl", "effectors": ("curl",)},
        {"name": "denied", "provider": "evil", "effectors": ("curl",)},
    )
    result = match.match(order(requiredEffectors=["curl"], providers={"deny": ["evil"]}, minWorkers=2), pool)
    assert result.picked == ()
    assert dict(result.exclusions) == {
        filters.Exclusion.NOT_FREE: 1,
        filters.Exclusion.PRICE: 2,
        filters.Exclusion.PROVIDER: 1,
    }
    assert result.reason == "PriceTooLow"
    assert result.message(order()) == (
        "0 of 3 workers (at least 2 needed): 1 unit not free, 2 units ask more than 0.5 per epoch,"
        " 1 unit from providers not allowed"
    )


def test_provider_cap_limits_and_is_reported() -> None:
    pool = units(*({"name": f"u{i}", "provider": "acme"} for i in range(4)))
    result = match.match(order(targetWorkers=3, maxWorkersPerProvider=1), pool)
    assert len(result.picked) == 1
    assert result.exclusions == {filters.Exclusion.PROVIDER_CAP: 3}


def test_below_min_workers_nothing_is_picked() -> None:
    pool = units({"name": "only"})
    result = match.match(order(minWorkers=2, targetWorkers=3), pool)
    assert result.picked == () and not result.enough
    assert result.reason == "NotEnoughUnits"
    assert result.message(order()) == "0 of 3 workers (at least 2 needed): only 1 units match"


def test_grows_toward_target_from_the_units_it_holds() -> None:
    mine = order(targetWorkers=3, uid="u-me")
    pool = units(
        {"name": "held", "node": "a", "deal_uid": "u-me"},
        {"name": "same-node", "node": "a"},
        {"name": "new", "node": "b"},
    )
    result = match.match(mine, pool)
    assert result.held == ("held",)
    assert result.picked == ("new", "same-node")
    assert result.workers == 3


def test_surplus_after_target_is_lowered() -> None:
    mine = order(targetWorkers=1, uid="u-me")
    pool = units({"name": "h1", "deal_uid": "u-me"}, {"name": "h2", "deal_uid": "u-me"})
    assert match.match(mine, pool).surplus == ("h2",)


def test_assign_never_gives_a_unit_twice() -> None:
    pool = units(*({"name": f"u{i}"} for i in range(5)))
    first, second = order(uid="d1", targetWorkers=3), order(uid="d2", targetWorkers=3)
    results = match.assign([first, second], pool)
    assert len(results["d1"].picked) == 3  # type: ignore[index]
    assert len(results["d2"].picked) == 2  # type: ignore[index]
    assert not set(results["d1"].picked) & set(results["d2"].picked)  # type: ignore[index]


def funds(deal_: deal.Deal, balance: str, *, billed: bool = False, workers: int = 0) -> phases.Funding:
    return phases.funding(deal_, balance=Decimal(balance), billed=billed, workers=workers, config=CONFIG)


def test_phase_precedence() -> None:
    base = order(targetWorkers=3, minWorkers=2)  # floor: 2 epochs x 3 x 0.5 = 3
    assert phases.phase(base, funds=funds(base, "3"), workers=3) is deal.Phase.ACTIVE
    assert phases.phase(base, funds=funds(base, "3"), workers=1) is deal.Phase.NOT_ENOUGH_WORKERS
    assert phases.phase(base, funds=funds(base, "2", billed=True, workers=1), workers=1) is deal.Phase.SMALL_BALANCE
    assert phases.phase(base, funds=funds(base, "2.9"), workers=0) is deal.Phase.INSUFFICIENT_FUNDS
    assert (
        phases.phase(base, funds=funds(base, "1", billed=True, workers=3), workers=3) is deal.Phase.INSUFFICIENT_FUNDS
    )
    stopped = order(targetWorkers=3, stopped=True)
    assert phases.phase(stopped, funds=funds(stopped, "0"), workers=0) is deal.Phase.ENDED


def test_funding_reasons_and_messages() -> None:
    base = order(targetWorkers=3)
    low = funds(base, "2.99")
    assert (low.sufficient, low.reason) == (False, "DepositBelowMinimum")
    assert "below 2 epochs x 3 workers x 0.5 = 3.0" in low.message
    assert funds(base, "3").reason == "DepositSufficient"
    assert funds(base, "1", billed=True, workers=2).reason == "SmallBalance"
    assert funds(base, "0.9", billed=True, workers=2).reason == "BalanceExhausted"


def test_plan_with_a_small_deposit_reserves_nothing_and_releases_everything() -> None:
    mine = order(uid="u-me", deposit="1")
    pool = units({"name": "held", "deal_uid": "u-me"}, {"name": "free"})
    decided = plan.decide(mine, pool, balance=mine.deposit, billed=False, config=CONFIG)
    assert decided.phase is deal.Phase.INSUFFICIENT_FUNDS
    assert (decided.reserve, decided.release, decided.result) == ((), ("held",), None)


def test_plan_for_a_stopped_deal_releases_its_units() -> None:
    mine = order(uid="u-me", stopped=True)
    decided = plan.decide(
        mine, units({"name": "held", "deal_uid": "u-me"}), balance=Decimal(15), billed=True, config=CONFIG
    )
    assert decided.phase is deal.Phase.ENDED and decided.release == ("held",)


def test_plan_not_enough_workers_then_active_as_units_appear() -> None:
    mine = order(uid="u-me", minWorkers=2, targetWorkers=3)
    pool = units({"name": "a"})
    first = plan.decide(mine, pool, balance=mine.deposit, billed=False, config=CONFIG)
    assert first.phase is deal.Phase.NOT_ENOUGH_WORKERS and first.reserve == ()
    assert first.result is not None and first.result.reason == "NotEnoughUnits"
    pool += units({"name": "b"})
    second = plan.decide(mine, pool, balance=mine.deposit, billed=False, config=CONFIG)
    assert second.phase is deal.Phase.ACTIVE and second.reserve == ("a", "b") and second.workers == 2
