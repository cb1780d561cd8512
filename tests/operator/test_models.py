"""Parsing CR bodies into views: the happy path, the defaults, and a clear error for each malformed field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from tests.operator import bodies, manifests

from cloudless_operator.models import computeunit, deal, errors, money, settings


def test_example_deal_parses() -> None:
    (body,) = manifests.load_yaml_documents(manifests.EXAMPLES / "deal.yaml")
    body["metadata"].update(namespace="default", uid="u-1")
    parsed = deal.Deal.from_body(body)
    assert parsed.key == "default/greeting"
    assert (parsed.min_workers, parsed.target_workers, parsed.max_workers_per_provider) == (3, 3, 3)
    assert parsed.price == Decimal("0.5")
    assert parsed.services[0].facade.config_map == "greeting-c"
    assert parsed.services[0].facade.key == "module.wasm"


def test_defaults_when_optional_fields_are_absent() -> None:
    parsed = deal.Deal.from_body(bodies.deal_body())
    assert parsed.max_workers_per_provider == parsed.target_workers == 3
    assert parsed.providers.permits("anyone")  # type: ignore[arg-type]
    assert parsed.required_effectors == frozenset()
    assert parsed.stopped is False
    assert parsed.services[0].memory_limit == "64Mi"


def test_provider_access_lists() -> None:
    parsed = deal.Deal.from_body(bodies.deal_body(providers={"allow": ["acme", "globex"], "deny": ["initech"]}))
    assert [parsed.providers.permits(p) for p in ("acme", "globex", "initech", "other")] == [True, True, False, False]  # type: ignore[arg-type]
    empty_allow = deal.Deal.from_body(bodies.deal_body(providers={"allow": []}))
    assert not empty_allow.providers.permits("acme")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"targetWorkers": None}, "spec.targetWorkers"),
        ({"targetWorkers": "3"}, "spec.targetWorkers"),
        ({"targetWorkers": True}, "spec.targetWorkers"),
        ({"minWorkers": 4}, "spec.minWorkers"),
        ({"pricePerWorkerEpoch": 0.5}, "spec.pricePerWorkerEpoch"),
        ({"pricePerWorkerEpoch": "-1"}, "spec.pricePerWorkerEpoch"),
        ({"pricePerWorkerEpoch": "0"}, "spec.pricePerWorkerEpoch"),
        ({"deposit": "1e3"}, "spec.deposit"),
        ({"services": []}, "spec.services"),
        ({"services": [{"name": "s", "modules": []}]}, "spec.services[0].modules"),
        ({"services": [{"name": "s", "modules": ["m"]}]}, "spec.services[0].modules[0]"),
        (
            {"services": [{"name": "s", "modules": [{"name": "m", "sha256": "x"}]}]},
            "spec.services[0].modules[0].configMapRef",
        ),
        ({"requiredEffectors": "curl"}, "spec.requiredEffectors"),
        ({"providers": {"deny": [1]}}, "spec.providers.deny[0]"),
        ({"stopped": "yes"}, "spec.stopped"),
    ],
)
def test_malformed_deal_names_the_field(spec: dict[str, Any], path: str) -> None:
    with pytest.raises(errors.MalformedBody) as caught:
        deal.Deal.from_body(bodies.deal_body(**spec))
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")
    assert caught.value.reason == "InvalidSpec"


def test_deal_without_spec_or_metadata() -> None:
    with pytest.raises(errors.MalformedBody, match=r"^\.spec: required but missing"):
        deal.Deal.from_body({"metadata": {"name": "x", "namespace": "n", "uid": "u"}})
    with pytest.raises(errors.MalformedBody, match=r"^metadata\.uid: required"):
        deal.Deal.from_body({"metadata": {"name": "x", "namespace": "n"}, "spec": bodies.deal_body()["spec"]})


def test_deal_status_parses_and_rejects_unknown_phase() -> None:
    body = bodies.deal_body()
    assert deal.DealStatus.from_body(body) == deal.DealStatus()
    body["status"] = {"balance": "14.5", "lastBilledEpoch": 7, "matchedUnits": ["a"], "phase": "ACTIVE"}
    status = deal.DealStatus.from_body(body)
    assert (status.balance, status.last_billed_epoch, status.matched_units, status.phase) == (
        Decimal("14.5"),
        7,
        ("a",),
        deal.Phase.ACTIVE,
    )
    body["status"]["phase"] = "Running"
    with pytest.raises(errors.MalformedBody, match=r"status\.phase"):
        deal.DealStatus.from_body(body)


def test_compute_unit_parses_free_and_reserved() -> None:
    free = computeunit.ComputeUnit.from_body(bodies.unit_body("cu0", effectors=("curl",)))
    assert free.state is computeunit.State.FREE
    assert free.effectors == {"curl"}
    assert free.price == Decimal("0.33")
    held = computeunit.ComputeUnit.from_body(bodies.unit_body("cu1", deal_uid="u-9"))
    assert held.held_by("u-9")  # type: ignore[arg-type]
    assert not held.held_by("u-8")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "path"),
    [
        ({"state": "Busy"}, "status.state"),
        ({"state": "Reserved"}, "status.dealRef"),
        ({"state": "Reserved", "dealRef": {"namespace": "d", "name": "x"}}, "status.dealRef.uid"),
    ],
)
def test_malformed_compute_unit_names_the_field(status: dict[str, Any], path: str) -> None:
    body = bodies.unit_body("cu0")
    body["status"] = status
    with pytest.raises(errors.MalformedBody) as caught:
        computeunit.ComputeUnit.from_body(body)
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("amount", "text"), [("0", "0"), ("15.000000", "15"), ("0.1234567", "0.123456"), ("3.50", "3.5")]
)
def test_money_renders_plain_decimals(amount: str, text: str) -> None:
    assert money.render(Decimal(amount)) == text
    assert money.parse(text, path="x") == Decimal(text)


def test_money_pattern_matches_the_crds(crds: dict[str, dict[str, Any]]) -> None:
    spec = crds["Deal"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
    assert spec["pricePerWorkerEpoch"]["pattern"] == money.PATTERN.pattern
    assert spec["deposit"]["pattern"] == money.PATTERN.pattern


def test_settings_from_environment() -> None:
    assert settings.Settings.from_env({}) == settings.Settings()
    configured = settings.Settings.from_env({"CLOUDLESS_EPOCH_SECONDS": "15", "CLOUDLESS_UNITS_PER_NODE": "2"})
    assert (configured.epoch_seconds, configured.units_per_node) == (15, 2)
    with pytest.raises(errors.MalformedBody, match="CLOUDLESS_EPOCH_SECONDS"):
        settings.Settings.from_env({"CLOUDLESS_EPOCH_SECONDS": "soon"})
    with pytest.raises(ValueError, match="positive"):
        settings.Settings(epoch_seconds=0)
