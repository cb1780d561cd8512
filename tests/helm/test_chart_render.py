"""The chart as rendered by the real `helm`, without a cluster: lint, official schemas, and what its
objects must say (one Recreate replica, kopf's probes, a restricted pod, values reaching the operator).

`helm template` renders for the local cluster's Kubernetes version; every object of a Kubernetes API
is validated against the official OpenAPI schemas of that version (kubernetes-validate, strict: no
unknown fields), the monitoring objects against the Prometheus Operator CRDs' own schemas.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from tests.helm import chart
from tests.images import dockerfiles

from cloudless_localcluster.agent import images
from cloudless_operator.billing import configure
from cloudless_operator.billing import settings as billing_settings
from cloudless_operator.models import settings
from cloudless_operator.reconcile import names
from cloudless_runtime.prover import puzzle

MONITORING_KINDS = {"ServiceMonitor", "PodMonitor", "PrometheusRule"}
VARIANTS = {
    "defaults": ((), ()),
    "monitoring": ((), (chart.MONITORING_API,)),
    "apiserver-url": (("--set=apiServer.url=https://127.0.0.1:6443",), ()),
    "epochs": (("--set=epochs.enabled=true", "--set=epochs.billing.profile=local"), ()),
    "epochs-claim": (("--set=epochs.enabled=true", "--set=epochs.dataDir.existingClaim=cloudless-data"), ()),
    "everything-off": (
        (
            "--set=metrics.enabled=false",
            "--set=grafana.dashboards.enabled=false",
            "--set=rbac.create=false",
            "--set=serviceAccount.create=false",
            "--set=serviceAccount.name=existing",
        ),
        (chart.MONITORING_API,),
    ),
}


def deployment_container(documents: list[dict[str, Any]]) -> dict[str, Any]:
    containers: list[dict[str, Any]] = chart.only(documents, "Deployment")["spec"]["template"]["spec"]["containers"]
    (container,) = containers
    return container


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item.get("value", "") for item in container["env"]}


@pytest.mark.parametrize("variant", ["apiserver-url", "epochs-claim"])
def test_lint_strict(helm: chart.Helm, variant: str) -> None:
    args, _ = VARIANTS[variant]
    result = helm.run("lint", "--strict", str(chart.CHART), *args)
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_objects_validate_against_the_official_schemas(helm: chart.Helm, variant: str) -> None:
    args, api_versions = VARIANTS[variant]
    documents = helm.template(*args, api_versions=api_versions)
    validated = []
    for document in documents:
        if document["kind"] in MONITORING_KINDS:
            continue
        kubernetes_validate.validate(document, chart.KUBERNETES_VERSION, strict=True)
        validated.append(document["kind"])
    assert "Deployment" in validated


def monitoring_schemas() -> dict[str, dict[str, Any]]:
    """The openAPIV3Schema of each Prometheus Operator CRD, by kind."""
    found = {}
    for path in sorted(chart.MONITORING_CRDS.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
        found[crd["spec"]["names"]["kind"]] = version["schema"]["openAPIV3Schema"]
    return found


def test_monitoring_objects_only_where_the_api_is_served(helm: chart.Helm) -> None:
    assert not MONITORING_KINDS & set(chart.by_kind(helm.template(*EPOCHS)))
    documents = helm.template(*EPOCHS, api_versions=(chart.MONITORING_API,))
    kinds = chart.by_kind(documents)
    assert set(kinds) >= MONITORING_KINDS
    schemas = monitoring_schemas()
    for kind in MONITORING_KINDS:
        for document in kinds[kind]:
            # Not jsonschema.validate: it first checks the schema itself, and Go-style `(?i)` patterns
            # in the CRDs are not Python regexes (the fields using them are absent here).
            jsonschema.validators.validator_for(schemas[kind])(schemas[kind]).validate(document)
    assert len(kinds["PodMonitor"]) == 2  # workers, and the provers epochs run


def test_the_provers_pod_monitor_selects_what_the_operator_labels_a_prover(helm: chart.Helm) -> None:
    monitors = chart.by_kind(helm.template(*EPOCHS, api_versions=(chart.MONITORING_API,)))["PodMonitor"]
    (provers,) = [m for m in monitors if m["metadata"]["name"].endswith("-provers")]
    labels = names.prover_labels(commitment="node-a", node="node-a", unit="node-a-cu0")
    assert provers["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert provers["spec"]["namespaceSelector"] == {"matchNames": ["cloudless-system"]}
    (workers,) = [m for m in monitors if m is not provers]
    assert "cloudless.dev/subnet" not in labels  # the workers' monitor requires it: no prover scraped twice
    assert {"key": "cloudless.dev/subnet", "operator": "Exists"} in workers["spec"]["selector"]["matchExpressions"]
    without = chart.by_kind(helm.template(api_versions=(chart.MONITORING_API,)))["PodMonitor"]
    assert [m["metadata"]["name"] for m in without] == [workers["metadata"]["name"]]


def test_monitors_name_the_jobs_the_rules_and_dashboard_use(helm: chart.Helm) -> None:
    kinds = chart.by_kind(helm.template(api_versions=(chart.MONITORING_API,)))
    (service,) = [s for s in kinds["Service"] if s["metadata"]["name"].endswith("-metrics")]
    (monitor,) = kinds["ServiceMonitor"]
    assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == "cloudless-operator"
    assert monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"] == "metrics"
    (pods,) = kinds["PodMonitor"]
    assert pods["spec"]["jobLabel"] == "app.kubernetes.io/part-of"  # worker pods carry part-of: cloudless
    assert pods["spec"]["namespaceSelector"] == {"any": True}
    (rule,) = kinds["PrometheusRule"]
    assert rule["spec"] == yaml.safe_load((chart.CHART / "rules" / "cloudless.rules.yaml").read_text())


def test_operator_deployment_is_one_recreated_replica_probed_by_kopf(helm: chart.Helm) -> None:
    documents = helm.template()
    deployment = chart.only(documents, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    container = deployment_container(documents)
    env = env_of(container)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert env["CLOUDLESS_LIVENESS"] == f"http://$(POD_IP):{ports['healthz']}/healthz"
    assert env["CLOUDLESS_METRICS"] == f"$(POD_IP):{ports['metrics']}"
    assert [item["name"] for item in container["env"]].index("POD_IP") == 0  # defined before $(POD_IP) is used
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "healthz"}
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]


def test_operator_pod_is_restricted_with_a_read_only_root(helm: chart.Helm) -> None:
    documents = helm.template()
    pod = chart.only(documents, "Deployment")["spec"]["template"]["spec"]
    container = deployment_container(documents)
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    # The image's only writable place (its Dockerfile's VOLUME /tmp, where HOME points) is an emptyDir here.
    (tmp,) = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]
    assert {"name": tmp["name"], "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"]
    operator_stage = dockerfiles.parse(dockerfiles.DOCKERFILES["operator"]).stage("operator")
    user = dockerfiles.parse(dockerfiles.DOCKERFILES["operator"]).effective(operator_stage, "USER")
    assert (
        user is not None
        and user.arguments == f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}"
    )


def test_operator_image_is_the_one_the_node_agent_runs(helm: chart.Helm) -> None:
    image = deployment_container(helm.template())["image"]
    assert image == "cloudless/operator:dev"
    assert images.entrypoint(image) == ("python", "-m", "cloudless_operator")


def test_values_reach_the_operator_as_the_settings_it_reads(helm: chart.Helm) -> None:
    documents = helm.template(
        "--set=provider.name=acme",
        "--set=computeUnits.price=0.5",
        "--set=computeUnits.perNode=2",
        "--set=epochs.seconds=30",
        "--set=epochs.minDepositEpochs=3",
    )
    env = env_of(deployment_container(documents))
    assert settings.Settings.from_env(env) == settings.Settings(
        epoch_seconds=30, min_deposit_epochs=3, units_per_node=2
    )
    assert (env["CLOUDLESS_PROVIDER"], env["CLOUDLESS_CU_PRICE"]) == ("acme", "0.5")
    defaults = env_of(deployment_container(helm.template()))
    assert "CLOUDLESS_UNITS_PER_NODE" not in defaults and "CLOUDLESS_EPOCH_SECONDS" not in defaults


EPOCHS = (
    "--set=epochs.enabled=true",
    "--set=epochs.billing.profile=local",
    "--set=epochs.dataDir.hostPath=/srv/cloudless",
    "--set=epochs.billing.parameters.minProofsPerEpoch=3",
    "--set-string=epochs.billing.parameters.usdCollateralPerUnit=0.2",
    "--set=epochs.billing.parameters.proofAlgorithm=blake2b",
)


def pod_volumes(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    volumes: list[dict[str, Any]] = chart.only(documents, "Deployment")["spec"]["template"]["spec"]["volumes"]
    return {volume["name"]: volume for volume in volumes}


def test_epochs_values_reach_the_operator_as_the_settings_it_reads(helm: chart.Helm) -> None:
    """The env and the mounted billing file, read by the operator's own code, give the settings asked for."""
    documents = helm.template(*EPOCHS)
    container = deployment_container(documents)
    env = env_of(container)
    config = settings.Settings.from_env(env)
    assert (config.data_dir, config.node_data_dir, config.billing_profile) == (
        "/srv/cloudless",
        "/srv/cloudless",
        "local",
    )
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    volumes = pod_volumes(documents)
    assert mounts["data"] == "/srv/cloudless"
    assert volumes["data"]["hostPath"] == {"path": "/srv/cloudless", "type": "DirectoryOrCreate"}
    assert config.billing_file is not None
    folder, _, file = config.billing_file.rpartition("/")
    assert mounts["billing"] == folder
    (billing,) = [c for c in chart.by_kind(documents)["ConfigMap"] if c["metadata"]["name"].endswith("-billing")]
    assert volumes["billing"]["configMap"]["name"] == billing["metadata"]["name"]
    resolved = configure.resolve(config, json.loads(billing["data"][file]))
    wanted = {"minProofsPerEpoch": 3, "usdCollateralPerUnit": "0.2", "proofAlgorithm": "blake2b"}
    assert resolved == billing_settings.Settings.from_mapping(wanted, base=billing_settings.LOCAL)
    assert resolved.epoch_duration == billing_settings.LOCAL.epoch_duration  # epochs.seconds null: the profile's


