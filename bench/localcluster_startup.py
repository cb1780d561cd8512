"""How long the local cluster takes to start, and to run a 5-replica Deployment: medians over several runs.

Each run uses a fresh temporary state folder (never the user's own cluster) and measures:

- **cold up**: `cloudless cluster up` on the empty folder (PKI, etcd's first start, every component
  healthy), timed as a user sees it, the CLI's interpreter start included;
- **cold node Ready**: from the same start until `cloudless-node-1` is Ready with a heartbeat posted
  by this start and without the not-ready / unreachable taints, i.e. until pods can be scheduled
  (`up` itself waits for health endpoints, not for the node lifecycle controller);
- **5 pods Ready**: `kubectl apply` of a Deployment of `cloudless/tiny-http:dev` (5 replicas, the
  readiness probe the agent tests use) until all 5 pods are Running and Ready. The namespace and
  its `default` ServiceAccount exist before the clock starts, as they would in any real namespace;
- **warm up / warm node Ready**: the same folder after `cluster down` (the Deployment deleted first,
  so the warm start does not also restart its pods): `up` again, with etcd's data and the PKI kept.

Timings are wall clock on a machine that is doing nothing else; the core count (`os.cpu_count()`)
and the apiserver's version are printed with them because both change the numbers. Progress goes
to stderr, the table to stdout. Whatever a run started is stopped in a `finally` (SIGTERM and
Ctrl-C included). Run from the repository root: `python -m bench.localcluster_startup [--runs N]`;
the control-plane binaries must be built (`make install`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

from cloudless_localcluster import build
from cloudless_localcluster.cluster import LocalCluster
from cloudless_localcluster.components import SERVICE_CIDR
from cloudless_localcluster.pki import ClusterPKI
from cloudless_localcluster.state import StateDir

#: A Kubernetes object as JSON.
Obj = dict[str, Any]
T = TypeVar("T")

NAMESPACE = "bench"
NODE = "cloudless-node-1"
REPLICAS = 5
IMAGE = "cloudless/tiny-http:dev"
#: Taints that keep the scheduler off a node that is not (yet) known to be Ready.
BLOCKING_TAINTS = frozenset({"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"})
#: Seconds to poll the apiserver between checks: fine enough for second-scale timings, light on 2 cores.
POLL = 0.1
#: Seconds between "still waiting" lines on stderr.
TICK = 5.0

#: The measured quantities in table order: key, label.
METRICS: tuple[tuple[str, str], ...] = (
    ("cold_up", "cluster up, cold (fresh state)"),
    ("cold_node", "  node Ready, cold"),
    ("pods_ready", f"apply -> {REPLICAS} pods Ready"),
    ("warm_up", "cluster up, warm (stopped state)"),
    ("warm_node", "  node Ready, warm"),
)

DEPLOYMENT: Obj = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": NAMESPACE},
    "spec": {
        "replicas": REPLICAS,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "terminationGracePeriodSeconds": 10,
                "containers": [
                    {
                        "name": "http",
                        "image": IMAGE,
                        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                        "ports": [{"name": "http", "containerPort": 8080}],
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 1},
                    }
                ],
            },
        },
    },
}


class BenchError(RuntimeError):
    """A run could not be measured; the message says which step failed."""


# -- pure helpers (unit-tested without a cluster) -------------------------------------------------


@dataclass(frozen=True)
class Options:
    runs: int


def _positive(text: str) -> int:
    """argparse type: an integer >= 1, so `--runs 0` fails at parse time, not after a cluster started."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.localcluster_startup",
        description=(__doc__ or "").splitlines()[0],
    )
    parser.add_argument("--runs", type=_positive, default=3, help="repetitions, each on a fresh state folder")
    args = parser.parse_args(argv)
    return Options(runs=args.runs)


def node_schedulable(node: Obj | None, since: dt.datetime) -> bool:
    """Ready=True from a heartbeat at or after `since`, and no taint that keeps pods off.

    The heartbeat check matters on a warm start: etcd still holds the Ready condition the previous
    agent posted, which says nothing about the node agent that has just started.
    """
    if node is None or node.get("spec", {}).get("unschedulable"):
        return False
    if any(t.get("key") in BLOCKING_TAINTS for t in node.get("spec", {}).get("taints") or []):
        return False
    for condition in node.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            try:
                beat = dt.datetime.fromisoformat(str(condition.get("lastHeartbeatTime")).replace("Z", "+00:00"))
            except ValueError:
                return False
            return beat >= since.replace(microsecond=0)
    return False


