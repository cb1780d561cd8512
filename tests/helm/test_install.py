"""`helm install` onto the local cluster: the operator runs as a pod of the chart, and a Deal works through it.

The node agent runs the chart's pod from its image name (cloudless/operator:dev -> the operator
program) under the restricted Pod Security Standard the release namespace enforces, and the
operator reaches the API server as the chart's ServiceAccount. The provider then does what NOTES.txt
says: `cloudless cu sync` with the chart's provider and price (read from the operator Deployment's
environment), and `kubectl apply -f examples/deal.yaml`.
"""

from __future__ import annotations

import re

from tests.helm.conftest import NAMESPACE, PRICE, PROVIDER, RELEASE, Release, RunningDeal, sync_command
from tests.operator.operator_process import get


def test_the_operator_runs_as_a_pod_of_the_chart(release: Release) -> None:
    pod = release.operator_pod()
    (owner,) = pod["metadata"]["ownerReferences"]
    assert owner["kind"] == "ReplicaSet" and owner["name"].startswith(f"{RELEASE}-")
    assert {c["type"]: c["status"] for c in pod["status"]["conditions"]}["Ready"] == "True"
    (status,) = pod["status"]["containerStatuses"]
    assert (status["name"], status["image"], status["ready"]) == ("operator", "cloudless/operator:dev", True)
    account = pod["spec"]["serviceAccountName"]
    assert get(release.cluster, "serviceaccount", account, "-n", NAMESPACE) is not None
    log = release.cluster.kubectl("logs", "-n", NAMESPACE, pod["metadata"]["name"]).stdout
    assert "login_via_client' succeeded" in log  # kopf authenticated with the chart's kubeconfig + token


def test_the_chart_installed_the_crds(release: Release) -> None:
    for name in (
        "deals.cloudless.dev",
        "subnets.cloudless.dev",
        "computeunits.cloudless.dev",
        "capacitycommitments.cloudless.dev",
    ):
        crd = get(release.cluster, "crd", name)
        assert {c["type"]: c["status"] for c in crd["status"]["conditions"]}["Established"] == "True"


def test_the_monitoring_objects_are_installed_where_the_api_is_served(release: Release) -> None:
    for kind, count in (("servicemonitor", 1), ("podmonitor", 2), ("prometheusrule", 1)):  # 2: workers, provers
        found = get(release.cluster, kind, "-n", NAMESPACE, "-l", f"app.kubernetes.io/instance={RELEASE}")["items"]
        assert len(found) == count, kind
    assert "ServiceMonitor, PodMonitor and PrometheusRule are installed" in release.notes


def test_notes_tell_the_next_commands(release: Release) -> None:
    assert f"kubectl -n {NAMESPACE} rollout status deployment/{RELEASE}" in release.notes
    assert sync_command(release.notes) == (
        f"env $(kubectl -n {NAMESPACE} set env deployment/{RELEASE} --list"
        " | grep -E '^CLOUDLESS_(PROVIDER|CU_PRICE|UNITS_PER_NODE)=') cloudless cu sync"
    )
    assert f'provider "{PROVIDER}" at {PRICE} per epoch' in release.notes
    assert (
        f'Epochs are on: billing profile "local", the profile\'s epoch length, data folder {release.data_dir}'
        in release.notes
    )


def test_cu_sync_takes_the_chart_values_from_the_operator_deployment(running_deal: RunningDeal) -> None:
    """The NOTES' line passes on the Deployment's CLOUDLESS_PROVIDER and CLOUDLESS_CU_PRICE (neither is
    the CLI's default), which `cu sync` reads for its --provider and --price."""
    units = get(running_deal.release.cluster, "computeunits", "-l", f"cloudless.dev/provider={PROVIDER}")["items"]
    assert len(units) == 4
    assert {u["spec"]["pricePerEpoch"] for u in units} == {PRICE}
    assert {u["spec"]["provider"] for u in units} == {PROVIDER}
    reported = running_deal.synced.splitlines()
    assert sorted(line.split(":")[0] for line in reported[:-1]) == sorted(u["metadata"]["name"] for u in units)
    assert reported[-1] in ("4 created, 0 already present", "0 created, 4 already present")


def test_the_example_deal_is_active_with_ready_workers(running_deal: RunningDeal) -> None:
    cluster = running_deal.release.cluster
    deal = get(cluster, "deal", "greeting")
    assert deal["status"]["phase"] == "ACTIVE"
    assert {c["type"]: c["status"] for c in deal["status"]["conditions"]}["Ready"] == "True"
    pods = get(cluster, "pods", "-l", "cloudless.dev/subnet=greeting")["items"]
    assert sorted(p["metadata"]["name"] for p in pods) == ["greeting-w0", "greeting-w1", "greeting-w2"]
    assert all({c["type"]: c["status"] for c in p["status"]["conditions"]}["Ready"] == "True" for p in pods)
    reserved = get(cluster, "computeunits")["items"]
    held = [u for u in reserved if u.get("status", {}).get("dealRef", {}).get("name") == "greeting"]
    assert len(held) == 3


def test_the_release_is_what_helm_reports(release: Release) -> None:
    status = release.helm.run("status", RELEASE, "-n", NAMESPACE).stdout
    assert "STATUS: deployed" in status
    manifest = release.helm.run("get", "manifest", RELEASE, "-n", NAMESPACE).stdout
    assert "kind: Deployment" in manifest and "helm.sh/chart: cloudless-0.1.0" in manifest


def test_the_epoch_data_folder_is_the_only_departure_from_restricted(release: Release) -> None:
    """The namespace warns at `restricted` (conftest): the API server names every field of the chart's pods
    that level refuses, and there is one, the hostPath of the epoch data folder."""
    warnings = re.findall(r'would violate PodSecurity \\"restricted:latest\\": (.*?)"$', release.installed_output, re.M)
    assert warnings == ['restricted volume types (volume \\"data\\" uses restricted volume type \\"hostPath\\")']
