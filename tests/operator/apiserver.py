"""Helpers for the operator tests that talk to the session's real API server through `cloudless_operator.kube`."""

from __future__ import annotations

import json
from typing import Any

from tests.localcluster.conftest import RunningCluster
from tests.operator import bodies, manifests, operator_process

from cloudless_operator import demo
from cloudless_operator.kube import client, computeunits
from cloudless_operator.models import computeunit


def api(cluster: RunningCluster) -> client.Api:
    return client.connect(str(cluster.kubeconfig))


def make_units(cluster: RunningCluster, *, provider: str, count: int, price: str = "0.1") -> list[str]:
    """`count` Free units of `provider` on distinct made-up nodes (`<provider>-n<i>`); their names."""
    return [create_unit(cluster, provider=provider, node=f"{provider}-n{index}", price=price) for index in range(count)]


def create_unit(
    cluster: RunningCluster, *, provider: str, node: str, price: str = "0.1", name: str | None = None
) -> str:
    """One Free unit of `provider` on `node`, named `name` (default `<node>-cu0`); its name."""
    name = name or f"{node}-cu0"
    body: Any = {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "ComputeUnit",
        "metadata": {"name": name, "labels": {"cloudless.dev/provider": provider}},
        "spec": {"provider": provider, "nodeName": node, "pricePerEpoch": price},
    }
    assert computeunits.create_if_absent(api(cluster), body)
    return name


def deal_manifest(name: str, provider: str, **spec: Any) -> dict[str, Any]:
    """A Deal to apply in `default` that only `provider`'s units may serve (`spec` overrides the test body's)."""
    body = bodies.deal_body(name, providers={"allow": [provider]}, deposit="100", **spec)
    del body["metadata"]["uid"], body["metadata"]["generation"]
    return body


def units_of(cluster: RunningCluster, provider: str) -> dict[str, computeunit.ComputeUnit]:
    """The provider's units as the API server has them now."""
    listed = json.loads(
        cluster.kubectl("get", "computeunits", "-l", f"cloudless.dev/provider={provider}", "-o", "json").stdout
    )
    return {item["metadata"]["name"]: computeunit.ComputeUnit.from_body(item) for item in listed["items"]}


def greeting_module(cluster: RunningCluster) -> None:
    """The ConfigMap `greeting-c` the example deal names (the demo's own), holding the built greeting module."""
    operator_process.apply(cluster, demo.module_config_map())


def example_services() -> list[dict[str, Any]]:
    """The `services` of examples/deal.yaml: the real greeting module, by ConfigMap and sha256."""
    (deal,) = manifests.load_yaml_documents(manifests.EXAMPLES / "deal.yaml")
    services: list[dict[str, Any]] = deal["spec"]["services"]
    return services