def count_ready(pods: Sequence[Obj]) -> tuple[int, int]:
    """(Running and Ready, not terminating) among `pods`: terminating pods are neither."""
    live = [p for p in pods if not p.get("metadata", {}).get("deletionTimestamp")]
    ready = [
        p
        for p in live
        if p.get("status", {}).get("phase") == "Running"
        and any(c.get("type") == "Ready" and c.get("status") == "True" for c in p["status"].get("conditions") or [])
    ]
    return len(ready), len(live)


def format_table(samples: Mapping[str, Sequence[float]], *, cores: int | None, version: str) -> str:
    """The result table: one row per metric, one column per run, then the median (seconds).

    A metric with fewer samples than the others (a run failed part-way) shows `-` in the missing
    columns and its median is over the samples it has.
    """
    runs = max((len(values) for values in samples.values()), default=0)
    label_width = max(len(label) for _, label in METRICS)
    header = f"{'seconds':<{label_width}}" + "".join(f"{f'run {i + 1}':>9}" for i in range(runs)) + f"{'median':>9}"
    lines = [
        f"localcluster startup: {runs} run(s), {cores if cores is not None else '?'} cores (os.cpu_count()), "
        f"Kubernetes {version}",
        header,
    ]
    for key, label in METRICS:
        values = list(samples.get(key, ()))
        cells = "".join(f"{v:>9.2f}" for v in values) + f"{'-':>9}" * (runs - len(values))
        median = f"{statistics.median(values):>9.2f}" if values else f"{'-':>9}"
        lines.append(f"{label:<{label_width}}{cells}{median}")
    return "\n".join(lines)


# -- talking to the cluster ------------------------------------------------------------------------


_began = time.monotonic()


def say(message: str) -> None:
    """Progress on stderr, stamped with the seconds since the bench began, so a stall is visible."""
    print(f"[{time.monotonic() - _began:7.1f}s] {message}", file=sys.stderr, flush=True)


class Api:
    """GETs on the cluster's apiserver as its admin, verified against the cluster CA.

    Polling through kubectl would start a Go binary ten times a second and compete with the pods
    being measured for the machine's few cores; one small HTTPS request does not.
    """

    def __init__(self, state: StateDir) -> None:
        url = LocalCluster(state).api_url()
        if url is None:
            raise BenchError(f"{state.root} has no recorded apiserver port")
        host, port = url.removeprefix("https://").rsplit(":", 1)
        self.host, self.port = host, int(port)
        pki = ClusterPKI(state.pki, SERVICE_CIDR)
        self.context = ssl.create_default_context(cafile=str(pki.crt("ca")))
        self.context.load_cert_chain(str(pki.crt("admin")), str(pki.key("admin")))

    def get(self, path: str) -> Obj | None:
        """The object at `path`, or None when it is 404 or the apiserver does not answer (yet)."""
        try:
            connection = http.client.HTTPSConnection(self.host, self.port, timeout=10, context=self.context)
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
        except (OSError, http.client.HTTPException):
            return None
        if response.status != 200:
            return None
        data: Obj = json.loads(body)
        return data


def wait_for(check: Callable[[], T | None], *, timeout: float, what: str, status: Callable[[], str] = lambda: "") -> T:
    """Poll `check` every POLL seconds until it returns something truthy; a line on stderr every TICK."""
    start = time.monotonic()
    next_tick = start + TICK
    while True:
        result = check()
        if result:
            return result
        now = time.monotonic()
        if now - start > timeout:
            raise BenchError(f"timed out after {timeout:.0f}s waiting for {what}")
        if now >= next_tick:
            extra = status()
            say(f"  waiting for {what} ({now - start:.0f}s){f': {extra}' if extra else ''}")
            next_tick = now + TICK
        time.sleep(POLL)


def cluster_up(state: StateDir, bin_dir: Path) -> None:
    """`cloudless cluster up` in a subprocess, its progress lines passed on to stderr indented."""
    command = [
        sys.executable,
        "-m",
        "cloudless_localcluster",
        "up",
        f"--state={state.root}",
        f"--bin-dir={bin_dir}",
    ]
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as process:
        assert process.stderr is not None
        for line in process.stderr:
            say(f"    up: {line.rstrip()}")
        code = process.wait(timeout=600)
    if code != 0:
        raise BenchError(f"cloudless cluster up --state={state.root} exited {code} (its output is above)")


