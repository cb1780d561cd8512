"""The matcher bench runs and reports (a smoke run on a small cluster; no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.operator import manifests


def test_bench_prints_deals_per_second_and_the_ratio() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(manifests.REPO / "operator"), str(manifests.REPO)])}
    result = subprocess.run(
        [sys.executable, "-m", "bench.matcher", "--units", "60", "--deals", "12", "--runs", "1"],
        cwd=manifests.REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "12 deals over 60 units" in result.stdout
    assert "deals/s" in result.stdout
    assert "ratio matcher/reference" in result.stdout
