"""The prover's Prometheus metrics, under `cloudless_prover_`: hashes done, the current hash rate,
proofs written and the epoch being proved. One prover process serves one unit, so no label names
it: the scrape target does. The endpoint is `telemetry.endpoint`, as for the router.
"""

from __future__ import annotations

import prometheus_client


class ProverMetrics:
    def __init__(self, registry: prometheus_client.CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else prometheus_client.CollectorRegistry()
        r = self.registry
        self.hashes = prometheus_client.Counter(
            "cloudless_prover_hashes", "Puzzle hashes computed, valid or not.", registry=r
        )
        self.hash_rate = prometheus_client.Gauge(
            "cloudless_prover_hash_rate", "Hashes per second over the last round of the search.", registry=r
        )
        self.proofs = prometheus_client.Counter(
            "cloudless_prover_proofs", "Proofs found, signed and written to the outbox.", registry=r
        )
        self.epoch = prometheus_client.Gauge(
            "cloudless_prover_epoch", "The epoch of the challenge being solved (0 before the first).", registry=r
        )

    def round(self, hashes: int, seconds: float) -> None:
        """Counts one round of the search and updates the rate from its duration."""
        self.hashes.inc(hashes)
        if seconds > 0:
            self.hash_rate.set(hashes / seconds)
