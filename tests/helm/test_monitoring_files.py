"""The dashboard and alert rules the chart ships: generated from code without drift, valid for
Prometheus, and naming only metrics the code exports (a panel for a metric nobody exports fails here).

What counts as exported is read from the code's own registries: the operator's, the router's, the
runtime's and the prover's metrics classes, instantiated as the processes do, plus `up`, which
Prometheus adds itself. The operator's ledger-head gauges exist once an epoch is closed, so its
registry is read after one real (pure) close of a commitment and a deal.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from typing import Any

import prometheus_client
import pytest
from tests.helm import chart, promql

from cloudless_operator.billing import close, commitments, deals, settings
from cloudless_operator.billing.ledger import chain
from cloudless_operator.handlers import metrics as operator_metrics
from cloudless_operator.reconcile import serving
from cloudless_runtime import identity
from cloudless_runtime.prover import metrics as prover_metrics
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


def operator_after_one_close() -> prometheus_client.CollectorRegistry:
    """The operator's registry once its epoch metrics have counted one real close (billing.close.settle)."""
    node = identity.KeyPair.from_seed(bytes([1]) * 32)
    commitment = commitments.Spec("node-a", node.peer_id, ("u0", "u1"), 10, Decimal("0.2"), collateral_posted=True)
    deal = deals.Terms(serving.deal_id("default", "d1", "uid-1"), Decimal("0.33"), 1, 1, ("u1",), deposit=Decimal(2))
    book = chain.Ledger(identity.KeyPair.from_seed(bytes([2]) * 32))
    inputs = close.Inputs(epoch=1, commitments=[commitment], in_deal=frozenset({"u1"}), deals=[deal])
    found = operator_metrics.OperatorMetrics()
    found.epochs.closed(close.settle(book, inputs, settings.LOCAL).record, 0.1)
    return found.registry


def exported() -> set[str]:
    """Every series name the code's metrics registries can produce."""
    registries = (
        operator_after_one_close(),
        router_metrics.RouterMetrics().registry,
        runtime_metrics.RuntimeMetrics().registry,
        prover_metrics.ProverMetrics().registry,
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
        "cloudless_operator_proofs_total",
        "cloudless_operator_deal_balance",
        "cloudless_operator_deal_charges_total",
        "cloudless_operator_samples_total",
        "cloudless_operator_commitments",
    ],
)
def test_the_issue_s_panels_are_there(family: str) -> None:
    """Deals by phase, rejections by reason, Marine call latency, proofs by outcome, balances and charges,
    samples by verdict, commitments by phase: each has a panel."""
    assert any(family in expr for _, expr in dashboard_targets())


def test_exported_names_follow_the_registries() -> None:
    registry = prometheus_client.CollectorRegistry()
    prometheus_client.Counter("probe_events", "", registry=registry)
    (family,) = registry.collect()
    assert family.name + SUFFIXES[family.type][0] == "probe_events_total"
