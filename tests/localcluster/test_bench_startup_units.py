"""The startup bench's pure helpers, without a cluster: a bench is run by hand, so its breakages show
late; these catch the ones that would waste a minute-long run (bad arguments, a stale Ready
condition counted as fresh, a table that no longer lines up) in milliseconds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bench import localcluster_startup as bench

SINCE = dt.datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=dt.UTC)


def node(*, beat: str = "2026-01-02T03:04:05Z", status: str = "True", taints: list[str] | None = None) -> Any:
    return {
        "spec": {"taints": [{"key": key, "effect": "NoSchedule"} for key in taints or []]},
        "status": {"conditions": [{"type": "Ready", "status": status, "lastHeartbeatTime": beat}]},
    }


def pod(*, phase: str = "Running", ready: str = "True", deleting: bool = False) -> Any:
    metadata = {"name": "web-x", "deletionTimestamp": "2026-01-02T03:04:05Z"} if deleting else {"name": "web-x"}
    return {"metadata": metadata, "status": {"phase": phase, "conditions": [{"type": "Ready", "status": ready}]}}


def test_runs_defaults_and_parses() -> None:
    assert bench.parse_args([]).runs == 3
    assert bench.parse_args(["--runs", "7"]).runs == 7


@pytest.mark.parametrize("bad", ["0", "-2", "two", "1.5"])
def test_runs_must_be_a_positive_integer_before_any_cluster_starts(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        bench.parse_args(["--runs", bad])
    assert exited.value.code == 2
    assert "--runs" in capsys.readouterr().err


def test_node_is_schedulable_only_when_ready_fresh_and_untainted() -> None:
    # Same second as the start: heartbeats have whole seconds, so this one may be from the new agent.
    assert bench.node_schedulable(node(), SINCE)
    assert bench.node_schedulable(node(beat="2026-01-02T03:04:09Z"), SINCE)
    # A Ready condition left in etcd by the previous agent (the warm start) does not count.
    assert not bench.node_schedulable(node(beat="2026-01-02T03:04:04Z"), SINCE)
    assert not bench.node_schedulable(node(status="False"), SINCE)
    assert not bench.node_schedulable(node(taints=["node.kubernetes.io/not-ready"]), SINCE)
    assert not bench.node_schedulable(node(taints=["node.kubernetes.io/unreachable"]), SINCE)
    assert bench.node_schedulable(node(taints=["example.com/other"]), SINCE)
    assert not bench.node_schedulable(None, SINCE)
    assert not bench.node_schedulable({"spec": {}, "status": {}}, SINCE)
    assert not bench.node_schedulable(node(beat=""), SINCE)
    cordoned = node()
    cordoned["spec"]["unschedulable"] = True
    assert not bench.node_schedulable(cordoned, SINCE)


def test_count_ready_ignores_terminating_pods_and_needs_running_and_ready() -> None:
    pods = [pod(), pod(), pod(ready="False"), pod(phase="Pending", ready="False"), pod(deleting=True)]
    assert bench.count_ready(pods) == (2, 4)
    assert bench.count_ready([]) == (0, 0)
    assert bench.count_ready([{"metadata": {}, "status": {"phase": "Pending"}}]) == (0, 1)


def test_table_has_every_metric_each_run_and_the_median() -> None:
    samples = {key: [1.0, 3.0, 2.0] for key, _ in bench.METRICS}
    samples["pods_ready"] = [10.0, 12.5, 11.0]
    table = bench.format_table(samples, cores=2, version="v1.36.3").splitlines()
    assert "3 run(s)" in table[0] and "2 cores" in table[0] and "v1.36.3" in table[0]
    assert table[1].split() == ["seconds", "run", "1", "run", "2", "run", "3", "median"]
    assert len(table) == 2 + len(bench.METRICS)
    rows = dict(zip((label for _, label in bench.METRICS), table[2:], strict=True))
    assert rows["  node Ready, cold"].split()[-4:] == ["1.00", "3.00", "2.00", "2.00"]
    assert rows[f"apply -> {bench.REPLICAS} pods Ready"].split()[-4:] == ["10.00", "12.50", "11.00", "11.00"]
    # Columns line up: every row as wide as the header.
    assert len({len(line) for line in table[1:]}) == 1


def test_table_marks_what_a_failed_run_did_not_measure() -> None:
    samples: dict[str, list[float]] = {key: [] for key, _ in bench.METRICS}
    samples["cold_up"] = [4.0, 6.0]
    samples["cold_node"] = [8.0]
    table = bench.format_table(samples, cores=None, version="unknown").splitlines()
    assert "? cores" in table[0]
    rows = dict(zip((key for key, _ in bench.METRICS), table[2:], strict=True))
    assert rows["cold_up"].split()[-3:] == ["4.00", "6.00", "5.00"]
    assert rows["cold_node"].split()[-3:] == ["8.00", "-", "8.00"]
    assert rows["warm_up"].split()[-3:] == ["-", "-", "-"]


def test_manifest_is_a_five_replica_deployment_of_an_image_the_agent_knows() -> None:
    from cloudless_localcluster.agent.images import IMAGES

    spec = bench.DEPLOYMENT["spec"]
    assert spec["replicas"] == 5 == bench.REPLICAS
    assert spec["template"]["metadata"]["labels"] == spec["selector"]["matchLabels"]
    (container,) = spec["template"]["spec"]["containers"]
    assert container["image"] in IMAGES
