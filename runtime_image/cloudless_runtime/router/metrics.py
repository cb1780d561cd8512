"""The router's Prometheus metrics, in one registry per router so that routers sharing a process
(tests, embedded peers) keep separate counts; the sidecar passes the process-wide registry.

Names follow Prometheus conventions under `cloudless_router_`: counters end in `_total`,
durations are histograms in seconds. Label values are bounded sets (a rejection reason word, a
failure stage and reason, `peer`/`client`, `builtin`/`marine`), never ids, so a flood of made-up
particles cannot grow the number of series. No gRPC here; the endpoint is `telemetry.endpoint`.
"""

from __future__ import annotations

import typing
from typing import Literal

import prometheus_client

from cloudless_runtime.router import failures, particle

Party = Literal["peer", "client"]
"""Where a particle came from or went to."""
CallKind = Literal["builtin", "marine"]
StepRecordResult = Literal["written", "too_large", "failed"]
"""What became of one executed-step record (`stepstore`)."""

_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""An AIR run or a local call takes from well under a millisecond to a Marine call's time limit."""


class RouterMetrics:
    def __init__(self, registry: prometheus_client.CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else prometheus_client.CollectorRegistry()
        r = self.registry
        self.received = prometheus_client.Counter(
            "cloudless_router_particles_received",
            "Particles that arrived, valid or not: from another peer (Send) or a client session.",
            ["via"],
            registry=r,
        )
        self.rejected = prometheus_client.Counter(
            "cloudless_router_particles_rejected",
            "Particles refused before running, by reason (malformed, too_large, expired, bad_signature, ..., "
            "too_many_particles when the router already tracks its limit of live particles).",
            ["reason"],
            registry=r,
        )
        self.tracked = prometheus_client.Gauge(
            "cloudless_router_particles_tracked",
            "Live particles the router tracks now (replay state and a worker each), bounded by its limit.",
            registry=r,
        )
        self.step_records = prometheus_client.Counter(
            "cloudless_router_step_records",
            "Executed-step records kept for sampling: written, too_large (over a file's share of the disk "
            "budget) or failed (the folder could not be written).",
            ["result"],
            registry=r,
        )
        self.forwarded = prometheus_client.Counter(
            "cloudless_router_particles_forwarded",
            "Particles handed on: delivered to another peer, or pushed to a client over its session.",
            ["to"],
            registry=r,
        )
        self.failures = prometheus_client.Counter(
            "cloudless_router_failures",
            "Entries of the failure record: particles that could not run or be delivered, by stage and reason.",
            ["stage", "reason"],
            registry=r,
        )
        self.interpretation = prometheus_client.Histogram(
            "cloudless_router_interpretation_duration_seconds",
            "Time of one AIR engine run on a particle.",
            buckets=_SECONDS,
            registry=r,
        )
        self.calls = prometheus_client.Histogram(
            "cloudless_router_call_duration_seconds",
            "Time to serve one call request locally: a builtin, or a Marine service through the runtime.",
            ["kind"],
            buckets=_SECONDS,
            registry=r,
        )
        # Known label values start at zero, so a dashboard sees "none yet" rather than "no data".
        for reason in typing.get_args(particle.Reason):
            self.rejected.labels(reason)
        for party in typing.get_args(Party):
            self.received.labels(party)
            self.forwarded.labels(party)
        for result in typing.get_args(StepRecordResult):
            self.step_records.labels(result)

    def step_record(self, result: StepRecordResult) -> None:
        """`stepstore.Store`'s observer: counts each record by what became of it."""
        self.step_records.labels(result).inc()

    def failure(self, entry: failures.Failure) -> None:
        """`failures.Journal`'s observer: counts each recorded failure."""
        self.failures.labels(entry.stage, entry.reason).inc()

    def rejections(self) -> dict[str, int]:
        """Rejections so far by reason, leaving out reasons never seen."""
        return {
            sample.labels["reason"]: int(sample.value)
            for metric in self.rejected.collect()
            for sample in metric.samples
            if sample.name.endswith("_total") and sample.value
        }
