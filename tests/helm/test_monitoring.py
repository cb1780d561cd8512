"""A real Prometheus scrapes the chart's operator and the example deal's workers, as the chart's
ServiceMonitor and PodMonitor select them, and runs every dashboard query and every alert rule.

The deal gets real traffic first: `cloudless run examples/hello.air` through one worker calls the
greeting service on all three (AIR interpretation, builtin and Marine calls, fuel), and the
operator reconciles the Deal and its Subnet while Prometheus watches. Epochs run meanwhile (15 s,
Fluence's local profile): the node's CapacityCommitment is Active, the unit the deal leaves idle
proves, the deal is billed, and the traffic, spread over several epochs, is sampled at the closes.
Every dashboard query must then return numbers (Grafana's rate window set to one covering the
test), every alert's measured quantity must return data, and no alert condition holds for this
healthy deal.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.helm import chart, prometheus, promql
from tests.helm.conftest import CLOUDLESS, NAMESPACE, RELEASE, ActiveCommitment, RunningDeal, running_provers
from tests.operator import manifests
from tests.operator.operator_process import eventually, get

RATE_WINDOW = "5m"
RUNS = 3


def hello(relay: str) -> list[str]:
    """`cloudless run examples/hello.air` through `relay`: one greeting per worker."""
    result = subprocess.run(
        [CLOUDLESS, "run", str(manifests.EXAMPLES / "hello.air"), "--relay", relay, "--data", 'name="world"'],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (answer,) = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    greetings: list[str] = answer
    return greetings


EPOCH_ACTIVITY = (
    "cloudless_operator_epoch",
    'cloudless_operator_proofs_total{outcome="accepted"}',
    'cloudless_operator_samples_total{verdict="ok"}',
    "cloudless_operator_deal_charges_total",
    "cloudless_operator_rewards_total",
)
"""What grows from close to close while epochs run with a proving unit, a billed deal and traffic to sample."""


def grew(server: prometheus.Prometheus, series: str) -> bool:
    """Whether `series` grew within the rate window (a counter's increase; the epoch gauge's delta)."""
    growth = "delta" if series == "cloudless_operator_epoch" else "increase"
    return bool(server.query(f"sum({growth}({series}[{RATE_WINDOW}])) > 0"))


@pytest.fixture(scope="module")
def scraped(
    active_commitment: ActiveCommitment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[prometheus.Prometheus]:
    """Prometheus scraping the monitors' targets, after it has seen traffic through the deal over several epochs."""
    running_deal = active_commitment.deal
    cluster = running_deal.release.cluster
    service_monitor = get(cluster, "servicemonitor", RELEASE, "-n", NAMESPACE)
    pod_monitor = get(cluster, "podmonitor", f"{RELEASE}-workers", "-n", NAMESPACE)
    groups = prometheus.service_monitor_targets(cluster, service_monitor)
    groups += prometheus.pod_monitor_targets(cluster, pod_monitor)
    groups += prometheus.pod_monitor_targets(cluster, get(cluster, "podmonitor", f"{RELEASE}-provers", "-n", NAMESPACE))
    server = prometheus.Prometheus(
        tmp_path_factory.mktemp("prometheus"), chart.CHART / "rules" / "cloudless.rules.yaml"
    )
    server.start(groups)
    try:
        expected = sum(len(group["targets"]) for group in groups)
        eventually(
            lambda: len(prometheus.numbers(server.query("up == 1"))) == expected or None,
            timeout=60,
            what=f"all {expected} targets scraped",
        )
        relay = running_deal.subnet["status"]["workers"][0]["address"]
        # Series labelled by service and function appear with the first call, and Prometheus counts
        # no increase into a series' first sample: one run to create them, scraped, then the traffic.
        assert len(hello(relay)) == 3
        eventually(
            lambda: server.query("cloudless_runtime_marine_calls_total") or None,
            timeout=60,
            what="the runtimes' call series scraped",
        )
        for _ in range(RUNS):
            assert len(hello(relay)) == 3
        # Samples of an epoch are drawn from its steps at its close, and a verdict's series counts no
        # increase into its first sample: traffic in every epoch until each epoch figure has grown.
        deadline = time.monotonic() + 240
        while not all(grew(server, series) for series in EPOCH_ACTIVITY):
            assert time.monotonic() < deadline, [s for s in EPOCH_ACTIVITY if not grew(server, s)]
            assert len(hello(relay)) == 3
            time.sleep(3)
        # A provider's edit of the deal (a label) makes the operator reconcile it while Prometheus
        # watches; Subnets are reconciled by the operator's own timer.
        cluster.kubectl("label", "deal", "greeting", "example.com/scraped=yes", "--overwrite")
        for activity in (
            "cloudless_runtime_marine_calls_total",
            'cloudless_operator_reconcile_duration_seconds_count{kind="Deal"}',
            'cloudless_operator_reconcile_duration_seconds_count{kind="Subnet"}',
        ):
            increased = f"sum(increase({activity}[{RATE_WINDOW}])) > 0"

            def seen(expr: str = increased) -> list[dict[str, Any]] | None:
                return server.query(expr) or None

            eventually(seen, timeout=90, what=f"an increase of {activity} scraped")
        yield server
    finally:
        server.stop()


