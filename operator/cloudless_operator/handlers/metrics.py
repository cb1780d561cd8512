"""The operator's Prometheus metrics: what it last saw of deals, units and workers, how its reconciles went,
and what the epoch closes did (`EpochMetrics`).

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

from cloudless_operator.billing.ledger import chain
from cloudless_operator.reconcile import serving
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


class LedgerHead(Collector):
    """What the ledger's head record says now: the last closed epoch, each deal's balance, commitments by phase.

    State, not counts: set from the head after every close and at start, so a restarted operator
    shows the same values at once, and a replayed close changes nothing.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch: int | None = None
        self._balances: dict[tuple[str, str], float] = {}
        self._phases: collections.Counter[str] = collections.Counter()

    def show(self, record: chain.EpochRecord) -> None:
        balances = {serving.deal_name(line["id"]): float(line["balance"]) for line in record.body["deals"]}
        phases = collections.Counter(str(c["status"]) for c in record.body["commitments"])
        with self._lock:
            self._epoch, self._balances, self._phases = record.epoch, balances, phases

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self._lock:
            epoch, balances, phases = self._epoch, dict(self._balances), collections.Counter(self._phases)
        if epoch is None:
            return
        yield GaugeMetricFamily(f"{PREFIX}_epoch", "The last epoch closed into the ledger", value=epoch)
        deals = GaugeMetricFamily(
            f"{PREFIX}_deal_balance", "Each deal's balance after the last closed epoch", labels=["namespace", "deal"]
        )
        for (namespace, deal), balance in sorted(balances.items()):
            deals.add_metric([namespace, deal], balance)
        yield deals
        commitments = GaugeMetricFamily(
            f"{PREFIX}_commitments", "CapacityCommitments by the ledger's phase", labels=["phase"]
        )
        for phase, count in sorted(phases.items()):
            commitments.add_metric([phase], count)
        yield commitments


class EpochMetrics:
    """The epoch controller's metrics: what each close did (counted once: a replayed close counts nothing)
    and what the head says (`LedgerHead`)."""

    def __init__(self, registry: prometheus_client.CollectorRegistry) -> None:
        self.head = LedgerHead()
        registry.register(self.head)
        self._duration = prometheus_client.Histogram(
            f"{PREFIX}_epoch_close_duration_seconds",
            "Time one epoch close took: gathering its facts, closing, appending the record",
            registry=registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self._proofs = prometheus_client.Counter(
            f"{PREFIX}_proofs_total",
            "Capacity proofs judged at epoch closes: accepted, dropped (over the maximum) or the rejection reason",
            ["outcome"],
            registry=registry,
        )
        self._rewards = prometheus_client.Counter(
            f"{PREFIX}_rewards_total", "Reward tokens distributed to units that proved", registry=registry
        )
        self._slashes = prometheus_client.Counter(
            f"{PREFIX}_slashes_total",
            "Reward tokens slashed from collateral, for missed proofs or failed processing samples",
            ["kind"],
            registry=registry,
        )
        self._charges = prometheus_client.Counter(
            f"{PREFIX}_deal_charges_total",
            "What each deal was charged at epoch closes (payment token)",
            ["namespace", "deal"],
            registry=registry,
        )
        self._samples = prometheus_client.Counter(
            f"{PREFIX}_samples_total", "Processing samples by verdict", ["verdict"], registry=registry
        )

    def closed(self, record: chain.EpochRecord, seconds: float) -> None:
        """Count what a close (not a replay) did, and show its record as the head."""
        body = record.body
        totals = body["totals"]
        self._duration.observe(seconds)
        proofs = totals["proofs"]
        for outcome, count in [
            ("accepted", proofs["accepted"]),
            ("dropped", proofs["dropped"]),
            *proofs["rejected"].items(),
        ]:
            self._proofs.labels(outcome).inc(count)
        self._rewards.inc(float(totals["rewards"]["distributed"]))
        self._slashes.labels("proof").inc(float(totals["slashed"]["proofs"]))
        self._slashes.labels("sample").inc(float(totals["slashed"]["samples"]))
        for line in body["deals"]:
            self._charges.labels(*serving.deal_name(line["id"])).inc(float(line["charged"]))
        for verdict, count in totals["samples"].items():
            self._samples.labels(verdict).inc(count)
        self.head.show(record)


class OperatorMetrics:
    """Everything the operator exports, in one registry of its own (no process-global state in tests)."""

    def __init__(self) -> None:
        self.registry = prometheus_client.CollectorRegistry()
        self.observed = Observed()
        self.registry.register(self.observed)
        self.epochs = EpochMetrics(self.registry)
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
