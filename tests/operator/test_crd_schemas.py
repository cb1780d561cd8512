"""The CRDs checked offline: valid CustomResourceDefinition manifests, structural schemas, and examples that fit.

Complements test_crds_apiserver.py (the real API server) with checks that run without a cluster and
catch what the API server accepts silently: a field without a type is pruned, a list without
maxItems makes CEL cost estimates explode, a printer column pointing nowhere prints blank.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from tests.operator import manifests

KUBERNETES_VERSION = "1.36"


def schema_of(crd: dict[str, Any]) -> dict[str, Any]:
    (version,) = crd["spec"]["versions"]
    schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return schema


def nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node with its path (`.spec.services[].name`), depth first."""
    yield path, schema
    for name, child in schema.get("properties", {}).items():
        yield from nodes(child, f"{path}.{name}")
    if "items" in schema:
        yield from nodes(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from nodes(schema["additionalProperties"], f"{path}{{}}")


KINDS = ["CapacityCommitment", "ComputeUnit", "Deal", "Subnet"]


def test_there_are_four_crds_in_one_group(crds: dict[str, dict[str, Any]]) -> None:
    assert set(crds) == set(KINDS)
    scopes = {kind: crd["spec"]["scope"] for kind, crd in crds.items()}
    assert scopes == {
        "CapacityCommitment": "Cluster",
        "ComputeUnit": "Cluster",
        "Deal": "Namespaced",
        "Subnet": "Namespaced",
    }
    for crd in crds.values():
        assert crd["spec"]["group"] == "cloudless.dev"
        assert crd["metadata"]["name"] == f"{crd['spec']['names']['plural']}.cloudless.dev"
        assert [v["name"] for v in crd["spec"]["versions"]] == ["v1alpha1"]


@pytest.mark.parametrize("kind", KINDS)
def test_manifest_is_a_valid_custom_resource_definition(crds: dict[str, dict[str, Any]], kind: str) -> None:
    kubernetes_validate.validate(crds[kind], KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize(
    ("kind", "short"), [("CapacityCommitment", "cc"), ("ComputeUnit", "cu"), ("Deal", "deal"), ("Subnet", "sn")]
)
def test_names_status_subresource_and_category(crds: dict[str, dict[str, Any]], kind: str, short: str) -> None:
    crd = crds[kind]
    assert crd["spec"]["names"]["shortNames"] == [short]
    assert crd["spec"]["names"]["categories"] == ["cloudless"]
    assert crd["spec"]["versions"][0]["subresources"] == {"status": {}}


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_structural_and_bounded(crds: dict[str, dict[str, Any]], kind: str) -> None:
    """Every node has a type, no unknown fields are kept, every list and map is bounded (CEL cost budget)."""
    for path, node in nodes(schema_of(crds[kind])):
        assert "type" in node, f"{kind}{path} has no type"
        assert "x-kubernetes-preserve-unknown-fields" not in node, f"{kind}{path} keeps unknown fields"
        if node["type"] == "array":
            assert "maxItems" in node, f"{kind}{path} is an unbounded list"
        top_level_meta = path in (".apiVersion", ".kind")
        if node["type"] == "string" and "enum" not in node and "format" not in node and not top_level_meta:
            assert "maxLength" in node or "pattern" in node, f"{kind}{path} is an unbounded string"
        if node.get("x-kubernetes-list-type") == "map":
            keys = node["x-kubernetes-list-map-keys"]
            assert set(keys) <= set(node["items"].get("required", [])), f"{kind}{path} map keys must be required"


@pytest.mark.parametrize("kind", KINDS)
def test_defaults_fit_their_own_schema(crds: dict[str, dict[str, Any]], kind: str) -> None:
    for path, node in nodes(schema_of(crds[kind])):
        if "default" in node:
            assert jsonschema.Draft7Validator(node).is_valid(node["default"]), f"{kind}{path}: bad default"


@pytest.mark.parametrize("kind", KINDS)
def test_printer_columns_point_at_declared_fields(crds: dict[str, dict[str, Any]], kind: str) -> None:
    declared = {path for path, _ in nodes(schema_of(crds[kind]))}
    for column in crds[kind]["spec"]["versions"][0]["additionalPrinterColumns"]:
        json_path = column["jsonPath"].split("[")[0]
        assert json_path.startswith(".metadata.") or json_path in declared, column


def test_money_is_a_decimal_string(crds: dict[str, dict[str, Any]]) -> None:
    deal = schema_of(crds["Deal"])["properties"]
    unit = schema_of(crds["ComputeUnit"])["properties"]
    money = [
        deal["spec"]["properties"]["pricePerWorkerEpoch"],
        deal["spec"]["properties"]["deposit"],
        deal["status"]["properties"]["balance"],
        unit["spec"]["properties"]["pricePerEpoch"],
    ]
    for node in money:
        assert node["type"] == "string"
        for good in ("0.33", "15", "0.000001", "123456789012345678.5"):
            jsonschema.validate(good, node)
        for bad in ("-1", "0.1234567", "1e3", "01", ".5", "1.", "NaN"):
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(bad, node)


@pytest.mark.parametrize("example", ["deal.yaml", "computeunits.yaml"])
def test_examples_fit_the_schemas(crds: dict[str, dict[str, Any]], example: str) -> None:
    documents = manifests.load_yaml_documents(manifests.EXAMPLES / example)
    assert documents
    for document in documents:
        assert document["apiVersion"] == "cloudless.dev/v1alpha1"
        jsonschema.validate(document, schema_of(crds[document["kind"]]))


def test_example_deal_is_three_workers_of_the_greeting_service() -> None:
    (deal,) = manifests.load_yaml_documents(manifests.EXAMPLES / "deal.yaml")
    assert deal["spec"]["targetWorkers"] == 3
    (service,) = deal["spec"]["services"]
    assert service["name"] == "greeting"
    assert service["modules"][-1]["configMapRef"]["name"]
