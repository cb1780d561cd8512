"""`reconcile.capacity`: quantities, how many units a node holds, and the unit bodies `cu sync` creates."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cloudless_operator.models import computeunit
from cloudless_operator.reconcile import capacity, names


@pytest.mark.parametrize(
    ("text", "value"),
    [("4", Decimal(4)), ("500m", Decimal("0.5")), ("16Gi", Decimal(16 * 2**30)), ("1.5k", Decimal(1500))],
)
def test_quantity_parses_kubernetes_forms(text: str, value: Decimal) -> None:
    assert capacity.quantity(text) == value


def test_quantity_refuses_garbage() -> None:
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        capacity.quantity("4 cores")


def test_scarcest_resource_decides_the_count() -> None:
    assert capacity.units_held({"cpu": "4", "memory": "16Gi", "ephemeral-storage": "20Gi"}) == 4
    assert capacity.units_held({"cpu": "8", "memory": "9Gi", "ephemeral-storage": "100Gi"}) == 2
    assert capacity.units_held({"cpu": "3500m", "memory": "64Gi", "ephemeral-storage": "12Gi"}) == 2
    assert capacity.units_held({"cpu": "8", "memory": "64Gi"}) == 0


def test_node_units_are_named_after_the_node_and_labelled_by_provider() -> None:
    bodies = capacity.node_units(
        "n1", allocatable={"cpu": "2", "memory": "8Gi", "ephemeral-storage": "10Gi"}, provider="acme", price="0.2"
    )
    assert [b["metadata"]["name"] for b in bodies] == ["n1-cu0", "n1-cu1"]
    assert all(b["metadata"]["labels"][names.PROVIDER_LABEL] == "acme" for b in bodies)
    units = [computeunit.ComputeUnit.from_body(b) for b in bodies]
    assert {(u.provider, u.node, u.price, u.state) for u in units} == {
        ("acme", "n1", Decimal("0.2"), computeunit.State.FREE)
    }


def test_limit_caps_units_per_node() -> None:
    allocatable = {"cpu": "4", "memory": "16Gi", "ephemeral-storage": "20Gi"}
    assert len(capacity.node_units("n", allocatable=allocatable, provider="p", price="1", limit=1)) == 1
