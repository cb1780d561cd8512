"""Reading a Prometheus endpoint the way a scraper does: HTTP GET, then the text format parser."""

from __future__ import annotations

import urllib.request

from prometheus_client import parser

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(address: str, *, timeout_s: float = 10.0) -> Samples:
    """Every sample at http://ADDRESS/metrics, keyed by name and label set."""
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=timeout_s) as response:
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in parser.text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value, 0 when absent (a counter nobody incremented yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum over every series of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in samples.items() if n == name and wanted <= have)
