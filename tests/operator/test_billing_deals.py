"""A deal's epoch with its owner's money moves: top-ups by raising the deposit, withdrawals down to the
two-epoch floor while live and in full after ENDED plus minDealDepositedEpochs; hand-computed."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from cloudless_operator.billing import deals
from cloudless_operator.billing.settings import LOCAL
from cloudless_operator.models.deal import Phase

D = Decimal
TERMS = deals.Terms("d", price=D("0.33"), min_workers=1, target_workers=2, units=("a", "b"), deposit=D(2))
"""Floor: 2 epochs x 0.33 x 2 target workers = 1.32."""


def run(changes: dict[int, dict[str, object]], epochs: range) -> list[deals.Line]:
    account, terms, lines = deals.opened(epochs.start), TERMS, []
    for epoch in epochs:
        terms = dataclasses.replace(terms, **changes.get(epoch, {}))  # type: ignore[arg-type]
        line = deals.settle(terms, account, epoch=epoch, settings=LOCAL)
        account = line.account
        lines.append(line)
    return lines


def test_top_up_charge_and_withdrawal_down_to_the_floor() -> None:
    lines = run({2: {"withdrawal": D(1)}, 3: {"deposit": D(4)}, 4: {"deposit": D(1)}}, range(1, 5))
    summary = [(line.top_up, line.charge.charged, line.withdrawal, line.account.balance, line.phase) for line in lines]
    assert summary == [
        (D(2), D("0.66"), D(0), D("1.34"), Phase.ACTIVE),
        # 0.68 left is below the 1.32 floor: the withdrawal waits.
        (D(0), D("0.66"), D(0), D("0.68"), Phase.SMALL_BALANCE),
        # +2, -0.66 = 2.02; 0.70 above the floor goes out of the 1 asked.
        (D(2), D("0.66"), D("0.70"), D("1.32"), Phase.ACTIVE),
        # Lowering the deposit takes nothing back.
        (D(0), D("0.66"), D(0), D("0.66"), Phase.SMALL_BALANCE),
    ]
    assert (lines[-1].account.deposited, lines[-1].account.withdrawn) == (D(4), D("0.70"))


def test_an_ended_deal_is_not_charged_and_its_floor_is_released_later() -> None:
    lines = run({2: {"withdrawal": D(10)}, 3: {"stopped": True}}, range(1, 8))
    assert [line.phase for line in lines[2:]] == [Phase.ENDED] * 5
    assert all(line.charge.gap for line in lines[2:])
    assert lines[-1].account.ended_epoch == 3
    # Epoch 1: 1.34; epoch 2: 0.68, below the floor. Ended at 3: the floor holds through 3 + 2 = 5,
    # and at 6 everything left goes out.
    assert [line.withdrawal for line in lines] == [D(0)] * 5 + [D("0.68"), D(0)]
    assert lines[-1].account.balance == D(0)


def test_money_is_conserved_across_top_ups_charges_and_withdrawals() -> None:
    lines = run(
        {2: {"withdrawal": D("0.1")}, 3: {"deposit": D(5)}, 5: {"stopped": True, "withdrawal": D(9)}}, range(1, 10)
    )
    paid_in = sum((line.top_up for line in lines), D(0))
    paid_out = sum((line.charge.charged + line.withdrawal for line in lines), D(0))
    assert paid_in - paid_out == lines[-1].account.balance
    assert deals.Account.from_json(lines[-1].account.to_json()) == lines[-1].account
