"""The CRDs on the real API server: good manifests are stored with their defaults, bad ones refused.

Every refusal is asserted by the API server's own message (field path and reason), because that
message is what a customer running `kubectl apply` reads.
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from tests.localcluster.conftest import RunningCluster
from tests.operator import manifests

SHA = "d8127fea7532101f4770d5f5e9924328092dcd176b6a4e816d6d0b5e94d801e0"


@pytest.fixture(scope="module", autouse=True)
def leave_nothing_behind(crd_cluster: RunningCluster) -> Iterator[None]:
    """The objects these tests create are not meant to run: the operator tests after them share the
    cluster, and would otherwise meet a Subnet on a node that does not exist."""
    yield
    # Not waiting: what an earlier operator finalized keeps its finalizer until the next operator runs.
    crd_cluster.kubectl("delete", "deals,subnets", "--all", "--all-namespaces", "--wait=false")
    crd_cluster.kubectl("delete", "computeunits", "--all", "--wait=false")


def good_deal(name: str = "good") -> dict[str, Any]:
    return {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "Deal",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "services": [
                {"name": "greeting", "modules": [{"name": "greeting", "configMapRef": {"name": "g"}, "sha256": SHA}]}
            ],
            "minWorkers": 1,
            "targetWorkers": 3,
            "pricePerWorkerEpoch": "0.5",
            "deposit": "3",
        },
    }


def create(
    cluster: RunningCluster, manifest: dict[str, Any], *, dry_run: bool = True
) -> subprocess.CompletedProcess[str]:
    """`kubectl create -f -`, a server-side dry run unless told otherwise.

    The manifest goes as JSON: PyYAML writes the string "1e3" unquoted, which kubectl reads as a number.
    """
    args = ["create", "-f", "-", "-o", "json"]
    if dry_run:
        args.append("--dry-run=server")
    command = [str(cluster.bin_dir / "kubectl"), f"--kubeconfig={cluster.kubeconfig}", "--request-timeout=30s", *args]
    return subprocess.run(command, input=json.dumps(manifest), capture_output=True, text=True, timeout=60, check=False)


def refused(cluster: RunningCluster, manifest: dict[str, Any]) -> str:
    result = create(cluster, manifest)
    assert result.returncode != 0, f"the API server accepted {manifest}"
    return result.stderr


def test_crds_serve_short_names_and_category(crd_cluster: RunningCluster) -> None:
    resources = crd_cluster.kubectl("api-resources", "--api-group=cloudless.dev", "-o", "wide").stdout
    for line in ("computeunits", "deals", "subnets"):
        assert line in resources
    for short in (" cu ", " deal ", " sn "):
        assert short in resources
    assert crd_cluster.kubectl("get", "cloudless", "-A").returncode == 0


def test_example_deal_and_units_are_accepted_with_defaults(crd_cluster: RunningCluster) -> None:
    crd_cluster.kubectl(
        "apply", "-f", str(manifests.EXAMPLES / "computeunits.yaml"), "-f", str(manifests.EXAMPLES / "deal.yaml")
    )
    deal = json.loads(crd_cluster.kubectl("get", "deal", "greeting", "-o", "json").stdout)
    assert deal["spec"]["targetWorkers"] == 3
    assert deal["spec"]["paymentToken"] == "USDC"
    assert deal["spec"]["stopped"] is False
    assert deal["spec"]["services"][0]["modules"][0]["configMapRef"]["key"] == "module.wasm"
    examples = {u["metadata"]["name"] for u in manifests.load_yaml_documents(manifests.EXAMPLES / "computeunits.yaml")}
    listed = json.loads(crd_cluster.kubectl("get", "cu", "-o", "json").stdout)["items"]
    units = [u for u in listed if u["metadata"]["name"] in examples]  # earlier tests may have left their own
    assert len(units) == len(examples)
    assert {u["metadata"].get("namespace") for u in units} == {None}, "ComputeUnits are cluster-scoped"
    assert all(u["spec"]["resources"] == {"cpu": "1", "memory": "4Gi", "ephemeralStorage": "5Gi"} for u in units)


def test_printer_columns_show_the_deal_at_a_glance(crd_cluster: RunningCluster) -> None:
    crd_cluster.kubectl("apply", "-f", str(manifests.EXAMPLES / "deal.yaml"))
    header = crd_cluster.kubectl("get", "deal", "greeting", "-o", "wide").stdout.splitlines()[0].split()
    assert header == ["NAME", "PHASE", "READY", "TARGET", "PRICE", "BALANCE", "AGE", "SUBNET", "MESSAGE"]


def test_a_good_deal_is_created(crd_cluster: RunningCluster) -> None:
    result = create(crd_cluster, good_deal("created"), dry_run=False)
    assert result.returncode == 0, result.stderr
    stored = json.loads(result.stdout)
    assert stored["spec"]["minWorkers"] == 1
    assert stored["spec"]["requiredEffectors"] == []


def _without(path: tuple[str, ...]) -> dict[str, Any]:
    deal = good_deal()
    node = deal
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return deal


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (("spec", "services"), "spec.services: Required value"),
        (("spec", "targetWorkers"), "spec.targetWorkers: Required value"),
        (("spec", "pricePerWorkerEpoch"), "spec.pricePerWorkerEpoch: Required value"),
        (("spec", "deposit"), "spec.deposit: Required value"),
        (("spec",), "spec: Required value"),
    ],
)
def test_missing_fields_are_refused(crd_cluster: RunningCluster, path: tuple[str, ...], message: str) -> None:
    assert message in refused(crd_cluster, _without(path))


def _with(**spec: Any) -> dict[str, Any]:
    deal = good_deal()
    deal["spec"].update(copy.deepcopy(spec))
    return deal


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"pricePerWorkerEpoch": "-1"},
            'spec.pricePerWorkerEpoch: Invalid value: "-1": spec.pricePerWorkerEpoch in body should match',
        ),
        ({"pricePerWorkerEpoch": "0.00"}, "pricePerWorkerEpoch must be greater than zero"),
        ({"pricePerWorkerEpoch": "1e3"}, "spec.pricePerWorkerEpoch in body should match"),
        ({"pricePerWorkerEpoch": 0.5}, 'spec.pricePerWorkerEpoch: Invalid value: "number"'),
        ({"deposit": "-3"}, "spec.deposit in body should match"),
        (
            {"requiredEffectors": ["gpu"]},
            'spec.requiredEffectors[0]: Unsupported value: "gpu": supported values: "curl", "ipfs"',
        ),
        ({"paymentToken": "DAI"}, 'spec.paymentToken: Unsupported value: "DAI"'),
        ({"minWorkers": 4}, "spec: Invalid value: minWorkers must be less than or equal to targetWorkers"),
        ({"maxWorkersPerProvider": 4}, "maxWorkersPerProvider must be less than or equal to targetWorkers"),
        (
            {"minWorkers": 0},
            "spec.minWorkers: Invalid value: 0: spec.minWorkers in body should be greater than or equal to 1",
        ),
        ({"targetWorkers": 1001}, "spec.targetWorkers in body should be less than or equal to 1000"),
        (
            {"providers": {"allow": ["acme"], "deny": ["acme"]}},
            "spec.providers: Invalid value: a provider cannot be both allowed and denied",
        ),
        ({"providers": {"allow": ["Acme Corp"]}}, "spec.providers.allow[0] in body should match"),
        ({"services": []}, "spec.services in body should have at least 1 items"),
        (
            {"services": [{"name": "g", "modules": [{"name": "g", "configMapRef": {"name": "g"}, "sha256": "abc"}]}]},
            "spec.services[0].modules[0].sha256 in body should match",
        ),
        (
            {"services": [{"name": "g", "modules": [{"name": "m", "configMapRef": {"name": "g"}, "sha256": SHA}] * 2}]},
            "spec.services[0]: Invalid value: module names must be unique within a service",
        ),
        (
            {"services": [{"name": "g", "modules": [{"name": "m", "configMapRef": {"name": "g"}, "sha256": SHA}]}] * 2},
            'spec.services[1]: Duplicate value: {"name":"g"}',
        ),
    ],
)
def test_bad_deals_are_refused(crd_cluster: RunningCluster, spec: dict[str, Any], message: str) -> None:
    assert message in refused(crd_cluster, _with(**spec))


def test_price_is_immutable_and_a_stopped_deal_stays_stopped(crd_cluster: RunningCluster) -> None:
    assert create(crd_cluster, good_deal("frozen"), dry_run=False).returncode == 0
    price = crd_cluster.kubectl(
        "patch", "deal", "frozen", "--type=merge", "-p", '{"spec":{"pricePerWorkerEpoch":"0.6"}}', check=False
    )
    assert "pricePerWorkerEpoch is immutable; create a new Deal to change the price" in price.stderr
    crd_cluster.kubectl("patch", "deal", "frozen", "--type=merge", "-p", '{"spec":{"stopped":true,"targetWorkers":2}}')
    restart = crd_cluster.kubectl(
        "patch", "deal", "frozen", "--type=merge", "-p", '{"spec":{"stopped":false}}', check=False
    )
    assert "a stopped deal cannot be restarted" in restart.stderr


def unit(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "ComputeUnit",
        "metadata": {"name": name},
        "spec": {"provider": "acme", "nodeName": "node-a", **spec},
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"resources": {"cpu": "2"}}, 'spec.resources.cpu: Unsupported value: "2": supported values: "1"'),
        ({"pricePerEpoch": "-0.1"}, "spec.pricePerEpoch in body should match"),
        ({"effectors": ["gpu"]}, 'spec.effectors[0]: Unsupported value: "gpu"'),
        ({"provider": ""}, "spec.provider in body should be at least 1 chars long"),
    ],
)
def test_bad_compute_units_are_refused(crd_cluster: RunningCluster, spec: dict[str, Any], message: str) -> None:
    assert message in refused(crd_cluster, unit("bad", **spec))


def test_compute_unit_status_reserved_needs_a_deal_and_node_is_immutable(crd_cluster: RunningCluster) -> None:
    assert create(crd_cluster, unit("locked"), dry_run=False).returncode == 0
    patch = crd_cluster.kubectl(
        "patch",
        "cu",
        "locked",
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"state":"Reserved"}}',
        check=False,
    )
    assert "a Reserved unit must name its deal in dealRef" in patch.stderr
    reserve = '{"status":{"state":"Reserved","dealRef":{"namespace":"default","name":"d","uid":"u-1"}}}'
    crd_cluster.kubectl("patch", "cu", "locked", "--subresource=status", "--type=merge", "-p", reserve)
    assert crd_cluster.kubectl("get", "cu", "locked", "-o", "jsonpath={.status.state}").stdout == "Reserved"
    moved = crd_cluster.kubectl(
        "patch", "cu", "locked", "--type=merge", "-p", '{"spec":{"nodeName":"node-b"}}', check=False
    )
    assert "nodeName is immutable" in moved.stderr


def test_subnet_accepts_workers_and_refuses_a_bad_peer_id(crd_cluster: RunningCluster) -> None:
    subnet = {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "Subnet",
        "metadata": {"name": "greeting", "namespace": "default"},
        "spec": {
            "dealRef": {"name": "greeting", "uid": "u-1"},
            "workers": [{"name": "w0", "computeUnit": "cu", "nodeName": "n"}],
        },
    }
    assert create(crd_cluster, subnet, dry_run=False).returncode == 0
    bad = '{"status":{"workers":[{"name":"w0","peerId":"QmNotAnEd25519Id","phase":"Ready"}]}}'
    patch = crd_cluster.kubectl(
        "patch", "sn", "greeting", "--subresource=status", "--type=merge", "-p", bad, check=False
    )
    assert 'status.workers[0].peerId: Invalid value: "QmNotAnEd25519Id"' in patch.stderr
    assert crd_cluster.kubectl("get", "sn", "greeting", "-o", "jsonpath={.spec.workers[0].computeUnit}").stdout == "cu"
