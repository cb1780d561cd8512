"""`python -m cloudless_runtime.runtime_server`: one peer's Marine runtime, served until SIGTERM."""

from __future__ import annotations

import logging
import pathlib

import click
import prometheus_client

from cloudless_runtime import marine, sidecar
from cloudless_runtime.runtime_server import metrics, server
from cloudless_runtime.telemetry import options

log = logging.getLogger(__name__)


@click.command()
@click.option("--state-dir", type=click.Path(path_type=pathlib.Path), required=True, help="modules, services")
@click.option("--listen", default="127.0.0.1:7100", show_default=True, help="host:port or unix:/path")
@click.option("--key-file", type=click.Path(path_type=pathlib.Path), required=True, help="hex Ed25519 seed")
@click.option("--create-key", is_flag=True, help="make the key file if it does not exist")
@options.options
def main(
    state_dir: pathlib.Path,
    listen: str,
    key_file: pathlib.Path,
    create_key: bool,
    *,
    telemetry: options.Telemetry,
) -> None:
    """Serve the cloudless.v1.Runtime API and gRPC health checks."""
    keys = sidecar.load_key(key_file, create=create_key)
    counters = metrics.RuntimeMetrics(prometheus_client.REGISTRY)
    with (
        telemetry.serving(component="runtime", peer_id=keys.peer_id, registry=counters.registry),
        marine.Host(state_dir, keys=keys) as host,
    ):
        stop = sidecar.termination()
        running = server.serve(host, address=listen, metrics=counters)
        log.info("runtime of peer %s listening on %s", keys.peer_id, running.address)
        stop.wait()
        running.stop()


if __name__ == "__main__":
    main()
