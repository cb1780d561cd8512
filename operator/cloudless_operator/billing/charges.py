"""Per-epoch billing of deals (reference 3.2 and 3.3), computed eagerly at each epoch close.

Fluence charged lazily over many epochs at once; we close one epoch at a time, which gives the same
amounts and lets the ledger record each epoch's charge explicitly instead of reconstructing it.
A deal pays `price x workers` for an epoch only if it has at least `minWorkers` and its balance
covers the whole epoch; otherwise the epoch is a gap, unpaid to everyone. Money only moves from the
deal's balance to the serving units, so the total is conserved.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from cloudless_operator.billing.settings import Settings
from cloudless_operator.models.deal import Phase


@dataclasses.dataclass(frozen=True, slots=True)
class DealAccount:
    """What billing needs of a deal: its terms, its serving units and its balance after `closed_through`."""

    deal_id: str
    price: Decimal
    """Per worker per epoch, in the payment token."""
    min_workers: int
    target_workers: int
    units: tuple[str, ...]
    """The ComputeUnits with a registered worker: each is paid the deal's price per epoch."""
    balance: Decimal
    closed_through: int
    """The last epoch already billed; the next close must be for the epoch after it."""
    ended: bool = False

    def __post_init__(self) -> None:
        if not self.price.is_finite() or self.price <= 0:
            raise ValueError(f"{self.deal_id}: price must be above zero, got {self.price}")
        if not self.balance.is_finite() or self.balance < 0:
            raise ValueError(f"{self.deal_id}: balance must be non-negative, got {self.balance}")
        if not 0 < self.min_workers <= self.target_workers:
            raise ValueError(f"{self.deal_id}: need 0 < minWorkers <= targetWorkers")
        if len(set(self.units)) != len(self.units):
            raise ValueError(f"{self.deal_id}: a unit serves a deal once")

    @property
    def epoch_cost(self) -> Decimal:
        """What one epoch costs with the current workers."""
        return self.price * len(self.units)


@dataclasses.dataclass(frozen=True, slots=True)
class Charge:
    """One deal's line in an epoch's ledger record."""

    deal_id: str
    epoch: int
    workers: int
    charged: Decimal
    gap: bool
    credits: dict[str, Decimal]
    """Per serving unit, what its provider earned this epoch; sums to `charged`."""
    balance: Decimal
    phase: Phase


def phase(account: DealAccount, settings: Settings) -> Phase:
    """Fluence's `getStatus` precedence: ended, cannot pay the next epoch, below the floor, too few workers.

    INSUFFICIENT_FUNDS needs billing to be on (enough workers), as Fluence's `maxPaidEpoch != 0`;
    SMALL_BALANCE compares with `minDealDepositedEpochs x price x targetWorkers`, as the contract does.
    """
    billing = len(account.units) >= account.min_workers
    if account.ended:
        return Phase.ENDED
    if billing and account.balance < account.epoch_cost:
        return Phase.INSUFFICIENT_FUNDS
    if account.balance < settings.min_deal_deposited_epochs * account.price * account.target_workers:
        return Phase.SMALL_BALANCE
    if not billing:
        return Phase.NOT_ENOUGH_WORKERS
    return Phase.ACTIVE


def close_epoch(account: DealAccount, epoch: int, settings: Settings) -> tuple[DealAccount, Charge]:
    """Bill `account` for `epoch`, which must be the one after `closed_through`, and say its new phase.

    Epochs are billed strictly in order so a replayed close is refused here, not charged twice;
    idempotence across restarts is the ledger's job (an epoch's record is written once).
    """
    if epoch != account.closed_through + 1:
        raise ValueError(f"{account.deal_id}: epoch {epoch} does not follow {account.closed_through}")
    pays = not account.ended and len(account.units) >= account.min_workers and account.balance >= account.epoch_cost
    charged = account.epoch_cost if pays else Decimal(0)
    after = dataclasses.replace(account, balance=account.balance - charged, closed_through=epoch)
    charge = Charge(
        deal_id=account.deal_id,
        epoch=epoch,
        workers=len(account.units),
        charged=charged,
        gap=not pays,
        credits={unit: account.price for unit in account.units} if pays else {},
        balance=after.balance,
        phase=phase(after, settings),
    )
    return after, charge
