"""Operator settings: the marketplace parameters every pure layer reads, in one frozen value.

Defaults follow the Fluence figures in shared/reference/fluence-market.md (2 epochs of prepaid
deposit). `from_env` reads `CLOUDLESS_*` variables so the Helm chart and the local demo configure
the operator the same way. The economic parameters of epochs (`billing.settings.Settings`) are
resolved from these by `billing.configure`: a profile, a file of Fluence-named overrides, and the
two values the matcher shares with billing, the epoch length and the deposit rule, which exist
once, here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from cloudless_operator.models import errors


@dataclasses.dataclass(frozen=True, slots=True)
class Settings:
    epoch_seconds: int | None = None
    """The epoch length (billing's `epochDuration`); None takes the billing profile's or file's."""
    min_deposit_epochs: int = 2
    """A deal's deposit must cover this many epochs of targetWorkers; below it the balance is SMALL
    (billing's `minDealDepositedEpochs`)."""
    units_per_node: int | None = None
    """`cloudless cu sync` creates at most this many units per node (None: as many as capacity holds)."""
    namespace: str = "cloudless-system"
    """The operator's own namespace: node key Secrets and prover pods live there (the chart's release namespace)."""
    data_dir: str | None = None
    """Where the operator keeps epoch data (ledger, challenge, proofs, step records); None turns epochs off:
    no ledger, no provers, no step records."""
    node_data_dir: str | None = None
    """The same folder as a hostPath on the nodes (defaults to `data_dir`: one machine, or a shared mount)."""
    billing_profile: str = "production"
    """The economic parameters' defaults: `production` (Fluence's kras) or `local` (short epochs, easy proofs)."""
    billing_file: str | None = None
    """A JSON object of Fluence-named parameters overriding the profile (`billing.configure`)."""

    def __post_init__(self) -> None:
        if (self.epoch_seconds is not None and self.epoch_seconds < 1) or self.min_deposit_epochs < 1:
            raise ValueError(f"epoch_seconds and min_deposit_epochs must be positive: {self}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Settings from `CLOUDLESS_EPOCH_SECONDS`, `CLOUDLESS_MIN_DEPOSIT_EPOCHS`, `CLOUDLESS_UNITS_PER_NODE`,
        `CLOUDLESS_NAMESPACE`, `CLOUDLESS_DATA_DIR`, `CLOUDLESS_NODE_DATA_DIR`, `CLOUDLESS_BILLING_PROFILE` and
        `CLOUDLESS_BILLING_FILE`."""
        values: dict[str, int | str] = {}
        for field, variable in (
            ("epoch_seconds", "CLOUDLESS_EPOCH_SECONDS"),
            ("min_deposit_epochs", "CLOUDLESS_MIN_DEPOSIT_EPOCHS"),
            ("units_per_node", "CLOUDLESS_UNITS_PER_NODE"),
        ):
            text = environ.get(variable)
            if text is None:
                continue
            try:
                values[field] = int(text)
            except ValueError:
                raise errors.MalformedBody(variable, f"expected an integer, got {text!r}") from None
        for field, variable in (
            ("namespace", "CLOUDLESS_NAMESPACE"),
            ("data_dir", "CLOUDLESS_DATA_DIR"),
            ("node_data_dir", "CLOUDLESS_NODE_DATA_DIR"),
            ("billing_profile", "CLOUDLESS_BILLING_PROFILE"),
            ("billing_file", "CLOUDLESS_BILLING_FILE"),
        ):
            if environ.get(variable):
                values[field] = environ[variable]
        if "node_data_dir" not in values and "data_dir" in values:
            values["node_data_dir"] = values["data_dir"]
        return cls(**values)  # type: ignore[arg-type]
