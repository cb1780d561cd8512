"""Where the epoch controller's economic parameters come from: a profile, a file, and two operator settings.

In order, later winning: the profile (`production`, Fluence's kras defaults with 1-day epochs, or
`local`, Fluence's local network with 15 s epochs and an easy puzzle); a JSON object of
Fluence-named parameters (`Settings.from_mapping`, the file the chart or the demo mounts); then
the two values the operator's matcher uses too, which exist once, in `models.settings`: the
epoch length (`CLOUDLESS_EPOCH_SECONDS`, when set) and the deposit rule
(`CLOUDLESS_MIN_DEPOSIT_EPOCHS`). A file that names either with another value is refused rather
than silently overridden: there is one epoch length, not two.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Mapping

from cloudless_operator.billing import settings
from cloudless_operator.models import settings as operator_settings

PROFILES = {"production": settings.PRODUCTION, "local": settings.LOCAL}


def resolve(config: operator_settings.Settings, overrides: Mapping[str, object]) -> settings.Settings:
    """The billing settings for `config` with the file's `overrides`; SettingsError names what is wrong."""
    base = PROFILES.get(config.billing_profile)
    if base is None:
        raise settings.SettingsError(
            f"CLOUDLESS_BILLING_PROFILE: {config.billing_profile!r} is not one of {', '.join(sorted(PROFILES))}"
        )
    pinned: dict[str, object] = {"minDealDepositedEpochs": config.min_deposit_epochs}
    if config.epoch_seconds is not None:
        pinned["epochDuration"] = config.epoch_seconds
    variables = {"minDealDepositedEpochs": "CLOUDLESS_MIN_DEPOSIT_EPOCHS", "epochDuration": "CLOUDLESS_EPOCH_SECONDS"}
    for key, value in pinned.items():
        if key in overrides and overrides[key] != value:
            raise settings.SettingsError(
                f"{key}: the billing file says {overrides[key]!r} but {variables[key]} is {value!r}; "
                "set it in one place"
            )
    return settings.Settings.from_mapping(pinned, base=settings.Settings.from_mapping(overrides, base=base))


def read_file(path: pathlib.Path) -> dict[str, object]:
    """The overrides in a JSON file: an object keyed by Fluence's parameter names."""
    try:
        loaded = json.loads(path.read_text())
    except OSError as e:
        raise settings.SettingsError(f"{path}: cannot read the billing file: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise settings.SettingsError(f"{path}: not JSON: {e}") from None
    if not isinstance(loaded, dict):
        raise settings.SettingsError(f"{path}: expected a JSON object of parameters, got {type(loaded).__name__}")
    return loaded


def from_config(config: operator_settings.Settings) -> settings.Settings:
    """`resolve` with the overrides of `config.billing_file`, if any."""
    overrides = {} if config.billing_file is None else read_file(pathlib.Path(config.billing_file))
    return resolve(config, overrides)
