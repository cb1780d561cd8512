"""The kubelet's Events, written by the node agent: what `kubectl get events` and `kubectl describe pod` show.

Five pods, each made to produce a kind of event: a container that keeps crashing (Pulled,
Created, Started, BackOff, folded into counts rather than repeated), one whose readiness probe
fails (Unhealthy), one whose liveness probe fails (Unhealthy, then Killing), one whose ConfigMap
is missing and one whose image is unknown (Failed); deleting a pod records Killing.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import RunningCluster
from .test_node_agent import eventually, get_json

NAMESPACE = "event-tests"
POD_IP_ENV = [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]


def _pod(name: str, **container: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {
            "terminationGracePeriodSeconds": 2,
            "containers": [{"name": "main", "image": "cloudless/tiny-http:dev", "env": POD_IP_ENV, **container}],
        },
    }


PODS = [
    _pod("crasher", command=["python", "-c", "raise SystemExit(3)"]),
    _pod("unready", readinessProbe={"exec": {"command": ["python", "-c", "raise SystemExit(1)"]}, "periodSeconds": 1}),
    _pod("unlive", livenessProbe={"tcpSocket": {"port": 1}, "periodSeconds": 1, "failureThreshold": 1}),
    _pod("no-config", envFrom=[{"configMapRef": {"name": "absent"}}]),
    _pod("no-image", image="example.com/not-a-cloudless-image:1"),
]


@pytest.fixture(scope="module")
def pods(running_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    cluster = running_cluster
    cluster.kubectl("create", "namespace", NAMESPACE)
    eventually(
        lambda: cluster.kubectl("get", "serviceaccount", "default", "-n", NAMESPACE, check=False).returncode == 0,
        what="the namespace's default ServiceAccount",
    )
    manifest = tmp_path_factory.mktemp("events") / "pods.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": PODS}))
    cluster.kubectl("apply", "-f", str(manifest))
    yield cluster
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)


def _events(cluster: RunningCluster, pod: str) -> list[dict[str, Any]]:
    listed = get_json(cluster, "events", "-n", NAMESPACE, "--field-selector", f"involvedObject.name={pod}")
    return [e for e in listed["items"] if e.get("source", {}).get("component") == "kubelet"]


def _by_reason(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for event in events:
        found[event["reason"]].append(event)
    return found


def _having(cluster: RunningCluster, pod: str, *reasons: str) -> dict[str, list[dict[str, Any]]] | None:
    found = _by_reason(_events(cluster, pod))
    return found if all(reason in found for reason in reasons) else None


def test_a_crash_looping_container_records_its_starts_once_each_with_a_count(pods: RunningCluster) -> None:
    def restarted_twice() -> dict[str, list[dict[str, Any]]] | None:
        found = _having(pods, "crasher", "Pulled", "Created", "Started", "BackOff")
        return found if found and found["Started"][0]["count"] >= 3 else None

    found = eventually(restarted_twice, timeout=120, what="the crasher started three times, with a BackOff")
    for reason in ("Pulled", "Created", "Started", "BackOff"):
        assert len(found[reason]) == 1, found[reason]  # folded into one object, not one per restart
    started = found["Started"][0]
    assert started["message"] == "Container started"
    assert started["type"] == "Normal"
    assert started["involvedObject"]["fieldPath"] == "spec.containers{main}"
    assert started["source"]["host"] == "cloudless-node-1"
    assert started["firstTimestamp"] < started["lastTimestamp"]
    assert found["Created"][0]["message"] == "Container created"
    assert found["Pulled"][0]["message"].startswith(
        'Container image "cloudless/tiny-http:dev" already present on machine'
    )
    backoff = found["BackOff"][0]
    assert backoff["type"] == "Warning"
    assert backoff["message"].startswith("Back-off restarting failed container main in pod crasher_event-tests(")


def test_failed_probes_are_unhealthy_and_a_failed_liveness_probe_kills(pods: RunningCluster) -> None:
    def exited_1() -> list[dict[str, Any]] | None:
        found = _having(pods, "unready", "Unhealthy")
        unhealthy = found["Unhealthy"] if found else []
        return (
            unhealthy
            if any(e["message"].startswith("Readiness probe failed: command exited 1") for e in unhealthy)
            else None
        )

    unhealthy = eventually(exited_1, what="an Unhealthy event for the failing readiness probe")
    assert {e["type"] for e in unhealthy} == {"Warning"}
    assert all(e["message"].startswith("Readiness probe failed: ") for e in unhealthy)
    unlive = eventually(lambda: _having(pods, "unlive", "Unhealthy", "Killing"), what="Unhealthy and Killing events")
    assert any(e["message"].startswith("Liveness probe failed: ") for e in unlive["Unhealthy"])
    assert [e["message"] for e in unlive["Killing"]] == ["Container main failed liveness probe, will be restarted"]


def test_containers_that_cannot_be_created_record_failed(pods: RunningCluster) -> None:
    config = eventually(lambda: _having(pods, "no-config", "Failed"), what="a Failed event for the missing ConfigMap")
    assert [e["message"] for e in config["Failed"]] == ['Error: configmap "absent" not found']
    image = eventually(lambda: _having(pods, "no-image", "Failed"), what="Failed events for the unknown image")
    messages = {e["message"] for e in image["Failed"]}
    assert "Error: ErrImagePull" in messages
    assert any(m.startswith('Failed to pull image "example.com/not-a-cloudless-image:1": ') for m in messages)


def test_describe_shows_the_events_and_deleting_a_pod_records_killing(pods: RunningCluster) -> None:
    eventually(lambda: _having(pods, "unready", "Started"), what="the unready pod started")
    described = pods.kubectl("describe", "pod", "unready", "-n", NAMESPACE).stdout
    assert "Events:" in described
    assert "Started" in described and "Container started" in described
    pods.kubectl("delete", "pod", "unready", "-n", NAMESPACE, "--wait=true", "--timeout=60s")
    killing = eventually(lambda: _having(pods, "unready", "Killing"), what="the Killing event of the deleted pod")
    assert [e["message"] for e in killing["Killing"]] == ["Stopping container main"]
