"""Per-epoch deal billing: hand-computed cases, phases by Fluence's precedence, money conserved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudless_operator.billing import charges
from cloudless_operator.billing.settings import LOCAL
from cloudless_operator.models.deal import Phase


def account(balance: str, units: int = 2, *, min_workers: int = 1, target: int = 2) -> charges.DealAccount:
    return charges.DealAccount(
        deal_id="d",
        price=Decimal("0.33"),
        min_workers=min_workers,
        target_workers=target,
        units=tuple(f"cu{i}" for i in range(units)),
        balance=Decimal(balance),
        closed_through=0,
    )


def test_hand_computed_epochs() -> None:
    state, first = charges.close_epoch(account("2.00"), 1, LOCAL)
    assert (first.charged, first.balance, first.phase, first.gap) == (
        Decimal("0.66"),
        Decimal("1.34"),
        Phase.ACTIVE,
        False,
    )
    assert first.credits == {"cu0": Decimal("0.33"), "cu1": Decimal("0.33")}
    state, second = charges.close_epoch(state, 2, LOCAL)
    assert (second.balance, second.phase) == (Decimal("0.68"), Phase.SMALL_BALANCE)
    state, third = charges.close_epoch(state, 3, LOCAL)
    assert (third.balance, third.phase) == (Decimal("0.02"), Phase.INSUFFICIENT_FUNDS)
    state, fourth = charges.close_epoch(state, 4, LOCAL)
    assert (fourth.charged, fourth.gap, fourth.balance) == (Decimal(0), True, Decimal("0.02"))


def test_too_few_workers_is_a_gap_not_a_charge() -> None:
    _, charge = charges.close_epoch(account("10", units=1, min_workers=2), 1, LOCAL)
    assert (charge.charged, charge.gap, charge.phase) == (Decimal(0), True, Phase.NOT_ENOUGH_WORKERS)


def test_ended_deal_pays_nothing() -> None:
    ended = charges.DealAccount("d", Decimal(1), 1, 1, ("cu",), Decimal(5), 0, ended=True)
    _, charge = charges.close_epoch(ended, 1, LOCAL)
    assert (charge.charged, charge.phase) == (Decimal(0), Phase.ENDED)


def test_epochs_close_in_order_only() -> None:
    state, _ = charges.close_epoch(account("5"), 1, LOCAL)
    with pytest.raises(ValueError, match="does not follow"):
        charges.close_epoch(state, 1, LOCAL)
    with pytest.raises(ValueError, match="does not follow"):
        charges.close_epoch(state, 3, LOCAL)


@pytest.mark.parametrize("bad", [{"price": Decimal(0)}, {"balance": Decimal(-1)}, {"min_workers": 3}])
def test_account_rejects_nonsense(bad: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "deal_id": "d",
        "price": Decimal(1),
        "min_workers": 1,
        "target_workers": 2,
        "units": ("a",),
        "balance": Decimal(1),
        "closed_through": 0,
    }
    with pytest.raises(ValueError):
        charges.DealAccount(**(fields | bad))  # type: ignore[arg-type]


money = st.decimals(min_value=Decimal(0), max_value=Decimal(10**6), places=6, allow_nan=False, allow_infinity=False)


@given(
    balance=money,
    price=st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(1000), places=6),
    units=st.integers(0, 8),
    min_workers=st.integers(1, 8),
    epochs=st.integers(1, 30),
)
def test_money_is_conserved_and_never_negative(
    balance: Decimal, price: Decimal, units: int, min_workers: int, epochs: int
) -> None:
    state = charges.DealAccount(
        "d", price, min_workers, max(min_workers, units), tuple(f"u{i}" for i in range(units)), balance, 0
    )
    paid = Decimal(0)
    for epoch in range(1, epochs + 1):
        state, charge = charges.close_epoch(state, epoch, LOCAL)
        assert sum(charge.credits.values(), Decimal(0)) == charge.charged
        assert charge.charged in (Decimal(0), price * units)
        assert state.balance >= 0
        paid += charge.charged
    assert state.balance + paid == balance
