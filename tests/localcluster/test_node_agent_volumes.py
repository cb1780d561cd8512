"""ConfigMap volumes are kept current while the pod runs: an edit reaches the running process, no restart.

The container prints a mounted ConfigMap file in a loop, with the file's mtime as `os.stat` sees
it through the volume's links (what the router's address book reload watches), and the same key
mounted by `subPath`, which, as in Kubernetes, keeps the content the container started with.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import RunningCluster
from .test_node_agent import eventually, get_json

NAMESPACE = "volume-tests"

PRINT_LOOP = """
import os, sys, time
path, pinned = sys.argv[1], sys.argv[2]
while True:
    value, fixed = open(path).read().strip(), open(pinned).read().strip()
    print(f"value={value} mtime={os.stat(path).st_mtime_ns} subpath={fixed}", flush=True)
    time.sleep(0.5)
"""

CONFIG_MAP = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "greeting", "namespace": NAMESPACE},
    "data": {"greeting": "hello"},
}

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "reader", "namespace": NAMESPACE},
    "spec": {
        "terminationGracePeriodSeconds": 2,
        "containers": [
            {
                "name": "reader",
                "image": "cloudless/tiny-http:dev",
                "command": ["python", "-c", PRINT_LOOP, "/config/greeting", "/pinned/greeting"],
                "volumeMounts": [
                    {"name": "config", "mountPath": "/config", "readOnly": True},
                    {"name": "config", "mountPath": "/pinned/greeting", "subPath": "greeting"},
                ],
            }
        ],
        "volumes": [{"name": "config", "configMap": {"name": "greeting"}}],
    },
}

LINE = re.compile(r"^value=(\S+) mtime=(\d+) subpath=(\S+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def reader(running_cluster: RunningCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCluster]:
    cluster = running_cluster
    cluster.kubectl("create", "namespace", NAMESPACE)
    eventually(
        lambda: cluster.kubectl("get", "serviceaccount", "default", "-n", NAMESPACE, check=False).returncode == 0,
        what="the namespace's default ServiceAccount",
    )
    manifest = tmp_path_factory.mktemp("volumes") / "reader.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [CONFIG_MAP, POD]}))
    cluster.kubectl("apply", "-f", str(manifest))
    yield cluster
    cluster.kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)


def _lines(cluster: RunningCluster) -> list[tuple[str, int, str]]:
    logs = cluster.kubectl("logs", "-n", NAMESPACE, "reader", check=False).stdout
    return [(value, int(mtime), fixed) for value, mtime, fixed in LINE.findall(logs)]


def _container(cluster: RunningCluster) -> dict[str, Any]:
    return dict(get_json(cluster, "pod", "reader", "-n", NAMESPACE)["status"]["containerStatuses"][0])


def test_an_edited_config_map_reaches_the_running_container(reader: RunningCluster) -> None:
    before = eventually(lambda: _lines(reader), what="the reader printing its ConfigMap")
    assert before[0][0] == "hello" and before[0][2] == "hello"
    started = _container(reader)
    reader.kubectl(
        "patch", "configmap", "greeting", "-n", NAMESPACE, "--type=merge", "-p", '{"data":{"greeting":"bonjour"}}'
    )
    after = eventually(
        lambda: [line for line in _lines(reader) if line[0] == "bonjour"],
        timeout=60,
        what="the edited value in the running container's output",
    )
    assert after[0][1] > before[-1][1]  # the mtime seen through the link moved with the content
    assert {fixed for _, _, fixed in after} == {"hello"}  # subPath mounts are not updated, as in Kubernetes
    status = _container(reader)
    assert status["restartCount"] == 0
    assert status["containerID"] == started["containerID"]


def test_the_volume_folder_has_the_kubelets_layout(reader: RunningCluster) -> None:
    uid = get_json(reader, "pod", "reader", "-n", NAMESPACE)["metadata"]["uid"]
    folder = reader.state / "agent" / "pods" / uid / "volumes" / "config"
    version = os.readlink(folder / "..data")
    assert version.startswith("..") and (folder / version).is_dir()
    assert os.readlink(folder / "greeting") == "..data/greeting"
    assert sorted(entry.name for entry in folder.iterdir()) == sorted(["..data", version, "greeting"])
    pinned = reader.state / "agent" / "pods" / uid / "volume-subpaths" / "config" / "reader" / "1"
    assert pinned.read_text() == "hello"
