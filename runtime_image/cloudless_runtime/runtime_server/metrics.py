"""The runtime's Prometheus metrics: Marine calls by service and function, their outcome, time and fuel.

One registry per runtime server so that servers sharing a process keep separate counts; the
sidecar passes the process-wide registry. Series are labelled by service id and function name only
for services and functions that exist: a call naming an unknown one (`marine.NotFound`) counts
under `unknown`, so scripts cannot grow the number of series by calling made-up names.
"""

from __future__ import annotations

import prometheus_client

from cloudless_runtime import marine

UNKNOWN = "unknown"

_SECONDS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""From a tiny facade function to a call's default time limit."""


class RuntimeMetrics:
    def __init__(self, registry: prometheus_client.CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else prometheus_client.CollectorRegistry()
        labels = ["service", "function"]
        self.calls = prometheus_client.Counter(
            "cloudless_runtime_marine_calls",
            "Marine service calls, by service id, function and outcome (ok, or the Marine error's kind).",
            [*labels, "outcome"],
            registry=self.registry,
        )
        self.fuel = prometheus_client.Counter(
            "cloudless_runtime_marine_fuel_used",
            "Wasm fuel (instructions, roughly) used by successful calls.",
            labels,
            registry=self.registry,
        )
        self.duration = prometheus_client.Histogram(
            "cloudless_runtime_marine_call_duration_seconds",
            "Time of one Marine call, including signing its receipt.",
            labels,
            buckets=_SECONDS,
            registry=self.registry,
        )

    def succeeded(self, service_id: str, function: str, *, fuel: int, seconds: float) -> None:
        self.calls.labels(service_id, function, "ok").inc()
        self.fuel.labels(service_id, function).inc(fuel)
        self.duration.labels(service_id, function).observe(seconds)

    def failed(self, service_id: str, function: str, *, error: marine.MarineError, seconds: float) -> None:
        if isinstance(error, marine.NotFound):
            service_id = function = UNKNOWN
        self.calls.labels(service_id, function, type(error).__name__).inc()
        self.duration.labels(service_id, function).observe(seconds)
