"""An operator with epochs on (`CLOUDLESS_DATA_DIR` set) over the local cluster's real node, for the
end-to-end tests of the epoch controller: the operator process with its data folder, ledger and
ConfigMap, the node's units as `cloudless cu sync` makes them, and the `cloudless ledger` command.

Each test module runs its own operator (its own namespace, ports and data folder) with short epochs
and, if it needs other parameters than the `local` profile's, a billing file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from tests import scrape
from tests.localcluster.conftest import RunningCluster
from tests.operator import cloudless_cli
from tests.operator.operator_process import OperatorProcess, eventually, get

from cloudless_operator.billing.ledger import chain, store
from cloudless_operator.models import datadir
from cloudless_operator.reconcile import epochclock


@dataclasses.dataclass
class Epochs:
    """The cluster, the epoch data folder and the operator currently running over them."""

    cluster: RunningCluster
    data: Path
    log: Path
    namespace: str
    port: int
    env: Mapping[str, str]
    """The operator's epoch settings (`CLOUDLESS_*`), given to every start."""
    running: OperatorProcess | None = None

    def start(self, **extra: str) -> OperatorProcess:
        """A new operator process over the same data folder; `extra` adds environment variables."""
        env = {"CLOUDLESS_DATA_DIR": str(self.data), "CLOUDLESS_NAMESPACE": self.namespace, **self.env, **extra}
        self.running = OperatorProcess(self.cluster, self.log, port=self.port, env=env)
        return self.running

    @property
    def ledger_file(self) -> Path:
        return self.data / datadir.LEDGER

    def records(self) -> tuple[chain.EpochRecord, ...]:
        return store.read(self.ledger_file).records

    def counted_through(self, epoch: int, *, timeout: float = 60) -> scrape.Samples:
        """The operator's metrics once they count the close of `epoch` (the loop counts a close after the
        tick that appended it has mirrored it, so they follow the ledger file and the statuses by a moment)."""
        running = self.running
        assert running is not None

        def probe() -> scrape.Samples | None:
            metrics = scrape.scrape(running.metrics_address)
            return metrics if scrape.value(metrics, "cloudless_operator_epoch") >= epoch else None

        found: scrape.Samples = eventually(probe, timeout=timeout, what=f"the metrics of the close of {epoch}")
        return found

    def configmap(self) -> dict[str, str]:
        found: dict[str, str] = get(self.cluster, "configmap", "cloudless-ledger", "-n", self.namespace)["data"]
        return found

    def clock(self) -> epochclock.Clock:
        """The ledger's clock, as the operator published it in its ConfigMap."""
        clock = epochclock.Clock.from_data(self.configmap())
        assert clock is not None, "the ledger ConfigMap has no clock"
        return clock


@contextlib.contextmanager
def running(
    cluster: RunningCluster,
    folder: Path,
    *,
    namespace: str,
    port: int,
    epoch_seconds: int,
    billing: Mapping[str, object] | None = None,
) -> Iterator[Epochs]:
    """An operator with `epoch_seconds`-long epochs of the `local` profile (with `billing` overriding its
    parameters) over only the units `cloudless cu sync` makes for the real node; stopped at exit."""
    cluster.kubectl("create", "namespace", namespace, check=False)
    env = {"CLOUDLESS_BILLING_PROFILE": "local", "CLOUDLESS_EPOCH_SECONDS": str(epoch_seconds)}
    if billing is not None:
        billing_file = folder / "billing.json"
        billing_file.write_text(json.dumps(billing))
        env["CLOUDLESS_BILLING_FILE"] = str(billing_file)
    epochs = Epochs(cluster, folder / "data", folder / "operator.log", namespace, port, env)
    epochs.start()
    try:
        # With the operator running: earlier tests' Deals carry its finalizer.
        cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--wait=true")
        cluster.kubectl("delete", "capacitycommitments,computeunits", "--all", "--wait=true")
        cloudless_cli.sync_units(cluster)
        yield epochs
    finally:
        cluster.kubectl("delete", "deals", "--all", "--all-namespaces", "--wait=true", check=False)
        cluster.kubectl("delete", "capacitycommitments", "--all", "--wait=true", check=False)
        if epochs.running is not None:
            epochs.running.stop()


def ledger_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`cloudless ledger ARGS...` as a user runs it."""
    return subprocess.run(
        [cloudless_cli.CLOUDLESS, "ledger", *args], capture_output=True, text=True, timeout=60, check=False
    )
