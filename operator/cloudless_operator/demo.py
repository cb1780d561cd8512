"""`cloudless demo up | down`: the whole product on one machine, as `make demo` runs it from a checkout.

`up` starts the local cluster (real control plane + node agent), installs the CRDs, starts the
operator in the background, offers the node's capacity as ComputeUnits, stores the example's Wasm
module in a ConfigMap, applies `examples/deal.yaml`, waits (with a progress bar) until every
worker is Ready with the service deployed, and runs `examples/hello.air` through one worker. Each
step is idempotent, so running `up` again resumes or repeats the check. `down` stops the operator
and the cluster (its state stays for the next `up`; `cloudless cluster up --reset` wipes it).
The files it applies come from the source checkout this package runs from.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

from cloudless_localcluster import build
from cloudless_localcluster.cluster import ClusterError, LocalCluster
from cloudless_localcluster.state import StateDir, default_state_dir

REPO = Path(__file__).resolve().parents[2]
DEAL = REPO / "examples" / "deal.yaml"
HELLO = REPO / "examples" / "hello.air"
MODULE = REPO / "examples" / "modules" / "build" / "greeting_c.wasm"
WAIT_S = 300
CLOUDLESS = str(Path(sys.executable).with_name("cloudless"))


class DemoError(click.ClickException):
    """A step failed; the message says which and what to look at."""


@click.group()
def demo() -> None:
    """The example deal on a local cluster, end to end (needs a source checkout and `make install modules`)."""


@demo.command()
def up() -> None:
    """Start everything, apply the example deal, wait for its workers and run hello through one of them."""
    cluster = _cluster()
    _step("starting the local cluster")
    try:
        cluster.up(lambda line: click.echo(f"  {line}", err=True))
    except ClusterError as error:
        raise DemoError(str(error)) from None
    kubectl = Kubectl(cluster)
    _step("installing the CRDs")
    kubectl("apply", "-f", str(REPO / "crds"))
    kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
    _step("starting the operator")
    _start_operator(cluster)
    _step("offering the node's capacity as ComputeUnits")
    _run([CLOUDLESS, "cu", "sync", "--kubeconfig", str(cluster.kubeconfig)], cluster)
    _step("storing the greeting module in ConfigMap greeting-c and applying examples/deal.yaml")
    if not MODULE.exists():
        raise DemoError(f"{MODULE} is missing: run `make modules` first")
    kubectl.apply(module_config_map())
    kubectl("apply", "-f", str(DEAL))
    workers = _wait_for_workers(kubectl)
    relay = workers[0]["address"]
    _step(f"running examples/hello.air through worker {workers[0]['name']} ({relay})")
    answer = _run([CLOUDLESS, "run", str(HELLO), "--relay", relay, "--data", 'name="world"'], cluster)
    for line in json.loads(answer):
        click.echo(f"  {line}")
    config = cluster.kubeconfig
    click.echo(
        f"\nExplore it:\n"
        f"  export KUBECONFIG={config}\n"
        f"  {kubectl.binary} get deals,subnets,computeunits,pods\n"
        f"  {kubectl.binary} describe deal greeting\n"
        f"  cloudless run examples/hello.air --relay {relay} --data name='\"you\"'\n"
        f"Operator log: {_operator_log(cluster)}\n"
        f"Stop it: cloudless demo down   (or `make demo-down`)"
    )


@demo.command()
def down() -> None:
    """Stop the operator and the local cluster; the cluster's state stays for the next `up`."""
    cluster = _cluster()
    _stop_operator(cluster)
    cluster.down(lambda line: click.echo(f"  {line}", err=True))
    click.echo("stopped")


def _cluster() -> LocalCluster:
    state = StateDir(Path(os.environ.get("CLOUDLESS_CLUSTER_STATE") or default_state_dir()))
    return LocalCluster(state, build.installed_bin_dir())


def _step(text: str) -> None:
    click.secho(f"==> {text}", bold=True, err=True)


