"""The AquaVM conformance runner: oracle vectors run on our AIR engine under the oracle's rules.

`../shared/avm-oracle` runs vectors on the real AquaVM in a simulated network and records what
happened. This package reads the same vectors, runs them on `cloudless_runtime.air.run` in a
re-implementation of that network (same keys, services, scheduling and reporting), and compares.
"""

from cloudless_runtime.air.conformance.compare import compare_outcome
from cloudless_runtime.air.conformance.engine import Engine
from cloudless_runtime.air.conformance.network import RunOptions, run_raw, run_vector
from cloudless_runtime.air.conformance.outcome import InvalidVector, VectorOutcome
from cloudless_runtime.air.conformance.vectors import Vector, VectorError, parse_vector, read_vectors

__all__ = [
    "Engine",
    "InvalidVector",
    "RunOptions",
    "Vector",
    "VectorError",
    "VectorOutcome",
    "compare_outcome",
    "parse_vector",
    "read_vectors",
    "run_raw",
    "run_vector",
]
