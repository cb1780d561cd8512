"""The node agent's pure parts, without a cluster: the kubelet's rules as functions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cloudless_localcluster.agent import images, kubelet_api, network, spec, status
from cloudless_localcluster.agent.status import ContainerView


def test_env_references_expand_like_the_kubelet() -> None:
    env = {"A": "1", "B": "two"}
    assert spec.expand("$(A)-$(B)-$(C)-$$(A)", env) == "1-two-$(C)-$(A)"


def test_memory_quantities() -> None:
    assert spec.memory_bytes("4Gi") == 4 * 2**30
    assert spec.memory_bytes("512Mi") == 512 * 2**20
    assert spec.memory_bytes("1G") == 10**9
    with pytest.raises(spec.ConfigError):
        spec.memory_bytes("lots")


def test_paths_under_a_mount_point_to_the_volume_folder() -> None:
    mounts = [("/etc/config", Path("/state/v/config"))]
    assert spec.rewrite("/etc/config/app.yaml", mounts) == "/state/v/config/app.yaml"
    assert spec.rewrite("--config=/etc/config/app.yaml", mounts) == "--config=/state/v/config/app.yaml"
    assert spec.rewrite("/etc/configuration", mounts) == "/etc/configuration"


def test_images_map_to_entrypoints_and_python_is_the_agents() -> None:
    argv = list(images.entrypoint("cloudless/tiny-http:dev"))
    assert images.resolve_python(argv)[0] == sys.executable
    with pytest.raises(images.UnknownImage, match="not known to the cloudless node agent"):
        images.entrypoint("nginx")


def test_pod_addresses_come_from_the_nodes_cidr_and_are_reused_after_release() -> None:
    addresses = network.Addresses({"n1": network.pod_cidr(42)})
    first = addresses.allocate("n1", "uid-a")
    assert first == "127.42.0.2"
    assert addresses.allocate("n1", "uid-b") == "127.42.0.3"
    addresses.release(first)
    assert addresses.allocate("n1", "uid-c") == first


def _view(state: dict[str, object], *, restarts: int = 0, ready: bool = False) -> ContainerView:
    return ContainerView("c", "img", state, None, restarts, ready, ready)


def test_pod_phase_follows_the_containers_and_restart_policy() -> None:
    waiting = _view({"waiting": {"reason": "ContainerCreating"}})
    running = _view({"running": {"startedAt": "t"}}, ready=True)
    done = _view({"terminated": {"exitCode": 0}})
    failed = _view({"terminated": {"exitCode": 2}})
    assert status.phase([waiting], "Always") == "Pending"
    assert status.phase([running], "Always") == "Running"
    assert status.phase([done], "Never") == "Succeeded"
    assert status.phase([failed], "Never") == "Failed"
    assert status.phase([failed], "OnFailure") == "Running"


def test_conditions_keep_their_transition_time_while_unchanged() -> None:
    pod = {"spec": {}, "status": {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "old"}]}}
    running = _view({"running": {"startedAt": "t"}}, ready=True)
    computed = status.compute(pod, [running], pod_ip="127.1.0.2", start_time="t", now="new")
    ready = next(c for c in computed["conditions"] if c["type"] == "Ready")
    assert ready == {"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": "old"}
    assert computed["podIP"] == "127.1.0.2"


def test_log_tail_offsets(tmp_path: Path) -> None:
    log = tmp_path / "0.log"
    log.write_bytes(b"one\ntwo\nthree\n")
    assert log.read_bytes()[kubelet_api.tail_offset(log, 2) :] == b"two\nthree\n"
    assert kubelet_api.tail_offset(log, 10) == 0


def _named(name: str, state: dict[str, object]) -> ContainerView:
    return ContainerView(name, "img", state, None, 0, False, False)


def test_init_containers_hold_the_pod_pending_and_uninitialized_until_each_succeeded() -> None:
    done = _named("first", {"terminated": {"exitCode": 0, "reason": "Completed"}})
    running = _named("second", {"running": {"startedAt": "t"}})
    app = _named("app", {"waiting": {"reason": "PodInitializing"}})
    pod: dict[str, object] = {"spec": {"restartPolicy": "Always"}}
    computed = status.compute(pod, [app], init_views=[done, running], pod_ip="127.9.0.2", start_time="t", now="n")
    assert computed["phase"] == "Pending"
    initialized = next(c for c in computed["conditions"] if c["type"] == "Initialized")
    assert initialized["status"] == "False"
    assert initialized["reason"] == "ContainersNotInitialized"
    assert initialized["message"] == "containers with incomplete status: [second]"
    assert [s["name"] for s in computed["initContainerStatuses"]] == ["first", "second"]
    assert "initContainerStatuses" not in status.compute(pod, [app], pod_ip="127.9.0.2", start_time="t", now="n")


def test_a_failed_init_container_fails_the_pod_only_when_nothing_restarts() -> None:
    failed = _named("init", {"terminated": {"exitCode": 1, "reason": "Error"}})
    app = _named("app", {"waiting": {"reason": "PodInitializing"}})
    assert status.phase([app], "Never", [failed]) == "Failed"
    assert status.phase([app], "OnFailure", [failed]) == "Pending"
    done = _named("init", {"terminated": {"exitCode": 0, "reason": "Completed"}})
    assert status.phase([_named("app", {"running": {"startedAt": "t"}})], "Always", [done]) == "Running"