def kubectl(state: StateDir, bin_dir: Path, *args: str) -> str:
    """The pinned kubectl on this cluster's kubeconfig; a failure carries its stderr."""
    command = [str(bin_dir / "kubectl"), f"--kubeconfig={state.admin_kubeconfig}", "--request-timeout=30s", *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
    if result.returncode != 0:
        raise BenchError(f"kubectl {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")
    return result.stdout


def timed_up(state: StateDir, bin_dir: Path, label: str) -> tuple[float, float, Api]:
    """Seconds until `up` returned and until the node is schedulable, both from the moment `up` was run."""
    since = dt.datetime.now(dt.UTC)
    start = time.monotonic()
    cluster_up(state, bin_dir)
    up_s = time.monotonic() - start
    say(f"{label}: cluster up returned after {up_s:.2f}s")
    api = Api(state)
    wait_for(
        lambda: node_schedulable(api.get(f"/api/v1/nodes/{NODE}"), since),
        timeout=180,
        what=f"{NODE} Ready and untainted",
    )
    node_s = time.monotonic() - start
    say(f"{label}: {NODE} Ready after {node_s:.2f}s")
    return up_s, node_s, api


def timed_deployment(state: StateDir, bin_dir: Path, api: Api, manifest: Path) -> float:
    """Seconds from `kubectl apply` of the Deployment until all its pods are Running and Ready."""
    kubectl(state, bin_dir, "create", "namespace", NAMESPACE)
    wait_for(
        lambda: api.get(f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/default"),
        timeout=60,
        what="the namespace's default ServiceAccount",
    )
    pods_path = f"/api/v1/namespaces/{NAMESPACE}/pods?labelSelector=app%3Dweb"

    def tally() -> tuple[int, int]:
        pods = api.get(pods_path)
        return count_ready(pods["items"] if pods else [])

    start = time.monotonic()
    kubectl(state, bin_dir, "apply", "-f", str(manifest))
    wait_for(
        lambda: tally() == (REPLICAS, REPLICAS),
        timeout=180,
        what=f"{REPLICAS} pods Ready",
        status=lambda: "{} Ready of {} pods".format(*tally()),
    )
    ready_s = time.monotonic() - start
    say(f"deployment: {REPLICAS} pods Ready {ready_s:.2f}s after kubectl apply")
    kubectl(state, bin_dir, "delete", "namespace", NAMESPACE, "--wait=false")
    wait_for(
        lambda: api.get(f"/api/v1/namespaces/{NAMESPACE}") is None,
        timeout=120,
        what=f"namespace {NAMESPACE} and its pods to be deleted",
    )
    return ready_s


def down(state: StateDir) -> None:
    """Stop every component and pod process of this state folder (in-process: works even if the CLI broke)."""
    stopped = LocalCluster(state).down(lambda line: say(f"    down: {line}"))
    say(f"cluster down: stopped {len(stopped)} components")


@dataclass
class Results:
    """What the runs measured so far: seconds per metric key, and the apiserver's version."""

    samples: dict[str, list[float]] = field(default_factory=lambda: {key: [] for key, _ in METRICS})
    version: str = "unknown"


def one_run(index: int, bin_dir: Path, scratch: Path, results: Results) -> None:
    """One cold start, the Deployment, one warm start; the cluster is down again whatever happens.

    Each timing goes into `results` as soon as it is measured, so a run failing part-way still
    shows what it got.
    """
    state = StateDir(scratch / f"run-{index}" / "state")
    manifest = scratch / f"run-{index}" / "web.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps(DEPLOYMENT))
    samples = results.samples
    try:
        cold_up, cold_node, api = timed_up(state, bin_dir, "cold")
        samples["cold_up"].append(cold_up)
        samples["cold_node"].append(cold_node)
        answer = api.get("/version")
        if answer:
            results.version = str(answer.get("gitVersion", "unknown"))
        samples["pods_ready"].append(timed_deployment(state, bin_dir, api, manifest))
        down(state)
        warm_up, warm_node, _ = timed_up(state, bin_dir, "warm")
        samples["warm_up"].append(warm_up)
        samples["warm_node"].append(warm_node)
    finally:
        down(state)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM becomes SystemExit, so the `finally` blocks stop the cluster as Ctrl-C would."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    bin_dir = build.installed_bin_dir()
    if bin_dir is None:
        print("error: the control-plane binaries are not built: run `make install`", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    results = Results()
    scratch = Path(tempfile.mkdtemp(prefix="cloudless-bench-"))
    failed = False
    try:
        for index in range(1, options.runs + 1):
            say(f"run {index}/{options.runs}: state folder {scratch / f'run-{index}' / 'state'}")
            one_run(index, bin_dir, scratch, results)
    except BenchError as error:
        failed = True
        say(f"error: {error}")
        say(f"state folders (logs/) kept in {scratch}")
    finally:
        if not failed:
            shutil.rmtree(scratch, ignore_errors=True)
    print(format_table(results.samples, cores=os.cpu_count(), version=results.version))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
