"""Every economic parameter in one frozen object, so an epoch's record can snapshot exactly what it used.

Defaults are Fluence's "kras" deployment (the 2024 mainnet candidate, 1-day epochs); `LOCAL` is
Fluence's local-network profile (15 s epochs) for tests and demos. Money and ratios are `Decimal`.
The last three parameters (puzzle algorithm, samples per subnet, sample slash rate) are cloudless
extensions with no Fluence counterpart; docs/epochs.md explains their defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from cloudless_runtime.prover import puzzle

DIFFICULTY_BITS = 256
KRAS_DIFFICULTY = int("0000241f" + "f" * 56, 16)
"""Fluence's testnet and kras target: about 464,000 hashes per proof on average."""
LOCAL_DIFFICULTY = int("0000" + "f" * 60, 16)
"""One hash in 65,536 meets it: a few tens of milliseconds of sha256 per proof. Fluence's local network
used 0x00000000ff…ff with a mocked RandomX (a proof was the target itself); our puzzle is real, so
the local target is one a CPython prover meets within a short epoch."""


class SettingsError(ValueError):
    """A parameter is missing its type, out of range or unknown; the message names the key."""


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    """Fluence's parameter table (reference 1.6), with our names; `from_mapping` takes Fluence's spelling."""

    epoch_duration: int = 86_400
    """Seconds per epoch: 1 day in production, seconds in tests."""
    init_timestamp: int = 0
    """Unix time at which epoch 1 starts."""
    min_proofs_per_epoch: int = 30
    max_proofs_per_epoch: int = 50
    difficulty: int = KRAS_DIFFICULTY
    """A proof's hash, read as a 256-bit big-endian number, must be at most this."""
    init_reward_pool: Decimal = Decimal(500)
    min_reward_per_epoch: Decimal = Decimal(100)
    max_reward_per_epoch: Decimal = Decimal(1000)
    target_revenue_per_unit: Decimal = Decimal("0.33")
    """USD per ComputeUnit per epoch the reward pool drifts toward."""
    reward_token_price: Decimal = Decimal("0.5")
    """USD per reward token, which Fluence took from an oracle."""
    collateral_per_unit: Decimal = Decimal(1)
    slashing_rate: Decimal = Decimal(0)
    """Fraction of one unit's collateral lost per failed unit-epoch (kras and mainnet start at 0)."""
    max_failed_ratio: int = 4
    """A commitment fails once its failed unit-epochs reach this many times its unit count."""
    vesting_period_duration: int = 2
    vesting_period_count: int = 6
    min_duration: int = 5
    withdraw_epochs_after_failed: int = 0
    min_deal_deposited_epochs: int = 2
    """Epochs of `price x targetWorkers` a deal must hold: below it the deal shows SMALL_BALANCE."""
    min_deal_rematching_epochs: int = 2
    proof_algorithm: str = "sha256"
    """The capacity puzzle's hash (`cloudless_runtime.prover.puzzle.ALGORITHMS`); tune `difficulty` with it."""
    samples_per_subnet: int = 3
    """Executed particle steps re-verified per subnet per epoch."""
    sample_slash_rate: Decimal = Decimal("0.05")
    """Fraction of one unit's collateral lost per failed processing sample, of any non-ok verdict."""

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "proof_algorithm":
                try:
                    puzzle.check_algorithm(value)
                except puzzle.UnknownAlgorithm as e:
                    raise SettingsError(f"proof_algorithm: {e}") from None
            elif isinstance(value, Decimal):
                if not value.is_finite() or value < 0:
                    raise SettingsError(f"{field.name}: must be a finite non-negative decimal, got {value}")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise SettingsError(f"{field.name}: must be a non-negative integer, got {value!r}")
        positive = ("epoch_duration", "max_proofs_per_epoch", "vesting_period_duration", "vesting_period_count")
        for name in positive:
            if getattr(self, name) == 0:
                raise SettingsError(f"{name}: must be at least 1")
        if self.min_proofs_per_epoch > self.max_proofs_per_epoch:
            raise SettingsError(
                f"min_proofs_per_epoch ({self.min_proofs_per_epoch}) exceeds max_proofs_per_epoch "
                f"({self.max_proofs_per_epoch})"
            )
        if self.min_reward_per_epoch > self.max_reward_per_epoch:
            raise SettingsError(
                f"min_reward_per_epoch ({self.min_reward_per_epoch}) exceeds max_reward_per_epoch "
                f"({self.max_reward_per_epoch})"
            )
        if not 0 < self.difficulty < 2**DIFFICULTY_BITS:
            raise SettingsError(f"difficulty: must be a 256-bit target above zero, got {self.difficulty:#x}")
        for name in ("slashing_rate", "sample_slash_rate"):
            if getattr(self, name) > 1:
                raise SettingsError(f"{name}: is a fraction of the collateral, at most 1, got {getattr(self, name)}")
        if self.reward_token_price == 0:
            raise SettingsError("reward_token_price: must be above zero, the reward pool divides by it")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, object], *, base: Settings | None = None) -> Settings:
        """`base` (production defaults if None) overridden by `mapping`, keyed by Fluence's camelCase names.

        Money and ratios must be decimal strings or integers: a float would already have lost the
        exact value the operator wrote, so it is refused rather than rounded.
        """
        changes: dict[str, object] = {}
        for key, value in mapping.items():
            name = _NAMES.get(key)
            if name is None:
                raise SettingsError(f"{key}: unknown parameter; known: {', '.join(sorted(_NAMES))}")
            changes[name] = _parse(key, name, value)
        return dataclasses.replace(PRODUCTION if base is None else base, **changes)  # type: ignore[arg-type]

    def to_mapping(self) -> dict[str, str | int]:
        """The parameters under Fluence's names, as the ledger's `params` snapshot; Decimals as strings."""
        out: dict[str, str | int] = {}
        for key, name in _NAMES.items():
            value = getattr(self, name)
            if name == "difficulty":
                out[key] = f"{value:#066x}"
            else:
                out[key] = str(value) if isinstance(value, Decimal) else value
        return out


