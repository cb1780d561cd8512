"""A deal's epoch: top-up, the epoch's charge (`charges`), then any withdrawal the floor allows.

The Deal resource declares cumulative amounts, so a restarted controller never applies one twice:
`deposit` is everything ever deposited (a top-up is raising it; lowering it changes nothing, money
leaves only by withdrawal) and `withdrawal` everything the owner asked to take back. The ledger
keeps what it has applied of each. A withdrawal is paid only down to the floor of
`minDealDepositedEpochs x price x targetWorkers` while the deal is live, and in full once it has
been ENDED for more than `minDealDepositedEpochs` epochs (reference 3.3); the rest waits.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cloudless_operator.billing import amounts, charges
from cloudless_operator.billing.settings import Settings
from cloudless_operator.models.deal import Phase


@dataclasses.dataclass(frozen=True, slots=True)
class Terms:
    """What the Deal declares, and which units served it this epoch."""

    id: str
    price: Decimal
    min_workers: int
    target_workers: int
    units: tuple[str, ...]
    """Units with a registered worker this epoch, each paid the deal's price."""
    deposit: Decimal
    """Everything ever deposited: the spec's deposit, raised to top up."""
    withdrawal: Decimal = amounts.ZERO
    """Everything the owner has asked to withdraw."""
    stopped: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Account:
    """A deal's money as the ledger carries it between epochs."""

    balance: Decimal
    deposited: Decimal
    withdrawn: Decimal
    closed_through: int
    ended_epoch: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "balance": amounts.text(self.balance),
            "deposited": amounts.text(self.deposited),
            "withdrawn": amounts.text(self.withdrawn),
            "closedThrough": self.closed_through,
            "endedEpoch": self.ended_epoch,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Account:
        return cls(
            balance=amounts.parse(raw["balance"], what="balance"),
            deposited=amounts.parse(raw["deposited"], what="deposited"),
            withdrawn=amounts.parse(raw["withdrawn"], what="withdrawn"),
            closed_through=raw["closedThrough"],
            ended_epoch=raw["endedEpoch"],
        )


def opened(epoch: int) -> Account:
    """A deal first seen at the close of `epoch`: nothing deposited yet, billed from this epoch."""
    return Account(balance=amounts.ZERO, deposited=amounts.ZERO, withdrawn=amounts.ZERO, closed_through=epoch - 1)


@dataclasses.dataclass(frozen=True, slots=True)
class Line:
    """One deal's epoch in the ledger: what came in, what was charged, what went out, and the result."""

    terms: Terms
    account: Account
    top_up: Decimal
    charge: charges.Charge
    withdrawal: Decimal
    phase: Phase

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.terms.id,
            **self.account.to_json(),
            "price": amounts.text(self.terms.price),
            "workers": self.charge.workers,
            "topUp": amounts.text(self.top_up),
            "charged": amounts.text(self.charge.charged),
            "gap": self.charge.gap,
            "credits": {unit: amounts.text(a) for unit, a in sorted(self.charge.credits.items())},
            "withdrawal": amounts.text(self.withdrawal),
            "phase": self.phase.value,
        }


def settle(terms: Terms, account: Account, *, epoch: int, settings: Settings) -> Line:
    """Closes `epoch` for one deal."""
    top_up = max(terms.deposit - account.deposited, amounts.ZERO)
    ended_epoch = account.ended_epoch if account.ended_epoch is not None or not terms.stopped else epoch
    billed, charge = charges.close_epoch(
        charges.DealAccount(
            deal_id=terms.id,
            price=terms.price,
            min_workers=terms.min_workers,
            target_workers=terms.target_workers,
            units=terms.units,
            balance=account.balance + top_up,
            closed_through=account.closed_through,
            ended=ended_epoch is not None,
        ),
        epoch,
        settings,
    )
    released = ended_epoch is not None and epoch > ended_epoch + settings.min_deal_deposited_epochs
    floor = amounts.ZERO if released else settings.min_deal_deposited_epochs * terms.price * terms.target_workers
    asked = max(terms.withdrawal - account.withdrawn, amounts.ZERO)
    withdrawal = min(asked, max(billed.balance - floor, amounts.ZERO))
    after = dataclasses.replace(billed, balance=billed.balance - withdrawal)
    return Line(
        terms=terms,
        account=Account(
            balance=after.balance,
            deposited=max(terms.deposit, account.deposited),
            withdrawn=account.withdrawn + withdrawal,
            closed_through=epoch,
            ended_epoch=ended_epoch,
        ),
        top_up=top_up,
        charge=charge,
        withdrawal=withdrawal,
        phase=charges.phase(after, settings),
    )
