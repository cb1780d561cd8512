"""The capacity reward pool and its split (reference 1.5, Fluence's `LibCapacityConst._setRewardPool`).

The pool is what all proving units share in one epoch, in reward tokens. Fluence re-evaluates it
when the number of active units (or the token price) changes, at most once per epoch, from the
previous epoch's value: if the pool's worth per active unit, `pool x price / activeUnits`, is above
the USD target per unit, it shrinks x0.9 (not below the minimum), otherwise it grows x1.1 (not
above the maximum). With no active unit it stands still. We evaluate at each close with the same
rule, so with a steady unit count and price the pool stays put, as it did on Fluence.

Successful units share the pool in proportion to their accepted proofs (up to the maximum each):
`pool x proofs(unit) / sum of proofs(successful units)`, rounded down; the rest is undistributed dust.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cloudless_operator.billing import amounts
from cloudless_operator.billing.settings import Settings

SHRINK = Decimal("0.9")
GROW = Decimal("1.1")


@dataclasses.dataclass(frozen=True, slots=True)
class Pool:
    value: Decimal
    """Reward tokens to share in the epoch this pool is for."""
    active_units: int
    """Units with proof duty in that epoch: Fluence's activeUnitCount."""
    token_price: Decimal
    """The USD price of the reward token the value was set with."""

    def to_json(self) -> dict[str, Any]:
        return {
            "value": amounts.text(self.value),
            "activeUnits": self.active_units,
            "tokenPrice": amounts.text(self.token_price),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Pool:
        return cls(
            value=amounts.parse(raw["value"], what="pool.value"),
            active_units=int(raw["activeUnits"]),
            token_price=amounts.parse(raw["tokenPrice"], what="pool.tokenPrice"),
        )


def initial(settings: Settings) -> Pool:
    """Before the first epoch: the initial pool, with no active unit yet."""
    return Pool(value=settings.init_reward_pool, active_units=0, token_price=settings.reward_token_price)


def next_pool(previous: Pool, *, active_units: int, settings: Settings) -> Pool:
    """The pool for an epoch with `active_units` proving, from the previous epoch's pool."""
    price = settings.reward_token_price
    unchanged = active_units == previous.active_units and price == previous.token_price
    if active_units == 0 or unchanged:
        return Pool(value=previous.value, active_units=active_units, token_price=price)
    # pool x price / units > target, compared without dividing (exact in Decimal).
    if previous.value * price > settings.target_revenue_per_unit * active_units:
        value = max(amounts.times(previous.value, SHRINK), settings.min_reward_per_epoch)
    else:
        value = min(amounts.times(previous.value, GROW), settings.max_reward_per_epoch)
    return Pool(value=value, active_units=active_units, token_price=price)


def shares(pool: Decimal, proofs: Mapping[str, int]) -> dict[str, Decimal]:
    """Each successful unit's reward: its proofs' part of all successful proofs, rounded down."""
    total = sum(proofs.values())
    if total == 0:
        return {}
    return {unit: amounts.share(pool, count, total) for unit, count in proofs.items()}
