"""The epoch benches run and report (smoke runs on small worlds; no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.operator import manifests


def bench(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(manifests.REPO / "operator"), str(manifests.REPO)])}
    done = subprocess.run(
        [sys.executable, "-m", *args],
        cwd=manifests.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def test_epoch_close_bench_prints_the_close_time_rates_and_ratio() -> None:
    out = bench("bench.epoch_close", "--units", "40", "--deals", "4", "--samples-per-subnet", "2", "--runs", "1")
    assert "40 units, 4 deals" in out
    assert "8 samples drawn from 24 retained steps" in out
    assert "ratio close/reference" in out
    assert "proofs/s" in out
    assert "samples/s" in out


def test_prover_bench_prints_each_algorithm_next_to_hashlib() -> None:
    out = bench("bench.prover", "--seconds", "0.05", "--scrypt-hashes", "1", "--proofs", "1")
    for algorithm in ("sha256", "blake2b", "scrypt"):
        assert f"{algorithm:8} prover" in out
    assert out.count("ratio prover/raw") == 3
    assert "proofs/s" in out
