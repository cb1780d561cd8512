"""Time from `kubectl apply` of a Deal to all of its workers Ready with the service deployed (3 and 8 workers).

One temporary local cluster with two nodes (eight ComputeUnits), the operator as a process, and the
greeting module in a ConfigMap. The reference, measured in the same invocation, is one bare pod of
the runtime image becoming Ready through its gRPC readiness probe: what a single worker costs
before the operator adds anything. The ratio says how much matching, identities, pods, the router
and deploying add on top. Medians over `--runs`; progress to stderr, the table to stdout.
Run from the repository root after `make install modules`: `python -m bench.deal_ready [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from cloudless_localcluster import build
from cloudless_localcluster.cluster import LocalCluster
from cloudless_localcluster.state import StateDir
from cloudless_operator import demo

SIZES = (3, 8)


class Bench:
    """A temporary two-node cluster and the demo's kubectl on it."""

    def __init__(self, state: Path) -> None:
        self.cluster = LocalCluster(StateDir(state), build.installed_bin_dir())
        self.kubectl = demo.Kubectl(self.cluster)

    def ready_workers(self, subnet: str) -> int:
        found = self.kubectl.json("subnet", subnet) or {}
        return int(found.get("status", {}).get("readyWorkers", 0))


def until(probe: Callable[[], bool], *, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise TimeoutError("the cluster did not get there in time")
        time.sleep(0.2)


def reference_pod(bench: Bench, run: int) -> float:
    """Seconds from applying one runtime pod to its Ready condition; the pod is deleted afterwards."""
    name = f"reference-{run}"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "nodeName": "cloudless-node-1",
            "containers": [
                {
                    "name": "runtime",
                    "image": "cloudless/runtime:dev",
                    "args": [
                        "--state-dir",
                        "/tmp/state",
                        "--listen",
                        "$(POD_IP):7100",
                        "--key-file",
                        "/tmp/state/key",
                        "--create-key",
                    ],
                    "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                    "readinessProbe": {"grpc": {"port": 7100}, "periodSeconds": 1},
                    "volumeMounts": [{"name": "state", "mountPath": "/tmp/state"}],
                }
            ],
            "volumes": [{"name": "state", "emptyDir": {}}],
        },
    }
    started = time.perf_counter()
    bench.kubectl.apply(pod)

    def ready() -> bool:
        found = bench.kubectl.json("pod", name) or {"status": {}}
        return any(c["type"] == "Ready" and c["status"] == "True" for c in found["status"].get("conditions", []))

    until(ready)
    elapsed = time.perf_counter() - started
    bench.kubectl("delete", "pod", name, "--wait=true")
    return elapsed


def deal_ready(bench: Bench, workers: int, run: int) -> float:
    """Seconds from applying a `workers`-worker deal to its Subnet reporting them all Ready; then it is deleted."""
    (body,) = [doc for doc in yaml.safe_load_all(demo.DEAL.read_text()) if doc]
    body["metadata"]["name"] = name = f"bench-{workers}-{run}"
    body["spec"].update(minWorkers=workers, targetWorkers=workers, maxWorkersPerProvider=workers, deposit="1000")
    started = time.perf_counter()
    bench.kubectl.apply(body)
    until(lambda: bench.ready_workers(name) == workers)
    elapsed = time.perf_counter() - started
    bench.kubectl("delete", "deal", name, "--wait=true")
    until(lambda: not (bench.kubectl.json("pods", "-l", f"cloudless.dev/subnet={name}") or {}).get("items"))
    return elapsed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="cloudless-bench-deal-") as state:
        bench = Bench(Path(state))
        log = Path(state) / "operator.log"
        operator: subprocess.Popen[bytes] | None = None
        try:
            bench.cluster.up(lambda line: print(f"  {line}", file=sys.stderr), nodes=2)
            bench.kubectl("apply", "-f", str(demo.REPO / "crds"))
            bench.kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
            env = {
                **os.environ,
                "KUBECONFIG": str(bench.cluster.kubeconfig),
                "CLOUDLESS_LIVENESS": f"http://127.0.0.1:{_free_port()}/healthz",
                "CLOUDLESS_METRICS": f"127.0.0.1:{_free_port()}",
            }
            with log.open("ab") as out:
                operator = subprocess.Popen(
                    [sys.executable, "-m", "cloudless_operator"], stdout=out, stderr=out, env=env
                )
            subprocess.run([demo.CLOUDLESS, "cu", "sync"], env=env, check=True, capture_output=True, timeout=60)
            bench.kubectl.apply(demo.module_config_map())
            references: list[float] = []
            timings: dict[int, list[float]] = {size: [] for size in SIZES}
            for run in range(runs):
                references.append(reference_pod(bench, run))
                for size in SIZES:
                    timings[size].append(deal_ready(bench, size, run))
                    print(f"run {run + 1}/{runs}: {size} workers in {timings[size][-1]:.2f}s", file=sys.stderr)
        finally:
            if operator is not None:
                operator.terminate()
                operator.wait(timeout=20)
            bench.cluster.down(lambda line: None)
    reference = statistics.median(references)
    print(f"reference: one runtime pod Ready in {reference:.2f}s (median of {runs}, {os.cpu_count()} cores)")
    print(f"{'workers':>8} {'apply->Ready s':>15} {'x reference':>12}")
    for size in SIZES:
        median = statistics.median(timings[size])
        print(f"{size:>8} {median:>15.2f} {median / reference:>12.1f}")


if __name__ == "__main__":
    main()