class Kubectl:
    """The cluster's own kubectl (built from the pinned Kubernetes) with the admin kubeconfig."""

    def __init__(self, cluster: LocalCluster) -> None:
        bin_dir = build.installed_bin_dir()
        if bin_dir is None:
            raise DemoError("the control-plane binaries are not built: run `make install`")
        self.binary = str(bin_dir / "kubectl")
        self._cluster = cluster

    def __call__(self, *args: str) -> str:
        return _run([self.binary, f"--kubeconfig={self._cluster.kubeconfig}", *args], self._cluster)

    def apply(self, body: dict[str, Any]) -> None:
        command = [self.binary, f"--kubeconfig={self._cluster.kubeconfig}", "apply", "-f", "-"]
        _run(command, self._cluster, stdin=json.dumps(body))

    def json(self, *args: str) -> dict[str, Any] | None:
        command = [self.binary, f"--kubeconfig={self._cluster.kubeconfig}", "get", *args, "-o", "json"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        found: dict[str, Any] | None = json.loads(done.stdout) if done.returncode == 0 else None
        return found


def _run(command: list[str], cluster: LocalCluster, *, stdin: str | None = None) -> str:
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=120, check=False, env=env)
    if done.returncode != 0:
        raise DemoError(f"`{' '.join(command[:3])} ...` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def module_config_map() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "greeting-c", "namespace": "default"},
        "binaryData": {"module.wasm": base64.b64encode(MODULE.read_bytes()).decode()},
    }


def _wait_for_workers(kubectl: Kubectl) -> list[dict[str, Any]]:
    """The Subnet's workers once all are Ready with their services deployed; a progress bar meanwhile."""
    deadline = time.monotonic() + WAIT_S
    with click.progressbar(length=1, label="waiting for the workers", file=sys.stderr, show_pos=True) as bar:
        while time.monotonic() < deadline:
            subnet = kubectl.json("subnet", "greeting") or {}
            status = subnet.get("status", {})
            desired, ready = int(status.get("desiredWorkers", 0)), int(status.get("readyWorkers", 0))
            if desired:
                bar.length = desired
                bar.update(ready - bar.pos)
            if desired and ready == desired:
                workers: list[dict[str, Any]] = status["workers"]
                return workers
            time.sleep(1)
    deal = kubectl.json("deal", "greeting") or {}
    conditions = "; ".join(
        f"{c['type']}={c['status']} ({c['message']})" for c in deal.get("status", {}).get("conditions", [])
    )
    raise DemoError(f"the workers were not all Ready within {WAIT_S}s; deal conditions: {conditions or 'none yet'}")


def _operator_log(cluster: LocalCluster) -> Path:
    return cluster.state.root / "demo-operator.log"


def _pid_file(cluster: LocalCluster) -> Path:
    return cluster.state.root / "demo-operator.pid"


def _start_operator(cluster: LocalCluster) -> None:
    """`python -m cloudless_operator` in its own session, unless the one started before is still alive."""
    pid = _alive(_pid_file(cluster))
    if pid is not None:
        click.echo(f"  already running (pid {pid})", err=True)
        return
    env = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
    with _operator_log(cluster).open("ab") as log:
        started = subprocess.Popen(
            [sys.executable, "-m", "cloudless_operator"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    _pid_file(cluster).write_text(str(started.pid))
    click.echo(f"  pid {started.pid}, log {_operator_log(cluster)}", err=True)


def _stop_operator(cluster: LocalCluster) -> None:
    pid = _alive(_pid_file(cluster))
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if _alive(_pid_file(cluster)) is None:
                break
            time.sleep(0.2)
        click.echo(f"operator (pid {pid}) stopped", err=True)
    _pid_file(cluster).unlink(missing_ok=True)


def _alive(pid_file: Path) -> int | None:
    """The pid in `pid_file` if that process still runs the operator."""
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"cloudless_operator" in cmdline else None
