"""`python -m cloudless_localcluster.agent`: the node agent process that `cloudless cluster up` starts.

Reads everything from the cluster's state folder (admin kubeconfig, the CA and the agent's
serving certificate, the recorded kubelet port), so `up` only has to say where that folder is and
which podCIDRs its nodes own (one `--pod-cidr` per node; `up` picks them per cluster).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..pki import ClusterPKI
from ..state import StateDir
from . import node
from .agent import Agent, Paths, Settings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m cloudless_localcluster.agent", description=__doc__)
    parser.add_argument("--state", type=Path, required=True, help="the cluster's state folder")
    parser.add_argument(
        "--pod-cidr",
        dest="pod_cidrs",
        action="append",
        required=True,
        help="the podCIDR of the next Node to register (repeat once per Node: cloudless-node-1, -2, ...)",
    )
    options = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(threadName)s: %(message)s")
    state = StateDir(options.state)
    ports = state.load_ports()
    if ports is None or "kubelet" not in ports:
        parser.error(f"{state.root} has no kubelet port: run `cloudless cluster up`")
    pki = ClusterPKI(state.pki)
    Agent(
        Settings(
            kubeconfig=state.admin_kubeconfig,
            paths=Paths(state.root / "agent"),
            nodes=node.node_specs(options.pod_cidrs),
            kubelet_port=ports["kubelet"],
            cert=pki.crt("kubelet"),
            key=pki.key("kubelet"),
            ca=pki.crt("ca"),
        )
    ).run()


if __name__ == "__main__":
    main()
