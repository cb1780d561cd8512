"""The real control plane: up, use it with kubectl, status, down, and up again with the data kept.

These tests share one cluster (a session fixture) and run in file order: the restart test last.
"""

from __future__ import annotations

import json

from .conftest import RunningCluster


def test_up_says_how_to_use_the_cluster(running_cluster: RunningCluster) -> None:
    assert f"export KUBECONFIG={running_cluster.kubeconfig}" in running_cluster.up_output
    assert "kubectl get nodes" in running_cluster.up_output


def test_apiserver_is_ready_for_kubectl(running_cluster: RunningCluster) -> None:
    assert running_cluster.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"


def test_kubectl_version_matches_the_pin(running_cluster: RunningCluster) -> None:
    versions = json.loads(running_cluster.kubectl("version", "--output=json").stdout)
    assert versions["serverVersion"]["gitVersion"] == versions["clientVersion"]["gitVersion"]
    assert versions["serverVersion"]["gitVersion"].startswith("v1.")


def test_status_reports_every_component_healthy(running_cluster: RunningCluster) -> None:
    result = running_cluster.cluster_cli("status")
    lines = result.stdout.splitlines()
    for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "node-agent"):
        assert any(line.startswith(component) and "  healthy (pid" in line for line in lines), result.stdout


def test_kubeconfig_command_prints_the_admin_config(running_cluster: RunningCluster) -> None:
    path = running_cluster.cluster_cli("kubeconfig", "--path").stdout.strip()
    assert path == str(running_cluster.kubeconfig)
    config = json.loads(running_cluster.cluster_cli("kubeconfig").stdout)
    assert config["clusters"][0]["cluster"]["server"].startswith("https://127.0.0.1:")


def test_controllers_run_service_account_tokens_and_rbac(running_cluster: RunningCluster) -> None:
    """The controller-manager is working: a new namespace gets its `default` ServiceAccount."""
    running_cluster.kubectl("create", "namespace", "cloudless-sa-check")
    result = running_cluster.kubectl(
        "wait", "--for=create", "serviceaccount/default", "-n", "cloudless-sa-check", "--timeout=60s"
    )
    assert "default" in result.stdout


def test_up_again_is_a_no_op(running_cluster: RunningCluster) -> None:
    result = running_cluster.cluster_cli("up")
    assert result.stderr.count("already running") == 5, result.stderr


def test_objects_survive_down_and_up(running_cluster: RunningCluster) -> None:
    running_cluster.kubectl("create", "namespace", "cloudless-survivor")
    running_cluster.cluster_cli("down")
    stopped = running_cluster.cluster_cli("status", check=False)
    assert stopped.returncode == 1
    assert stopped.stdout.count("stopped") == 5, stopped.stdout
    running_cluster.cluster_cli("up")
    namespace = running_cluster.kubectl("get", "namespace", "cloudless-survivor", "-o", "jsonpath={.status.phase}")
    assert namespace.stdout == "Active"
