"""The operator's Prometheus metrics: what it last saw of deals, units and workers, and how its reconciles went.

Counts by phase or state are not kept as counters that handlers increment and decrement (a missed
event would skew them forever); each handler records the object's latest value under its key, and
the gauges are computed from that index at scrape time. A restarted operator refills the index
from kopf's resume and startup listings, so the gauges converge with everything else.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Iterator
from typing import TypeVar

import prometheus_client
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from cloudless_runtime.telemetry import endpoint

PREFIX = "cloudless_operator"

K = TypeVar("K")
V = TypeVar("V")


class Observed(Collector):
    """The latest phase of every deal, state of every unit and ready count of every subnet, by key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._deals: dict[tuple[str, str], str] = {}
        self._units: dict[str, str] = {}
        self._ready: dict[tuple[str, str], int] = {}

    def deal(self, namespace: str, name: str, phase: str | None) -> None:
        """Record a deal's phase; None forgets the deal (it is gone)."""
        with self._lock:
            _put(self._deals, (namespace, name), phase)

    def unit(self, name: str, state: str | None) -> None:
        with self._lock:
            _put(self._units, name, state)

    def workers_ready(self, namespace: str, subnet: str, ready: int | None) -> None:
        with self._lock:
            _put(self._ready, (namespace, subnet), ready)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            phases = collections.Counter(self._deals.values())
            states = collections.Counter(self._units.values())
            ready = dict(self._ready)
        deals = GaugeMetricFamily(f"{PREFIX}_deals", "Deals by the phase the operator last wrote", labels=["phase"])
        for phase, count in sorted(phases.items()):
            deals.add_metric([phase], count)
        units = GaugeMetricFamily(f"{PREFIX}_computeunits", "ComputeUnits by state", labels=["state"])
        for state, count in sorted(states.items()):
            units.add_metric([state], count)
        workers = GaugeMetricFamily(
            f"{PREFIX}_workers_ready", "Ready workers of each subnet", labels=["namespace", "subnet"]
        )
        for (namespace, subnet), count in sorted(ready.items()):
            workers.add_metric([namespace, subnet], count)
        yield from (deals, units, workers)


def _put(index: dict[K, V], key: K, value: V | None) -> None:
    if value is None:
        index.pop(key, None)
    else:
        index[key] = value


class OperatorMetrics:
    """Everything the operator exports, in one registry of its own (no process-global state in tests)."""

    def __init__(self) -> None:
        self.registry = prometheus_client.CollectorRegistry()
        self.observed = Observed()
        self.registry.register(self.observed)
        self._durations = prometheus_client.Histogram(
            f"{PREFIX}_reconcile_duration_seconds",
            "Time one reconcile of an object took, by kind",
            ["kind"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self._errors = prometheus_client.Counter(
            f"{PREFIX}_reconcile_errors_total",
            "Reconciles that ended in an error, by kind and the error's class",
            ["kind", "reason"],
            registry=self.registry,
        )

    @contextlib.contextmanager
    def reconciling(self, kind: str) -> Iterator[None]:
        """Time the block as one reconcile of `kind`; an exception is counted by its class and re-raised."""
        started = time.perf_counter()
        try:
            yield
        except Exception as error:
            self._errors.labels(kind, type(error).__name__).inc()
            raise
        finally:
            self._durations.labels(kind).observe(time.perf_counter() - started)

    def serve(self, address: str) -> endpoint.Running:
        """Serve the registry at http://ADDRESS/metrics (ADDRESS is `HOST:PORT` or `PORT`)."""
        return endpoint.serve(address, self.registry)
