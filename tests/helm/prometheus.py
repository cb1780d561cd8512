"""A real Prometheus (Debian's `prometheus`) for the tests, scraping what the chart's monitors select.

There is no Prometheus Operator here, so this module does its part: it reads the ServiceMonitor and
PodMonitor the chart installed on the cluster, resolves them as the Prometheus Operator would (the
pods behind the selected Services, or the selected pods' container ports of the named port), with
the job name the monitor's `jobLabel` picks, and writes the targets as file_sd files. Prometheus
loads the chart's rule file as is.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.localcluster.conftest import RunningCluster
from tests.operator.operator_process import get

from cloudless_localcluster import state

SCRAPE_SECONDS = 2


def selector(label_selector: dict[str, Any]) -> str:
    """A LabelSelector as kubectl's `-l` string (matchLabels, and the Exists/DoesNotExist/In/NotIn expressions)."""
    parts = [f"{key}={value}" for key, value in label_selector.get("matchLabels", {}).items()]
    for expression in label_selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        parts.append(
            {"Exists": key, "DoesNotExist": f"!{key}"}.get(operator)
            or f"{key} {'in' if operator == 'In' else 'notin'} ({','.join(values)})"
        )
    return ",".join(parts)


def namespaces(cluster: RunningCluster, monitor: dict[str, Any]) -> list[str]:
    chosen = monitor["spec"].get("namespaceSelector", {})
    if chosen.get("any"):
        return ["--all-namespaces"]
    names = chosen.get("matchNames") or [monitor["metadata"]["namespace"]]
    return [f"--namespace={name}" for name in names]


def service_monitor_targets(cluster: RunningCluster, monitor: dict[str, Any]) -> list[dict[str, Any]]:
    """Each Ready pod behind each selected Service, on each of the monitor's endpoint ports.

    The Service's endpoints are computed here as the EndpointSlice controller would (its selector's
    Ready pods, the target port resolved by name): the local cluster's pod IPs are loopback
    addresses, which the API server refuses in EndpointSlices, so its slices stay empty.
    """
    spec = monitor["spec"]
    groups = []
    for scope in namespaces(cluster, monitor):
        for service in get(cluster, "services", scope, "-l", selector(spec["selector"]))["items"]:
            meta = service["metadata"]
            pods = get(
                cluster, "pods", "-n", meta["namespace"], "-l", selector({"matchLabels": service["spec"]["selector"]})
            )["items"]
            ready = [
                p
                for p in pods
                if {c["type"]: c["status"] for c in p["status"].get("conditions", [])}.get("Ready") == "True"
            ]
            for endpoint in spec["endpoints"]:
                (port,) = [p for p in service["spec"]["ports"] if p.get("name") == endpoint["port"]]
                targets = [
                    f"{pod['status']['podIP']}:{container_port['containerPort']}"
                    for pod in ready
                    for container in pod["spec"]["containers"]
                    for container_port in container.get("ports") or []
                    if port["targetPort"] in (container_port.get("name"), container_port["containerPort"])
                ]
                job = meta.get("labels", {}).get(spec.get("jobLabel", ""), meta["name"])
                labels = {"job": job, "namespace": meta["namespace"], "service": meta["name"]}
                groups.append({"targets": sorted(targets), "labels": labels})
    return groups


def pod_monitor_targets(cluster: RunningCluster, monitor: dict[str, Any]) -> list[dict[str, Any]]:
    """Each selected Running pod's container ports named as the monitor's endpoints, one group per container."""
    spec = monitor["spec"]
    groups = []
    for scope in namespaces(cluster, monitor):
        for pod in get(cluster, "pods", scope, "-l", selector(spec["selector"]))["items"]:
            if pod["status"].get("phase") != "Running" or not pod["status"].get("podIP"):
                continue
            meta = pod["metadata"]
            job = meta["labels"].get(spec.get("jobLabel", ""), f"{meta['namespace']}/{monitor['metadata']['name']}")
            for endpoint in spec["podMetricsEndpoints"]:
                for container in pod["spec"]["containers"]:
                    for port in container.get("ports") or []:
                        if port.get("name") == endpoint["port"]:
                            labels = {"job": job, "namespace": meta["namespace"], "pod": meta["name"]}
                            target = f"{pod['status']['podIP']}:{port['containerPort']}"
                            groups.append({"targets": [target], "labels": {**labels, "container": container["name"]}})
    return groups


@dataclass
class Prometheus:
    """One Prometheus process on a free loopback port, with its config, file_sd targets and data in `folder`."""

    folder: Path
    rules: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self, target_groups: list[dict[str, Any]]) -> None:
        binary = shutil.which("prometheus")
        assert binary is not None, "Debian's prometheus is not installed: run `make prometheus`"
        (self.port,) = state.pick_free_ports(1)
        targets = self.folder / "targets.json"
        targets.write_text(json.dumps(target_groups, indent=2))
        config = {
            "global": {"scrape_interval": f"{SCRAPE_SECONDS}s", "evaluation_interval": f"{SCRAPE_SECONDS}s"},
            "rule_files": [str(self.rules)],
            # One job whose targets carry their own `job` label, as the monitors' jobLabel sets it.
            "scrape_configs": [{"job_name": "monitors", "file_sd_configs": [{"files": [str(targets)]}]}],
        }
        (self.folder / "prometheus.yml").write_text(json.dumps(config))
        log = (self.folder / "prometheus.log").open("wb")
        self.process = subprocess.Popen(
            [
                binary,
                f"--config.file={self.folder / 'prometheus.yml'}",
                f"--storage.tsdb.path={self.folder / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not self._ready():
            assert self.process.poll() is None, f"prometheus exited: {self.log()}"
            assert time.monotonic() < deadline, f"prometheus not ready after 60 s: {self.log()}"
            time.sleep(0.5)

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=2) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def log(self) -> str:
        return (self.folder / "prometheus.log").read_text()[-3000:]

    def api(self, path: str, **params: str) -> Any:
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/{path}?{query}", timeout=30) as answer:
            body = json.loads(answer.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query's vector (a scalar answer is one unlabelled sample)."""
        data = self.api("query", query=expr)
        if data["resultType"] == "scalar":
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def numbers(result: list[dict[str, Any]]) -> list[float]:
    """The values of an instant vector that are numbers (not NaN: a quantile of no observations)."""
    return [value for sample in result if not math.isnan(value := float(sample["value"][1]))]
