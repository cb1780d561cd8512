"""Settings and the epoch clock: Fluence's defaults, clear parse errors, and the epoch formula."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cloudless_operator.billing import epochs, settings


def test_production_defaults_are_fluence_kras() -> None:
    params = settings.PRODUCTION.to_mapping()
    assert params["epochDuration"] == 86_400
    assert (params["minProofsPerEpoch"], params["maxProofsPerEpoch"]) == (30, 50)
    assert params["difficulty"] == "0x0000241f" + "f" * 56
    assert settings.LOCAL.epoch_duration == 15
    # Our extensions: a real puzzle (local target one hash in 65,536), samples and their price.
    assert settings.LOCAL.difficulty == (1 << 240) - 1
    assert (params["proofAlgorithm"], params["samplesPerSubnet"], params["sampleSlashRate"]) == ("sha256", 3, "0.05")


def test_from_mapping_round_trips_and_overrides() -> None:
    parsed = settings.Settings.from_mapping(settings.LOCAL.to_mapping())
    assert parsed == settings.LOCAL
    custom = settings.Settings.from_mapping({"epochDuration": 2, "slashingRate": "0.05"}, base=settings.LOCAL)
    assert custom.epoch_duration == 2
    assert custom.slashing_rate == Decimal("0.05")


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"slashingRate": 0.01}, "slashingRate: expected a decimal string"),
        ({"epochDuration": "15"}, "epochDuration: expected an integer"),
        ({"epochDuration": True}, "epochDuration: expected an integer"),
        ({"epochLength": 15}, "epochLength: unknown parameter"),
        ({"difficulty": "0xzz"}, "difficulty: expected a hex target"),
        ({"slashingRate": "lots"}, "slashingRate: expected a decimal string"),
        ({"slashingRate": "1.5"}, "slashing_rate: is a fraction"),
        ({"minProofsPerEpoch": 9, "maxProofsPerEpoch": 3}, "min_proofs_per_epoch (9) exceeds"),
        ({"epochDuration": 0}, "epoch_duration: must be at least 1"),
        ({"initRewardPool": "-1"}, "init_reward_pool: must be a finite non-negative"),
        ({"proofAlgorithm": "randomx"}, "proof_algorithm: unknown puzzle algorithm 'randomx'"),
        ({"proofAlgorithm": 1}, "proofAlgorithm: expected a name"),
        ({"sampleSlashRate": "2"}, "sample_slash_rate: is a fraction"),
        ({"samplesPerSubnet": "3"}, "samplesPerSubnet: expected an integer"),
    ],
)
def test_from_mapping_errors_name_the_key(mapping: dict[str, object], message: str) -> None:
    with pytest.raises(settings.SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings.Settings.from_mapping(mapping)


def test_epoch_number_follows_fluence_formula() -> None:
    assert epochs.epoch_number(1000, 15, 1000) == 1
    assert epochs.epoch_number(1000, 15, 1014.9) == 1
    assert epochs.epoch_number(1000, 15, 1015) == 2
    assert epochs.window(1000, 15, 2) == epochs.Window(epoch=2, start=1015, end=1030)
    with pytest.raises(ValueError, match="before the first epoch"):
        epochs.epoch_number(1000, 15, 999)
    with pytest.raises(ValueError, match="numbered from 1"):
        epochs.window(1000, 15, 0)
    with pytest.raises(ValueError, match="at least one second"):
        epochs.epoch_number(0, 0, 1)


@given(st.integers(0, 10**9), st.integers(1, 86_400), st.integers(0, 10**7))
def test_every_moment_lies_in_its_epochs_window(start: int, length: int, offset: int) -> None:
    now = start + offset
    span = epochs.window(start, length, epochs.epoch_number(start, length, now))
    assert span.start <= now < span.end
    assert span.end - span.start == length
