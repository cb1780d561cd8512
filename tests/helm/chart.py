"""The real `helm` (built from localcluster/helm's pins) run on the chart, and the chart's files."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from cloudless_localcluster import build

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "cloudless"
MONITORING_CRDS = REPO / "helm" / "monitoring-crds"
MONITORING_API = "monitoring.coreos.com/v1"
_PINNED = build.pinned_version(build.K8S.module_dir() / "go.mod", "k8s.io/kubernetes")
KUBERNETES_VERSION = ".".join(_PINNED.lstrip("v").split(".")[:2]) + ".0"
"""The local cluster's minor version (the pin of localcluster/k8s), as kubernetes-validate names its schemas:
what the templates are rendered and validated for."""


def helm_binary() -> Path:
    """The helm `make install` built for the current pins; missing, the test fails loudly (never skips)."""
    bin_dir = build.installed_bin_dir(build.HELM)
    if bin_dir is None:
        pins = build.current_pins(build.HELM)
        pytest.fail(
            f"helm is not built for the pins in localcluster/helm (expected in {pins.bin_dir}): run `make install`"
        )
    return bin_dir / "helm"


@dataclass(frozen=True)
class Helm:
    """`helm` with an isolated home (no repositories, no plugins, no cache of the user's) and an optional cluster."""

    binary: Path
    home: Path
    kubeconfig: Path | None = None

    def run(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        env = {
            "HOME": str(self.home),
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_DATA_HOME": str(self.home / "data"),
            "PATH": "/usr/bin:/bin",
        }
        if self.kubeconfig is not None:
            env["KUBECONFIG"] = str(self.kubeconfig)
        result = subprocess.run(
            [str(self.binary), *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
        if check and result.returncode != 0:
            pytest.fail(f"helm {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result

    def template(self, *args: str, api_versions: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """`helm template` of the chart as documents, for the local cluster's Kubernetes version."""
        extra = [f"--api-versions={version}" for version in api_versions]
        rendered = self.run(
            "template",
            "cloudless",
            str(CHART),
            "--namespace=cloudless-system",
            f"--kube-version={KUBERNETES_VERSION}",
            *extra,
            *args,
        ).stdout
        return [doc for doc in yaml.safe_load_all(rendered) if doc]


def by_kind(documents: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for doc in documents:
        found.setdefault(doc["kind"], []).append(doc)
    return found


def only(documents: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (doc,) = by_kind(documents)[kind]
    return doc


def load_script(name: str) -> ModuleType:
    """A generator script of helm/ (dashboard.py, alerts.py) as a module; helm/ is not a package."""
    spec = importlib.util.spec_from_file_location(f"helm_{name}", REPO / "helm" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module's annotations through sys.modules
    spec.loader.exec_module(module)
    return module
