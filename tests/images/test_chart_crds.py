"""The chart's crds/ are exactly the generated copies of the top-level crds/ (no hand edits, no drift).

Helm never upgrades CRDs in a chart's crds/, so a stale copy would ship an old schema that silently
prunes new status fields; regenerate with `.venv/bin/python helm/sync_crds.py`.
"""

from __future__ import annotations

import importlib.util
import pathlib
from types import ModuleType

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]


def sync_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sync_crds", REPO / "helm" / "sync_crds.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_chart_crds_match_the_source() -> None:
    sync = sync_module()
    wanted: dict[str, str] = sync.expected()
    actual = {p.name: p.read_text() for p in sorted(sync.CHART_CRDS.glob("*.yaml"))}
    assert set(actual) == set(wanted), "run .venv/bin/python helm/sync_crds.py"
    drifted = [name for name in wanted if actual[name] != wanted[name]]
    assert not drifted, f"drifted: {drifted}; run .venv/bin/python helm/sync_crds.py"


def test_chart_crds_are_crds() -> None:
    for path in sorted((REPO / "helm" / "cloudless" / "crds").glob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        assert document["kind"] == "CustomResourceDefinition", path
        assert document["spec"]["group"] == "cloudless.dev", path