def test_epochs_seconds_is_the_one_epoch_length(helm: chart.Helm) -> None:
    config = settings.Settings.from_env(env_of(deployment_container(helm.template(*EPOCHS, "--set=epochs.seconds=30"))))
    assert configure.resolve(config, {}).epoch_duration == 30


def test_epochs_data_folder_from_an_existing_claim(helm: chart.Helm) -> None:
    documents = helm.template(*EPOCHS, "--set=epochs.dataDir.existingClaim=cloudless-data")
    assert pod_volumes(documents)["data"] == {"name": "data", "persistentVolumeClaim": {"claimName": "cloudless-data"}}
    env = env_of(deployment_container(documents))
    assert env["CLOUDLESS_DATA_DIR"] == env["CLOUDLESS_NODE_DATA_DIR"] == "/srv/cloudless"


def test_without_epochs_no_data_folder_and_the_namespace_from_the_downward_api(helm: chart.Helm) -> None:
    documents = helm.template()
    container = deployment_container(documents)
    config = settings.Settings.from_env(env_of(container))
    assert (config.data_dir, config.billing_file) == (None, None)
    assert set(pod_volumes(documents)) == {"tmp"}
    assert not [c for c in chart.by_kind(documents)["ConfigMap"] if c["metadata"]["name"].endswith("-billing")]
    (namespace,) = [item for item in container["env"] if item["name"] == "CLOUDLESS_NAMESPACE"]
    assert namespace["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}


def test_a_changed_billing_value_rolls_the_operator(helm: chart.Helm) -> None:
    """The operator reads its billing file at start: the pod template changes with it, so `helm upgrade` rolls."""

    def annotations(*args: str) -> dict[str, str]:
        found: dict[str, str] = chart.only(helm.template(*args), "Deployment")["spec"]["template"]["metadata"][
            "annotations"
        ]
        return found

    assert annotations(*EPOCHS) != annotations(*EPOCHS, "--set=epochs.billing.parameters.minProofsPerEpoch=4")
    assert annotations(*EPOCHS, "--set=podAnnotations.team=a")["team"] == "a"


def test_the_schema_knows_every_billing_parameter_but_the_two_set_once() -> None:
    schema = json.loads((chart.CHART / "values.schema.json").read_text())
    parameters = schema["properties"]["epochs"]["properties"]["billing"]["properties"]["parameters"]
    assert set(parameters["properties"]) == set(billing_settings.PRODUCTION.to_mapping()) - {
        "epochDuration",
        "minDealDepositedEpochs",
    }
    assert set(parameters["properties"]["proofAlgorithm"]["enum"]) == set(puzzle.ALGORITHMS)


def test_rbac_grants_the_epoch_calls_only_with_epochs(helm: chart.Helm) -> None:
    def rules(*args: str) -> set[tuple[str, str]]:
        role = chart.only(helm.template(*args), "ClusterRole")
        return {(resource, verb) for rule in role["rules"] for resource in rule["resources"] for verb in rule["verbs"]}

    epoch_calls = {("capacitycommitments", "get"), ("capacitycommitments/status", "patch")}
    assert epoch_calls <= rules(*EPOCHS)
    assert not epoch_calls & rules()
    assert {("capacitycommitments", "list"), ("capacitycommitments", "watch")} <= rules()  # kopf watches them always


def test_apiserver_url_gives_a_kubeconfig_with_the_service_account_token(helm: chart.Helm) -> None:
    documents = helm.template("--set=apiServer.url=https://127.0.0.1:6443")
    container = deployment_container(documents)
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "api-access"]
    assert env_of(container)["KUBECONFIG"] == f"{mount['mountPath']}/kubeconfig"
    (volume,) = [
        v for v in chart.only(documents, "Deployment")["spec"]["template"]["spec"]["volumes"] if "projected" in v
    ]
    sources = volume["projected"]["sources"]
    assert {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}} in sources
    maps = [s["configMap"] for s in sources if "configMap" in s]
    (access,) = [c for c in chart.by_kind(documents)["ConfigMap"] if c["metadata"]["name"] == maps[0]["name"]]
    kubeconfig = yaml.safe_load(access["data"]["kubeconfig"])
    assert kubeconfig["clusters"][0]["cluster"] == {
        "server": "https://127.0.0.1:6443",
        "certificate-authority": "ca.crt",
    }
    assert kubeconfig["users"][0]["user"] == {"tokenFile": "token"}
    assert maps[1] == {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}
    assert "KUBECONFIG" not in env_of(deployment_container(helm.template()))


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("--set=unknownKey=1", "additional properties 'unknownKey' not allowed"),
        ("--set=metrics.serviceMonitor.bogus=1", "additional properties 'bogus' not allowed"),
        ("--set-string=computeUnits.price=cheap", "at '/computeUnits/price'"),
        ("--set=provider.name=Not_A_Label", "at '/provider/name'"),
        ("--set=epochs.seconds=0", "at '/epochs/seconds'"),
        ("--set=image.pullPolicy=Sometimes", "at '/image/pullPolicy'"),
        ("--set=epochs.billing.parameters.epochDuration=10", "additional properties 'epochDuration' not allowed"),
        ("--set-json=epochs.billing.parameters.fltPrice=0.5", "at '/epochs/billing/parameters/fltPrice'"),
        ("--set=epochs.billing.profile=fast", "at '/epochs/billing/profile'"),
        ("--set=epochs.dataDir.hostPath=relative/path", "at '/epochs/dataDir/hostPath'"),
    ],
)
def test_values_schema_refuses_bad_values(helm: chart.Helm, setting: str, complaint: str) -> None:
    result = helm.run("template", "cloudless", str(chart.CHART), setting, check=False)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert complaint in result.stderr


def test_dashboard_configmap_is_labelled_for_the_grafana_sidecar(helm: chart.Helm) -> None:
    (board,) = [c for c in chart.by_kind(helm.template())["ConfigMap"] if c["metadata"]["name"].endswith("-dashboard")]
    assert board["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert board["metadata"]["annotations"]["grafana_folder"] == "cloudless"
    shipped = Path(chart.CHART / "dashboards" / "cloudless.json").read_text()
    assert json.loads(board["data"]["cloudless.json"]) == json.loads(shipped)


def test_rbac_binds_the_operator_service_account(helm: chart.Helm) -> None:
    documents = helm.template()
    binding = chart.only(documents, "ClusterRoleBinding")
    account = chart.only(documents, "ServiceAccount")
    assert binding["roleRef"]["name"] == chart.only(documents, "ClusterRole")["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": "cloudless-system"}
    ]
    pod = chart.only(documents, "Deployment")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]
