"""Capacity commitments: the state machine, and each epoch's failures, slashes and vested rewards.

One commitment per node (Fluence: per peer) covers its units and their collateral. The status is
stored and moved at each epoch close, one step at a time, so every state shows in at least one
ledger record (Fluence computed it lazily on each read; reference 1.4):

    WaitDelegation --collateral posted, seen at the close of e--> WaitStart (start = e + 2)
    WaitStart --the close before `start`--> Active
    Active --failed unit-epochs reach maxFailedRatio x units--> Failed (failedEpoch = e)
    Active --the close of its last epoch, start + duration - 1--> Inactive
    Failed --withdrawEpochsAfterFailed epochs later, no unit in a deal--> Removable
    Inactive --no unit in a deal--> Removable

A status in a record is the one in force for the epoch after it, the one running when the close
is made. Units of an Active commitment that serve no deal have proof duty; each such unit below
`minProofsPerEpoch` is one failed unit-epoch, counted here explicitly (never reconstructed from
gaps, reference 2.6) and slashed `slashingRate x collateralPerUnit`, capped at what the unit has
left. Once collateral is posted the terms are frozen, as on Fluence (units cannot be added).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cloudless_operator.billing import amounts, proofs, vesting
from cloudless_operator.billing.settings import Settings


class Status(enum.StrEnum):
    WAIT_DELEGATION = "WaitDelegation"
    WAIT_START = "WaitStart"
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    FAILED = "Failed"
    REMOVABLE = "Removable"


class InvalidSpec(ValueError):
    """A declared commitment that cannot be taken; the close keeps its previous state and says why."""


@dataclasses.dataclass(frozen=True, slots=True)
class Spec:
    """What the provider declared (the CapacityCommitment resource's spec), as the close reads it."""

    id: str
    peer_id: str
    """The node's peer id: the key that signs every proof of its units."""
    units: tuple[str, ...]
    duration: int
    """Epochs of proof duty from the start epoch."""
    staker_reward_rate: Decimal
    """The staker's part of unlocked rewards, in (0, 1]; the provider gets the rest."""
    collateral_posted: bool = False


@dataclasses.dataclass(frozen=True, slots=True)
class Commitment:
    """A commitment as the ledger carries it from one epoch to the next."""

    id: str
    peer_id: str
    units: tuple[str, ...]
    duration: int
    staker_reward_rate: Decimal
    status: Status = Status.WAIT_DELEGATION
    collateral_per_unit: Decimal = amounts.ZERO
    """In reward tokens, fixed when posted: usdCollateralPerUnit / tokenPrice, as Fluence converts it."""
    start_epoch: int | None = None
    fail_count: int = 0
    failed_epoch: int | None = None
    slashed: Mapping[str, Decimal] = dataclasses.field(default_factory=dict)
    vesting: vesting.Schedule = dataclasses.field(default_factory=vesting.Schedule)

    def collateral_left(self, unit: str) -> Decimal:
        return self.collateral_per_unit - self.slashed.get(unit, amounts.ZERO)

    def duties(self, in_deal: frozenset[str]) -> tuple[str, ...]:
        """The units that had to prove in the epoch being closed: Active, and serving no deal."""
        if self.status is not Status.ACTIVE:
            return ()
        return tuple(unit for unit in self.units if unit not in in_deal)

    def slash(self, unit: str, rate: Decimal) -> tuple[Commitment, Decimal]:
        """Takes `rate x collateralPerUnit` from `unit`, capped at what it has left."""
        amount = min(amounts.times(self.collateral_per_unit, rate), self.collateral_left(unit))
        if amount <= 0:
            return self, amounts.ZERO
        slashed = {**self.slashed, unit: self.slashed.get(unit, amounts.ZERO) + amount}
        return dataclasses.replace(self, slashed=slashed), amount

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "peer": self.peer_id,
            "units": list(self.units),
            "duration": self.duration,
            "stakerRewardRate": amounts.text(self.staker_reward_rate),
            "status": self.status.value,
            "collateralPerUnit": amounts.text(self.collateral_per_unit),
            "startEpoch": self.start_epoch,
            "failCount": self.fail_count,
            "failedEpoch": self.failed_epoch,
            "slashed": {unit: amounts.text(amount) for unit, amount in sorted(self.slashed.items())},
            "vesting": self.vesting.to_json(),
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Commitment:
        return cls(
            id=raw["id"],
            peer_id=raw["peer"],
            units=tuple(raw["units"]),
            duration=raw["duration"],
            staker_reward_rate=amounts.parse(raw["stakerRewardRate"], what="stakerRewardRate"),
            status=Status(raw["status"]),
            collateral_per_unit=amounts.parse(raw["collateralPerUnit"], what="collateralPerUnit"),
            start_epoch=raw["startEpoch"],
            fail_count=raw["failCount"],
            failed_epoch=raw["failedEpoch"],
            slashed={unit: amounts.parse(a, what=f"slashed.{unit}") for unit, a in raw["slashed"].items()},
            vesting=vesting.Schedule.from_json(raw["vesting"]),
        )


def observe(spec: Spec, known: Commitment | None, *, settings: Settings) -> Commitment:
    """The commitment as the close sees it: new or still waiting for collateral, it takes the spec's
    terms; once collateral is posted, the terms it started with stay (the spec may not change them)."""
    if known is not None and known.status is not Status.WAIT_DELEGATION:
        return known
    if not spec.units or len(set(spec.units)) != len(spec.units):
        raise InvalidSpec(f"{spec.id}: needs at least one unit, each listed once")
    if spec.duration < max(settings.min_duration, 1):
        raise InvalidSpec(f"{spec.id}: duration {spec.duration} is below the minimum of {settings.min_duration}")
    if not 0 < spec.staker_reward_rate <= 1:
        raise InvalidSpec(f"{spec.id}: stakerRewardRate must be in (0, 1], got {spec.staker_reward_rate}")
    return Commitment(
        id=spec.id,
        peer_id=spec.peer_id,
        units=spec.units,
        duration=spec.duration,
        staker_reward_rate=spec.staker_reward_rate,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class UnitLine:
    """One unit's epoch, as its ledger line shows it."""

    unit: str
    commitment: str
    duty: bool
    tally: proofs.UnitTally
    success: bool
    failed: bool
    reward: Decimal
    slash: Decimal
    """For missing the proof minimum; sample slashes are in the samples' lines."""

    def to_json(self) -> dict[str, Any]:
        """The line without the unit's collateral left, which the close adds after sample slashes."""
        return {
            "id": self.unit,
            "commitment": self.commitment,
            "duty": self.duty,
            "accepted": self.tally.accepted,
            "dropped": self.tally.dropped,
            "rejected": dict(sorted(self.tally.rejected.items())),
            "acceptedDigest": self.tally.digest,
            "success": self.success,
            "failed": self.failed,
            "reward": amounts.text(self.reward),
            "slash": amounts.text(self.slash),
        }


@dataclasses.dataclass(frozen=True, slots=True)
class Settled:
    """A commitment after one close, and what the close did to it."""

    commitment: Commitment
    units: tuple[UnitLine, ...]
    unlocked: Decimal
    forfeited: Decimal

    def to_json(self) -> dict[str, Any]:
        staker = amounts.times(self.unlocked, self.commitment.staker_reward_rate)
        return {
            **self.commitment.to_json(),
            "unlockedNow": amounts.text(self.unlocked),
            "stakerShare": amounts.text(staker),
            "providerShare": amounts.text(self.unlocked - staker),
            "forfeited": amounts.text(self.forfeited),
        }


def settle(
    known: Commitment,
    *,
    epoch: int,
    tallies: Mapping[str, proofs.UnitTally],
    rewards: Mapping[str, Decimal],
    in_deal: frozenset[str],
    posted: bool,
    settings: Settings,
) -> Settled:
    """Closes `epoch` for one commitment: failures, slashes and rewards of its units, vesting, next status."""
    current = known
    duty = set(known.duties(in_deal))
    lines = []
    earned = amounts.ZERO
    for unit in known.units:
        tally = tallies.get(unit, proofs.UnitTally())
        success = unit in duty and tally.accepted >= settings.min_proofs_per_epoch
        failed = unit in duty and not success
        slash = amounts.ZERO
        if failed:
            current, slash = current.slash(unit, settings.slashing_rate)
            current = dataclasses.replace(current, fail_count=current.fail_count + 1)
        reward = rewards.get(unit, amounts.ZERO) if success else amounts.ZERO
        earned += reward
        lines.append(UnitLine(unit, known.id, unit in duty, tally, success, failed, reward, slash))
    schedule = current.vesting.add(
        earned, epoch=epoch, period=settings.vesting_period_duration, count=settings.vesting_period_count
    )
    schedule, unlocked = schedule.unlock(epoch)
    current = dataclasses.replace(current, vesting=schedule)
    current = _advance(current, epoch=epoch, in_deal=in_deal, posted=posted, settings=settings)
    forfeited = amounts.ZERO
    if current.status is Status.FAILED and known.status is Status.ACTIVE:
        schedule, forfeited = current.vesting.forfeit()
        current = dataclasses.replace(current, vesting=schedule)
    return Settled(commitment=current, units=tuple(lines), unlocked=unlocked, forfeited=forfeited)


def _advance(c: Commitment, *, epoch: int, in_deal: frozenset[str], posted: bool, settings: Settings) -> Commitment:
    """At most one status step per close, from the status the epoch ran under."""
    serving = any(unit in in_deal for unit in c.units)
    match c.status:
        case Status.WAIT_DELEGATION if posted:
            collateral = amounts.floor(settings.collateral_per_unit / settings.reward_token_price)
            return dataclasses.replace(
                c, status=Status.WAIT_START, start_epoch=epoch + 2, collateral_per_unit=collateral
            )
        case Status.WAIT_START if c.start_epoch is not None and epoch + 1 >= c.start_epoch:
            return dataclasses.replace(c, status=Status.ACTIVE)
        case Status.ACTIVE if c.fail_count >= settings.max_failed_ratio * len(c.units):
            return dataclasses.replace(c, status=Status.FAILED, failed_epoch=epoch)
        case Status.ACTIVE if c.start_epoch is not None and epoch + 1 >= c.start_epoch + c.duration:
            return dataclasses.replace(c, status=Status.INACTIVE)
        case Status.FAILED if (
            c.failed_epoch is not None
            and epoch >= c.failed_epoch + settings.withdraw_epochs_after_failed
            and not serving
        ):
            return dataclasses.replace(c, status=Status.REMOVABLE)
        case Status.INACTIVE if not serving:
            return dataclasses.replace(c, status=Status.REMOVABLE)
    return c
