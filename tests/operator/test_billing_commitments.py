"""Capacity commitments: the status machine step by step, failures counted per unit-epoch, slashes
capped at the collateral, vesting frozen at failure; hand-computed with Fluence's local parameters."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from cloudless_operator.billing import commitments, proofs
from cloudless_operator.billing.commitments import Status
from cloudless_operator.billing.settings import LOCAL

D = Decimal
S = dataclasses.replace(LOCAL, max_failed_ratio=2, min_duration=1)
"""LOCAL: min 2 proofs, slash 1% of 0.1 FLT collateral (0.1 USD at 1 USD), vesting 3 x 6, wait 2 after failure."""
SPEC = commitments.Spec("node-a", "12D3KooWpeer", ("u0", "u1"), duration=3, staker_reward_rate=D("0.2"))


def close(
    c: commitments.Commitment,
    epoch: int,
    *,
    accepted: dict[str, int] | None = None,
    rewards: dict[str, Decimal] | None = None,
    in_deal: frozenset[str] = frozenset(),
    posted: bool = True,
) -> commitments.Settled:
    tallies = {unit: proofs.UnitTally(accepted=n) for unit, n in (accepted or {}).items()}
    return commitments.settle(
        c, epoch=epoch, tallies=tallies, rewards=rewards or {}, in_deal=in_deal, posted=posted, settings=S
    )


def active() -> commitments.Commitment:
    """Posted at the close of epoch 2: WaitStart for epoch 3, Active from epoch 4 to 6."""
    waiting = close(commitments.observe(SPEC, None, settings=S), 2).commitment
    return close(waiting, 3).commitment


def test_from_wait_delegation_to_inactive_one_step_per_close() -> None:
    c = commitments.observe(SPEC, None, settings=S)
    assert c.status is Status.WAIT_DELEGATION
    assert close(c, 1, posted=False).commitment.status is Status.WAIT_DELEGATION
    waiting = close(c, 2).commitment
    assert (waiting.status, waiting.start_epoch, waiting.collateral_per_unit) == (Status.WAIT_START, 4, D("0.1"))
    assert waiting.duties(frozenset()) == ()
    started = close(waiting, 3).commitment
    assert started.status is Status.ACTIVE
    assert started.duties(frozenset({"u1"})) == ("u0",)
    c = started
    for epoch in (4, 5):
        c = close(c, epoch, accepted={"u0": 2, "u1": 2}).commitment
        assert c.status is Status.ACTIVE
    ended = close(c, 6, accepted={"u0": 2, "u1": 2}).commitment
    assert ended.status is Status.INACTIVE
    assert ended.fail_count == 0
    assert close(ended, 7, in_deal=frozenset({"u0"})).commitment.status is Status.INACTIVE
    assert close(ended, 7).commitment.status is Status.REMOVABLE


def test_each_unit_below_the_minimum_is_one_failure_and_one_slash() -> None:
    settled = close(active(), 4, accepted={"u0": 3, "u1": 1})
    lines = {line.unit: line for line in settled.units}
    assert (lines["u0"].success, lines["u0"].failed, lines["u0"].slash) == (True, False, D(0))
    # 1% of 0.1 FLT.
    assert (lines["u1"].success, lines["u1"].failed, lines["u1"].slash) == (False, True, D("0.001"))
    assert settled.commitment.fail_count == 1
    assert settled.commitment.collateral_left("u1") == D("0.099")
    # A unit serving a deal has no duty: no failure without proofs.
    in_deal = close(active(), 4, accepted={"u0": 2}, in_deal=frozenset({"u1"}))
    assert in_deal.commitment.fail_count == 0
    assert [line.duty for line in in_deal.units] == [True, False]


def test_failing_at_the_ratio_forfeits_unvested_rewards_then_waits_to_be_removable() -> None:
    # Two units, maxFailedRatio 2: the fourth failed unit-epoch fails the commitment.
    first = close(active(), 4, accepted={"u0": 2}, rewards={"u0": D(30)})
    # Reward of epoch 4, 3 x 6: slices of 5 at 6, 9, ..., 21.
    assert first.commitment.vesting.pending == tuple((at, D(5)) for at in (6, 9, 12, 15, 18, 21))
    assert (first.commitment.status, first.commitment.fail_count) == (Status.ACTIVE, 1)
    second = close(first.commitment, 5, accepted={"u0": 1, "u1": 1})
    assert (second.commitment.status, second.commitment.fail_count) == (Status.ACTIVE, 3)
    failed = close(second.commitment, 6, accepted={"u0": 2, "u1": 0})
    assert (failed.commitment.status, failed.commitment.failed_epoch) == (Status.FAILED, 6)
    # The slice due at 6 unlocked before the failure; the other five are lost.
    assert (failed.unlocked, failed.forfeited) == (D(5), D(25))
    assert failed.commitment.vesting.pending == ()
    # withdrawEpochsAfterFailed 2: Removable from the close of epoch 8, and only with no unit in a deal.
    c = failed.commitment
    assert close(c, 7).commitment.status is Status.FAILED
    assert close(c, 8, in_deal=frozenset({"u1"})).commitment.status is Status.FAILED
    assert close(c, 8).commitment.status is Status.REMOVABLE
    # A failed commitment's units have no duty, so no more failures or slashes.
    assert close(c, 7).commitment.fail_count == 4


def test_slashes_are_capped_at_the_collateral_left() -> None:
    harsh = dataclasses.replace(S, slashing_rate=D("0.4"), max_failed_ratio=100)
    c = active()
    slashes = []
    for epoch in range(4, 8):
        c = dataclasses.replace(c, status=Status.ACTIVE)
        settled = commitments.settle(
            c, epoch=epoch, tallies={}, rewards={}, in_deal=frozenset({"u1"}), posted=True, settings=harsh
        )
        slashes.append(settled.units[0].slash)
        c = settled.commitment
    assert slashes == [D("0.04"), D("0.04"), D("0.02"), D(0)]
    assert c.collateral_left("u0") == D(0)
    assert c.slashed == {"u0": D("0.1")}


def test_unlocked_rewards_split_with_the_staker() -> None:
    c = close(active(), 4, accepted={"u0": 2, "u1": 2}, rewards={"u0": D(30), "u1": D(30)}).commitment
    settled = close(c, 5, accepted={"u0": 2, "u1": 2})
    assert settled.unlocked == D(0)
    settled = close(settled.commitment, 6, accepted={"u0": 2, "u1": 2})
    line = settled.to_json()
    # Slice of 60 / 6 = 10 unlocks at 6; the staker's 20% is 2.
    assert (line["unlockedNow"], line["stakerShare"], line["providerShare"]) == ("10", "2", "8")


def test_terms_freeze_once_collateral_is_posted_and_bad_specs_are_refused() -> None:
    c = active()
    assert commitments.observe(dataclasses.replace(SPEC, units=("u0",)), c, settings=S) is c
    waiting = commitments.observe(SPEC, None, settings=S)
    assert commitments.observe(dataclasses.replace(SPEC, duration=9), waiting, settings=S).duration == 9
    for bad, message in [
        ({"units": ()}, "at least one unit"),
        ({"units": ("u0", "u0")}, "each listed once"),
        ({"duration": 0}, "below the minimum"),
        ({"staker_reward_rate": D(0)}, "stakerRewardRate"),
    ]:
        with pytest.raises(commitments.InvalidSpec, match=message):
            commitments.observe(dataclasses.replace(SPEC, **bad), None, settings=S)  # type: ignore[arg-type]


def test_commitments_round_trip_through_their_ledger_form() -> None:
    c = close(close(active(), 4, accepted={"u0": 2}, rewards={"u0": D("1.5")}).commitment, 5).commitment
    assert commitments.Commitment.from_json(c.to_json()) == c
