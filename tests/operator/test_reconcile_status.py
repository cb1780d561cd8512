"""`reconcile.status`, `conditions` and `subnets` as pure functions: what a Deal's status and Subnet say."""

from __future__ import annotations

import datetime as dt

from tests.operator import bodies

from cloudless_operator.matcher import plan
from cloudless_operator.models import computeunit, deal, errors, ids, settings
from cloudless_operator.reconcile import status, subnets

T0 = dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(minutes=5)


def decided(order: deal.Deal, count: int) -> plan.Plan:
    units = [computeunit.ComputeUnit.from_body(bodies.unit_body(f"u{i}")) for i in range(count)]
    return plan.decide(order, units, balance=order.deposit, billed=False, config=settings.Settings())


def compute(order: deal.Deal, count: int, *, previous: dict[str, object], now: dt.datetime) -> dict[str, object]:
    chosen = decided(order, count)
    held = [*chosen.keep, *chosen.reserve]
    return dict(
        status.compute(
            order, chosen, held=held, balance=order.deposit, subnet=None, ready_workers=0, previous=previous, now=now
        )
    )


def test_not_enough_units_gives_the_phase_and_reasons() -> None:
    order = deal.Deal.from_body(bodies.deal_body(minWorkers=3, targetWorkers=3))
    new = compute(order, 2, previous={}, now=T0)
    assert new["phase"] == "NOT_ENOUGH_WORKERS"
    reasons = {c["type"]: (c["status"], c["reason"]) for c in new["conditions"]}  # type: ignore[attr-defined]
    assert reasons == {
        "Funded": ("True", "DepositSufficient"),
        "Matched": ("False", "NotEnoughUnits"),
        "Ready": ("False", "NotEnoughWorkers"),
    }
    assert new["matchedUnits"] == []


def test_unchanged_status_is_not_rewritten_and_keeps_transition_times() -> None:
    order = deal.Deal.from_body(bodies.deal_body())
    first = compute(order, 3, previous={}, now=T0)
    again = compute(order, 3, previous=first, now=T1)
    assert again == first
    assert not status.changed(first, again)  # type: ignore[arg-type]
    grown = compute(order, 1, previous=first, now=T1)
    assert status.changed(first, grown)  # type: ignore[arg-type]


def test_a_malformed_deal_gets_invalid_spec_not_a_crash() -> None:
    error = errors.MalformedBody("spec.targetWorkers", "expected an integer, got '3'")
    new = status.invalid(error, generation=4, previous={}, now=T0)
    (ready,) = new["conditions"]
    assert (ready["status"], ready["reason"], ready["observedGeneration"]) == ("False", "InvalidSpec", 4)
    assert "spec.targetWorkers" in ready["message"]


def test_waiting_deals_want_units_and_ended_ones_do_not() -> None:
    assert status.wants_units({"spec": {"targetWorkers": 3}, "status": {"matchedUnits": ["a"]}})
    assert not status.wants_units({"spec": {"targetWorkers": 1}, "status": {"matchedUnits": ["a"]}})
    assert not status.wants_units({"spec": {"targetWorkers": 3, "stopped": True}})
    assert not status.wants_units({"metadata": {"deletionTimestamp": "x"}, "spec": {"targetWorkers": 3}})


def test_workers_keep_their_names_as_units_come_and_go() -> None:
    order = deal.Deal.from_body(bodies.deal_body("d"))
    unit = {n: computeunit.ComputeUnit.from_body(bodies.unit_body(n)) for n in ("a", "b", "c")}
    first = subnets.workers(order, [unit["a"], unit["b"]], existing=[])
    assert [(w["name"], w["computeUnit"]) for w in first] == [("d-w0", "a"), ("d-w1", "b")]
    later = subnets.workers(order, [unit["b"], unit["c"]], existing=first)
    assert [(w["name"], w["computeUnit"]) for w in later] == [("d-w0", "c"), ("d-w1", "b")]
    body = subnets.subnet(order, later)
    assert body["metadata"]["ownerReferences"][0]["uid"] == ids.DealUid("uid-greeting")
