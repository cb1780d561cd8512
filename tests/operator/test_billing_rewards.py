"""The reward pool, its split and vesting: hand-computed cases from Fluence's formulas (reference 1.5)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cloudless_operator.billing import amounts, rewards, vesting
from cloudless_operator.billing.settings import LOCAL, PRODUCTION

D = Decimal


def test_kras_pool_grows_while_a_unit_earns_less_than_the_target() -> None:
    # kras: init 500 FLT at 0.5 USD, target 0.33 USD per unit, pool within [100, 1000].
    start = rewards.initial(PRODUCTION)
    first = rewards.next_pool(start, active_units=1000, settings=PRODUCTION)
    # 500 x 0.5 / 1000 = 0.25 USD per unit <= 0.33: grow x1.1.
    assert first == rewards.Pool(D(550), 1000, D("0.5"))
    # 550 x 0.5 / 1001 = 0.2747 <= 0.33: grow again, 605.
    assert rewards.next_pool(first, active_units=1001, settings=PRODUCTION).value == D(605)
    # 550 x 0.5 / 500 = 0.55 > 0.33: shrink x0.9, 495.
    assert rewards.next_pool(first, active_units=500, settings=PRODUCTION).value == D(495)


def test_pool_stays_within_bounds_and_stands_still_without_a_change() -> None:
    # LOCAL: init 10 FLT at 1 USD, min 100: 10 x 1 / 3 = 3.33 > 0.3, x0.9 = 9, floored at 100.
    pool = rewards.next_pool(rewards.initial(LOCAL), active_units=3, settings=LOCAL)
    assert pool.value == D(100)
    assert rewards.next_pool(pool, active_units=3, settings=LOCAL) == pool
    assert rewards.next_pool(pool, active_units=0, settings=LOCAL).value == D(100)
    # 100 x 1 / 1000 = 0.1 <= 0.3: x1.1 = 110; then capped at max 200 after enough growth.
    many = rewards.next_pool(pool, active_units=1000, settings=LOCAL)
    assert many.value == D(110)
    for units in range(1001, 1010):
        many = rewards.next_pool(many, active_units=units, settings=LOCAL)
    assert many.value == D(200)


def test_a_price_change_alone_moves_the_pool() -> None:
    pool = rewards.Pool(D(550), 1000, D("0.5"))
    cheaper = dataclasses.replace(PRODUCTION, reward_token_price=D("0.25"))
    assert rewards.next_pool(pool, active_units=1000, settings=cheaper) == rewards.Pool(D(605), 1000, D("0.25"))


def test_shares_follow_proofs_and_round_down() -> None:
    assert rewards.shares(D(100), {"a": 5, "b": 3, "c": 2}) == {"a": D(50), "b": D(30), "c": D(20)}
    thirds = rewards.shares(D(100), {"a": 1, "b": 1, "c": 1})
    assert thirds == dict.fromkeys("abc", D("33.333333333333333333"))
    assert D(100) - sum(thirds.values()) == D("0.000000000000000001")
    assert rewards.shares(D(100), {}) == {}


@given(
    pool=st.decimals(min_value=0, max_value=10**6, places=18, allow_nan=False, allow_infinity=False),
    proofs=st.dictionaries(st.text(min_size=1, max_size=4), st.integers(1, 50), max_size=40),
)
def test_shares_never_exceed_the_pool_and_lose_less_than_one_wei_each(pool: Decimal, proofs: dict[str, int]) -> None:
    paid = rewards.shares(pool, proofs)
    assert sum(paid.values(), D(0)) <= pool
    if proofs:
        assert pool - sum(paid.values(), D(0)) < amounts.TOKEN_QUANTUM * len(proofs)


def test_vesting_slices_start_at_the_next_aligned_epoch() -> None:
    # Fluence's Vesting.add: first = e + (period - e % period). Reward 60 in epoch 3, 2 x 6 slices:
    # 3 + (2 - 1) = 4, then 6, 8, 10, 12, 14; 10 each.
    schedule = vesting.Schedule().add(D(60), epoch=3, period=2, count=6)
    assert schedule.pending == tuple((at, D(10)) for at in (4, 6, 8, 10, 12, 14))
    # An aligned epoch does not unlock its own reward: epoch 4 starts at 6.
    assert vesting.Schedule().add(D(6), epoch=4, period=2, count=2).pending == ((6, D(3)), (8, D(3)))
    merged = schedule.add(D(6), epoch=4, period=2, count=2)
    assert merged.pending[:3] == ((4, D(10)), (6, D(13)), (8, D(13)))
    opened, due = merged.unlock(6)
    assert due == D(23)
    assert opened.unlocked == D(23)
    assert opened.locked == D(43)
    lost, forfeited = opened.forfeit()
    assert (forfeited, lost.pending, lost.unlocked) == (D(43), (), D(23))


def test_vesting_remainder_goes_to_the_last_slice() -> None:
    schedule = vesting.Schedule().add(D(100), epoch=1, period=1, count=3)
    assert [amount for _, amount in schedule.pending] == [
        D("33.333333333333333333"),
        D("33.333333333333333333"),
        D("33.333333333333333334"),
    ]
    assert schedule.locked == D(100)
    assert vesting.Schedule.from_json(schedule.to_json()) == schedule
    assert vesting.Schedule().add(D(0), epoch=1, period=1, count=3) == vesting.Schedule()
