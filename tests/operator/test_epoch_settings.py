"""Where the epoch controller's parameters come from: a profile, a JSON file, and the operator's two
shared values (one epoch length, one deposit rule), with a clear error for every conflict."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cloudless_operator.billing import configure
from cloudless_operator.billing import settings as billing
from cloudless_operator.models import settings


def test_billing_variables_are_read_from_the_environment() -> None:
    configured = settings.Settings.from_env(
        {"CLOUDLESS_BILLING_PROFILE": "local", "CLOUDLESS_BILLING_FILE": "/etc/cloudless/billing.json"}
    )
    assert (configured.billing_profile, configured.billing_file) == ("local", "/etc/cloudless/billing.json")
    assert settings.Settings().epoch_seconds is None, "no epoch length of its own: the profile's unless set"


def test_the_profile_gives_the_defaults_and_the_operator_keeps_its_deposit_rule() -> None:
    assert configure.resolve(settings.Settings(), {}) == billing.PRODUCTION
    local = configure.resolve(settings.Settings(billing_profile="local"), {})
    assert local == billing.LOCAL
    assert local.epoch_duration == 15
    ruled = configure.resolve(settings.Settings(min_deposit_epochs=3), {})
    assert ruled.min_deal_deposited_epochs == 3


def test_the_epoch_length_is_one_value_whoever_sets_it() -> None:
    assert configure.resolve(settings.Settings(epoch_seconds=4, billing_profile="local"), {}).epoch_duration == 4
    assert configure.resolve(settings.Settings(), {"epochDuration": 30}).epoch_duration == 30
    assert configure.resolve(settings.Settings(epoch_seconds=30), {"epochDuration": 30}).epoch_duration == 30
    with pytest.raises(
        billing.SettingsError, match="epochDuration: the billing file says 60 but CLOUDLESS_EPOCH_SECONDS"
    ):
        configure.resolve(settings.Settings(epoch_seconds=30), {"epochDuration": 60})
    with pytest.raises(billing.SettingsError, match=r"minDealDepositedEpochs: .* CLOUDLESS_MIN_DEPOSIT_EPOCHS is 2"):
        configure.resolve(settings.Settings(), {"minDealDepositedEpochs": 5})


def test_the_file_overrides_the_profile_by_fluence_names(tmp_path: Path) -> None:
    path = tmp_path / "billing.json"
    path.write_text(json.dumps({"slashingRate": "0.02", "minProofsPerEpoch": 1, "difficulty": "0x" + "0f" * 32}))
    resolved = configure.from_config(settings.Settings(billing_profile="local", billing_file=str(path)))
    assert resolved == dataclasses.replace(
        billing.LOCAL, slashing_rate=Decimal("0.02"), min_proofs_per_epoch=1, difficulty=int("0f" * 32, 16)
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected a JSON object of parameters, got list"),
        ("{", "not JSON"),
        ('{"slashingRate": 0.02}', "slashingRate: expected a decimal string such as '0.01', got float 0.02"),
        ('{"epochLength": 3}', "epochLength: unknown parameter"),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "billing.json"
    path.write_text(content)
    with pytest.raises(billing.SettingsError, match=message):
        configure.from_config(settings.Settings(billing_file=str(path)))


def test_a_missing_file_and_an_unknown_profile_are_named(tmp_path: Path) -> None:
    with pytest.raises(billing.SettingsError, match="cannot read the billing file"):
        configure.from_config(settings.Settings(billing_file=str(tmp_path / "absent.json")))
    with pytest.raises(
        billing.SettingsError, match="CLOUDLESS_BILLING_PROFILE: 'fast' is not one of local, production"
    ):
        configure.resolve(settings.Settings(billing_profile="fast"), {})
