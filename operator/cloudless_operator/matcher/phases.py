"""A deal's phase, with Fluence's precedence: ENDED > INSUFFICIENT_FUNDS > SMALL_BALANCE > NOT_ENOUGH_WORKERS > ACTIVE.

Funding follows Fluence's deal contract, adapted to a deal that is not billed until it first runs:
- before its first billed epoch a deal must hold `min_deposit_epochs` x targetWorkers x price, or it
  is INSUFFICIENT_FUNDS and nothing is reserved for it (Fluence refuses such a deposit at creation);
- once billed, it is INSUFFICIENT_FUNDS when the balance cannot pay one more epoch of its workers
  (Fluence: currentEpoch > maxPaidEpoch), and SMALL_BALANCE, a warning, when it holds less than
  `min_deposit_epochs` x targetWorkers x price.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from cloudless_operator.models import deal, settings


@dataclasses.dataclass(frozen=True, slots=True)
class Funding:
    """Whether a deal may run, as the `Funded` condition shows it."""

    sufficient: bool
    small: bool
    reason: str
    message: str


def minimum_balance(order: deal.Deal, config: settings.Settings) -> Decimal:
    """What a deal must hold to be comfortable: min_deposit_epochs x targetWorkers x price."""
    return config.min_deposit_epochs * order.target_workers * order.price


def funding(order: deal.Deal, *, balance: Decimal, billed: bool, workers: int, config: settings.Settings) -> Funding:
    """The funding verdict for `order` holding `balance`; `billed` says whether any epoch was charged yet."""
    floor = minimum_balance(order, config)
    if not billed and balance < floor:
        return Funding(
            sufficient=False,
            small=True,
            reason="DepositBelowMinimum",
            message=(
                f"deposit {balance} is below {config.min_deposit_epochs} epochs x {order.target_workers} workers"
                f" x {order.price} = {floor}; nothing is reserved until the deposit covers it"
            ),
        )
    epoch_cost = max(workers, 1) * order.price
    if billed and balance < epoch_cost:
        return Funding(
            sufficient=False,
            small=True,
            reason="BalanceExhausted",
            message=f"balance {balance} cannot pay the next epoch of {max(workers, 1)} workers ({epoch_cost})",
        )
    if balance < floor:
        return Funding(
            sufficient=True,
            small=True,
            reason="SmallBalance",
            message=f"balance {balance} is below {config.min_deposit_epochs} epochs of {order.target_workers} workers:"
            f" {floor}",
        )
    return Funding(
        sufficient=True, small=False, reason="DepositSufficient", message=f"balance {balance} covers {floor}"
    )


def phase(order: deal.Deal, *, funds: Funding, workers: int) -> deal.Phase:
    """The first phase of Fluence's precedence that holds."""
    if order.stopped:
        return deal.Phase.ENDED
    if not funds.sufficient:
        return deal.Phase.INSUFFICIENT_FUNDS
    if funds.small:
        return deal.Phase.SMALL_BALANCE
    if workers < order.min_workers:
        return deal.Phase.NOT_ENOUGH_WORKERS
    return deal.Phase.ACTIVE
