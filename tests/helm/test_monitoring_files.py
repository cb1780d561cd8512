"""The dashboard and alert rules the chart ships: generated from code without drift, valid for
Prometheus, and naming only metrics the code exports (a panel for a metric nobody exports fails here).

What counts as exported is read from the code's own registries: the operator's, the router's and the
runtime's metrics classes, instantiated as the processes do, plus `up`, which Prometheus adds itself.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import prometheus_client
import pytest
from tests.helm import chart, promql

from cloudless_operator.handlers import metrics as operator_metrics
from cloudless_runtime.router import metrics as router_metrics
from cloudless_runtime.runtime_server import metrics as runtime_metrics

DASHBOARD = chart.CHART / "dashboards" / "cloudless.json"
RULES = chart.CHART / "rules" / "cloudless.rules.yaml"
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
    "summary": ("_count", "_sum", ""),
}


def exported() -> set[str]:
    """Every series name the code's metrics registries can produce."""
    registries = (
        operator_metrics.OperatorMetrics().registry,
        router_metrics.RouterMetrics().registry,
        runtime_metrics.RuntimeMetrics().registry,
    )
    names = {"up"}
    for registry in registries:
        for family in registry.collect():
            names.update(family.name + suffix for suffix in SUFFIXES[family.type])
    return names


def dashboard_targets() -> list[tuple[str, str]]:
    """(panel title, expr) of every query of the shipped dashboard."""
    board: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"])
        for panel in board["panels"]
        if panel["type"] != "row"
        for target in panel["targets"]
    ]


def unknown_metrics(expr: str, known: set[str]) -> set[str]:
    return promql.metric_names(expr) - known


def test_dashboard_is_generated_from_code() -> None:
    assert DASHBOARD.read_text() == chart.load_script("dashboard").render(), "run .venv/bin/python helm/dashboard.py"


def test_rules_are_generated_from_code() -> None:
    assert RULES.read_text() == chart.load_script("alerts").render(), "run .venv/bin/python helm/alerts.py"


def test_prometheus_accepts_the_rules() -> None:
    result = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    alerts = chart.load_script("alerts").ALERTS
    assert f"SUCCESS: {len(alerts)} rules found" in result.stdout


def test_every_panel_names_only_exported_metrics() -> None:
    known = exported()
    targets = dashboard_targets()
    assert len(targets) >= 15
    bad = {title: unknown_metrics(expr, known) for title, expr in targets if unknown_metrics(expr, known)}
    assert not bad, f"panels query metrics the code does not export: {bad}"


def test_every_alert_names_only_exported_metrics() -> None:
    known = exported()
    bad = {
        a.name: unknown_metrics(a.expr, known)
        for a in chart.load_script("alerts").ALERTS
        if unknown_metrics(a.expr, known)
    }
    assert not bad, f"alerts query metrics the code does not export: {bad}"


def test_the_check_catches_a_metric_nobody_exports() -> None:
    known = exported()
    assert unknown_metrics("sum(rate(cloudless_router_particles_received_total[5m]))", known) == set()
    assert unknown_metrics("sum(rate(cloudless_router_particles_lost_total[5m]))", known) == {
        "cloudless_router_particles_lost_total"
    }


@pytest.mark.parametrize(
    "family",
    [
        "cloudless_operator_deals",
        "cloudless_router_particles_rejected",
        "cloudless_runtime_marine_call_duration_seconds",
    ],
)
def test_the_issue_s_panels_are_there(family: str) -> None:
    """Deals by phase, rejections by reason, Marine call latency: each has a panel."""
    assert any(family in expr for _, expr in dashboard_targets())


def test_exported_names_follow_the_registries() -> None:
    registry = prometheus_client.CollectorRegistry()
    prometheus_client.Counter("probe_events", "", registry=registry)
    (family,) = registry.collect()
    assert family.name + SUFFIXES[family.type][0] == "probe_events_total"