def test_the_monitors_select_the_operator_and_every_worker_container(
    running_deal: RunningDeal, scraped: prometheus.Prometheus
) -> None:
    up = {
        (s["metric"]["job"], s["metric"].get("pod", s["metric"].get("service")), s["metric"].get("container"))
        for s in scraped.query("up == 1")
    }
    workers = {w["pod"] for w in running_deal.subnet["status"]["workers"]}
    assert {(job, pod, container) for job, pod, container in up if job == "cloudless"} == {
        ("cloudless", pod, container) for pod in workers for container in ("runtime", "router")
    }
    assert ("cloudless-operator", f"{RELEASE}-metrics", None) in up
    provers = {pod for job, pod, _ in up if job == f"{NAMESPACE}/{RELEASE}-provers"}
    assert provers == {p["metadata"]["name"] for p in running_provers(running_deal.release.cluster)}
    assert provers  # the unit the deal leaves idle proves


def dashboard_queries() -> list[tuple[str, str]]:
    board: dict[str, Any] = json.loads(Path(chart.CHART / "dashboards" / "cloudless.json").read_text())
    return [
        (f"{panel['title']} [{target['refId']}]", target["expr"])
        for panel in board["panels"]
        if panel["type"] != "row"
        for target in panel["targets"]
    ]


@pytest.mark.parametrize(("panel", "expr"), dashboard_queries(), ids=[p for p, _ in dashboard_queries()])
def test_every_dashboard_query_returns_data(scraped: prometheus.Prometheus, panel: str, expr: str) -> None:
    result = scraped.query(promql.for_prometheus(expr, rate_window=RATE_WINDOW))
    assert prometheus.numbers(result), f"{panel}: {expr} returned {result}"


ALERTS = chart.load_script("alerts").ALERTS


@pytest.mark.parametrize("alert", ALERTS, ids=[a.name for a in ALERTS])
def test_every_alert_query_returns_data_and_its_condition_does_not_hold(
    scraped: prometheus.Prometheus, alert: Any
) -> None:
    measured = scraped.query(alert.query)
    assert prometheus.numbers(measured), f"{alert.name}: {alert.query} returned {measured}"
    assert scraped.query(alert.expr) == [], f"{alert.name} would fire for a healthy deal: {measured}"


def test_prometheus_evaluates_the_chart_rules_without_errors(scraped: prometheus.Prometheus) -> None:
    def evaluated() -> list[dict[str, Any]] | None:
        (group,) = scraped.api("rules")["groups"]
        rules: list[dict[str, Any]] = group["rules"]
        return rules if all(rule.get("lastEvaluation", "").startswith("2") for rule in rules) else None

    rules = eventually(evaluated, timeout=30, what="every rule evaluated once")
    assert {rule["name"] for rule in rules} == {alert.name for alert in ALERTS}
    assert all(rule["health"] == "ok" for rule in rules), [(r["name"], r.get("lastError")) for r in rules]
    assert all(rule["state"] == "inactive" for rule in rules)
