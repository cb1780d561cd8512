"""`cloudless demo up | down`: the whole product on one machine, as `make demo` runs it from a checkout.

`up` starts the local cluster (real control plane + node agent), installs the CRDs, starts the
operator in the background with epochs on (Fluence's local-network parameters, 30 s epochs, the
ledger in the cluster's state folder), offers the node's capacity as ComputeUnits and commits it
(one CapacityCommitment per node, collateral posted, so its idle units run provers), stores the
example's Wasm module in a ConfigMap, applies `examples/deal.yaml`, waits (with a progress bar)
until every worker is Ready with the service deployed, runs `examples/hello.air` through one
worker, and waits for the first epoch that bills the deal. Each step is idempotent, so running
`up` again resumes or repeats the check. `down` stops the operator
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
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from cloudless_localcluster import build
from cloudless_localcluster.cluster import ClusterError, LocalCluster
from cloudless_localcluster.state import StateDir, default_state_dir
from cloudless_operator.models import datadir, settings

REPO = Path(__file__).resolve().parents[2]
DEAL = REPO / "examples" / "deal.yaml"
HELLO = REPO / "examples" / "hello.air"
MODULE = REPO / "examples" / "modules" / "build" / "greeting_c.wasm"
WAIT_S = 300
EPOCH_S = 30
"""Long enough to explore between closes; the example deal's deposit lasts 10 of them."""
COMMITMENT_EPOCHS = 1000
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
    kubectl.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": settings.Settings().namespace}})
    _start_operator(cluster)
    _step("offering the node's capacity as ComputeUnits")
    _run([CLOUDLESS, "cu", "sync", "--kubeconfig", str(cluster.kubeconfig)], cluster)
    _step("committing each node's units for 1000 epochs (CapacityCommitments, collateral posted)")
    nodes = kubectl.json("nodes") or {}
    for node in nodes.get("items", []):
        kubectl.apply(commitment(node["metadata"]["name"]))
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
    _step("waiting for an epoch to close and bill the deal")
    billed = _wait_for_billing(kubectl)
    click.echo(f"  epoch {billed['epoch']}: charged {billed['charged']}, ledger head {billed['head'][:16]}…")
    click.echo(kubectl("get", "deals,computeunits,capacitycommitments"))
    config = cluster.kubeconfig
    click.echo(
        f"\nExplore it:\n"
        f"  export KUBECONFIG={config}\n"
        f"  {kubectl.binary} get deals,subnets,computeunits,pods\n"
        f"  {kubectl.binary} describe deal greeting\n"
        f"  cloudless run examples/hello.air --relay {relay} --data name='\"you\"'\n"
        f"  cloudless ledger show {_data_dir(cluster) / datadir.LEDGER} --epoch {billed['epoch']}\n"
        f"  cloudless ledger verify {_data_dir(cluster) / datadir.LEDGER}\n"
        f"The deal pays 1.5 per {EPOCH_S} s epoch; top it up before its balance runs out:\n"
        f'  {kubectl.binary} patch deal greeting --type merge -p \'{{"spec":{{"deposit":"30"}}}}\'\n'
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


def commitment(node: str) -> dict[str, Any]:
    """The node's units committed, with the collateral posted: from the next epochs on, its idle units prove."""
    return {
        "apiVersion": "cloudless.dev/v1alpha1",
        "kind": "CapacityCommitment",
        "metadata": {"name": node},
        "spec": {"nodeName": node, "duration": COMMITMENT_EPOCHS, "stakerRewardRate": "0.2", "collateralPosted": True},
    }


def _wait_for_billing(kubectl: Kubectl) -> dict[str, Any]:
    """The deal's ledger entry once an epoch it served is closed (at most two epochs away) and the
    commitments show that epoch too (the controller mirrors deals first, then units, then commitments)."""
    deadline = time.monotonic() + 3 * EPOCH_S + 30
    while time.monotonic() < deadline:
        ledger = (kubectl.json("deal", "greeting") or {}).get("status", {}).get("ledger", {})
        commitments = (kubectl.json("capacitycommitments") or {}).get("items", [])
        mirrored = all(c.get("status", {}).get("ledgerEpoch", 0) >= ledger.get("epoch", 0) for c in commitments)
        if Decimal(ledger.get("charged", "0")) > 0 and mirrored:
            return dict(ledger)
        time.sleep(1)
    raise DemoError(f"no epoch billed the deal within {3 * EPOCH_S + 30}s; see the operator log")


def _data_dir(cluster: LocalCluster) -> Path:
    return cluster.state.root / "epochs"


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
    env = {
        **os.environ,
        "KUBECONFIG": str(cluster.kubeconfig),
        "CLOUDLESS_DATA_DIR": str(_data_dir(cluster)),
        "CLOUDLESS_BILLING_PROFILE": "local",
        "CLOUDLESS_EPOCH_SECONDS": str(EPOCH_S),
    }
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
