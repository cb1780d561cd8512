"""The metric-name reader the dashboard checks rely on: it must find every metric and nothing else."""

from __future__ import annotations

import pytest
from tests.helm import promql


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('up{job="cloudless-operator"}', {"up"}),
        ("sum by (phase) (cloudless_operator_deals)", {"cloudless_operator_deals"}),
        (
            "histogram_quantile(0.99, sum by (le, kind) (rate(a_seconds_bucket[$__rate_interval])))",
            {"a_seconds_bucket"},
        ),
        ('sum(a{phase!~"ACTIVE|ENDED"} or b * 0) > 0', {"a", "b"}),
        (
            "(sum by (kind) (rate(x_total[10m])) or sum by (kind) (rate(y_count[10m])) * 0) / z",
            {"x_total", "y_count", "z"},
        ),
        ('count(a{reason="rate(b)"}) offset 5m', {"a"}),
        ("sum without (pod) (c) unless on (job) group_left (x) d", {"c", "d"}),
        ("1e3 * e + Inf", {"e"}),
    ],
)
def test_metric_names(expr: str, names: set[str]) -> None:
    assert promql.metric_names(expr) == names


def test_rate_interval_is_replaced() -> None:
    assert promql.for_prometheus("rate(a[$__rate_interval])", rate_window="5m") == "rate(a[5m])"
