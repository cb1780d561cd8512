"""`cloudless cluster up | down | status | kubeconfig`: the local control plane from the terminal.

Only presentation lives here (options, messages, exit codes); `cluster.py` does the work, so the
tests and the future node agent can drive the same logic without click.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from . import build
from .cluster import ClusterError, LocalCluster, StartupError
from .state import StateDir, default_state_dir

_state_option = click.option(
    "--state",
    "state_dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="CLOUDLESS_CLUSTER_STATE",
    default=None,
    help="State folder (PKI, etcd data, logs, ports). Default: ~/.local/state/cloudless/cluster.",
)
_bin_option = click.option(
    "--bin-dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Folder with etcd and the Kubernetes binaries. Default: the cache `make install` fills for the current pins.",
)


def _cluster(state_dir: Path | None, bin_dir: Path | None = None) -> LocalCluster:
    return LocalCluster(StateDir(state_dir or default_state_dir()), bin_dir or build.installed_bin_dir())


def _say(line: str) -> None:
    click.echo(line, err=True)


@click.group()
def cluster() -> None:
    """A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
    kube-scheduler) and a node agent that runs pods as processes, all on 127.0.0.1."""


@cluster.command()
@_state_option
@_bin_option
@click.option("--reset", is_flag=True, help="Stop the cluster and wipe its state folder first: a brand-new cluster.")
@click.option(
    "--nodes",
    type=click.IntRange(1, 254),
    default=1,
    show_default=True,
    help="How many Nodes the node agent registers (each runs pods as local processes).",
)
def up(state_dir: Path | None, bin_dir: Path | None, reset: bool, nodes: int) -> None:
    """Start the control plane and the node agent (whatever is not running) and wait until they are ready."""
    local = _cluster(state_dir, bin_dir)
    try:
        if reset:
            local.reset(_say)
        local.up(_say, nodes=nodes)
    except StartupError as error:
        _say(f"error: {error}")
        _say(f"--- last lines of {error.log_file} ---")
        _say(error.log_tail)
        _say("---")
        sys.exit(1)
    except ClusterError as error:
        _say(f"error: {error}")
        sys.exit(1)
    kubeconfig = shlex.quote(str(local.kubeconfig))
    kubectl_dir = shlex.quote(str(local.bin_dir)) if local.bin_dir is not None else None
    click.echo(f"cluster ready at {local.api_url()}; to use it:")
    click.echo(f"  export KUBECONFIG={kubeconfig}")
    if kubectl_dir is not None:
        click.echo(f'  export PATH={kubectl_dir}:"$PATH"   # the pinned kubectl')
    click.echo("  kubectl get nodes")


@cluster.command()
@_state_option
@click.option("--reset", is_flag=True, help="Also wipe the state folder, releasing its pod networks.")
def down(state_dir: Path | None, reset: bool) -> None:
    """Stop the control plane; its state (objects, PKI, ports, pod networks) stays for the next `up`."""
    local = _cluster(state_dir)
    if reset:
        local.reset(_say)
        click.echo(f"cluster stopped and wiped: {local.state.root}")
        return
    stopped = local.down(_say)
    click.echo("cluster stopped" if stopped else "cluster was not running")


@cluster.command()
@_state_option
def status(state_dir: Path | None) -> None:
    """Each component's process and health; exits 1 unless all are healthy."""
    local = _cluster(state_dir)
    statuses = local.status()
    width = max(len(s.name) for s in statuses)
    for item in statuses:
        if item.pid is None:
            line = "stopped"
        elif item.health is None:
            line = f"running (pid {item.pid}), health unknown"
        else:
            word = "healthy" if item.health.ok else "UNHEALTHY"
            line = f"{word} (pid {item.pid}): {item.health.detail}"
        click.echo(f"{item.name:<{width}}  {line}")
    if local.api_url() is not None:
        click.echo(f"apiserver: {local.api_url()}  kubeconfig: {local.kubeconfig}")
        click.echo(f"pod networks: {', '.join(local.pod_cidrs()) or 'none yet'}")
    if not all(item.healthy for item in statuses):
        sys.exit(1)


@cluster.command("kubeconfig")
@_state_option
@click.option("--path", "path_only", is_flag=True, help="Print the file's path instead of its content.")
def kubeconfig_command(state_dir: Path | None, path_only: bool) -> None:
    """Print the admin kubeconfig (cluster-admin over the loopback apiserver)."""
    local = _cluster(state_dir)
    if not local.kubeconfig.exists():
        _say(f"error: no kubeconfig at {local.kubeconfig}: run `cloudless cluster up` first")
        sys.exit(1)
    click.echo(str(local.kubeconfig) if path_only else local.kubeconfig.read_text().rstrip("\n"))