def _parse(key: str, name: str, value: object) -> int | Decimal | str:
    kind = _FIELD_TYPES[name]
    if kind == "str":
        if not isinstance(value, str):
            raise SettingsError(f"{key}: expected {_describe(kind)}, got {type(value).__name__} {value!r}")
        return value
    if isinstance(value, bool | float):
        raise SettingsError(f"{key}: expected {_describe(kind)}, got {type(value).__name__} {value!r}")
    if name == "difficulty" and isinstance(value, str):
        try:
            return int(value, 16)
        except ValueError:
            raise SettingsError(f"{key}: expected a hex target such as '0x0000241f…', got {value!r}") from None
    if kind == "int":
        if isinstance(value, int):
            return value
        raise SettingsError(f"{key}: expected {_describe(kind)}, got {type(value).__name__} {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise SettingsError(f"{key}: expected {_describe(kind)}, got {value!r}") from None
    raise SettingsError(f"{key}: expected {_describe(kind)}, got {type(value).__name__} {value!r}")


def _describe(kind: str) -> str:
    return {"int": "an integer", "str": "a name such as 'sha256'"}.get(kind, "a decimal string such as '0.01'")


_NAMES = {
    "epochDuration": "epoch_duration",
    "initTimestamp": "init_timestamp",
    "minProofsPerEpoch": "min_proofs_per_epoch",
    "maxProofsPerEpoch": "max_proofs_per_epoch",
    "difficulty": "difficulty",
    "initRewardPool": "init_reward_pool",
    "minRewardPerEpoch": "min_reward_per_epoch",
    "maxRewardPerEpoch": "max_reward_per_epoch",
    "usdTargetRevenuePerEpoch": "target_revenue_per_unit",
    "fltPrice": "reward_token_price",
    "usdCollateralPerUnit": "collateral_per_unit",
    "slashingRate": "slashing_rate",
    "maxFailedRatio": "max_failed_ratio",
    "vestingPeriodDuration": "vesting_period_duration",
    "vestingPeriodCount": "vesting_period_count",
    "minDuration": "min_duration",
    "withdrawEpochsAfterFailed": "withdraw_epochs_after_failed",
    "minDealDepositedEpochs": "min_deal_deposited_epochs",
    "minDealRematchingEpochs": "min_deal_rematching_epochs",
    # cloudless extensions
    "proofAlgorithm": "proof_algorithm",
    "samplesPerSubnet": "samples_per_subnet",
    "sampleSlashRate": "sample_slash_rate",
}
"""Fluence's camelCase names (then ours for the extensions), in the order a record's `params` lists them."""
_FIELD_TYPES = {
    field.name: {Decimal: "decimal", str: "str"}.get(field.default.__class__, "int")
    for field in dataclasses.fields(Settings)
}

PRODUCTION = Settings()
LOCAL = Settings(
    epoch_duration=15,
    min_proofs_per_epoch=2,
    max_proofs_per_epoch=5,
    difficulty=LOCAL_DIFFICULTY,
    init_reward_pool=Decimal(10),
    min_reward_per_epoch=Decimal(100),
    max_reward_per_epoch=Decimal(200),
    target_revenue_per_unit=Decimal("0.3"),
    reward_token_price=Decimal(1),
    collateral_per_unit=Decimal("0.1"),
    slashing_rate=Decimal("0.01"),
    max_failed_ratio=10,
    vesting_period_duration=3,
    vesting_period_count=6,
    min_duration=10,
    withdraw_epochs_after_failed=2,
)
"""Fluence's local network (`script/Deploy.s.sol` local defaults), the profile for tests and the demo."""
