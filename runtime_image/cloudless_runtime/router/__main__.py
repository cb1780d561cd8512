"""`python -m cloudless_runtime.router`: one peer's router sidecar, served until SIGTERM."""

from __future__ import annotations

import pathlib

import click
import prometheus_client

from cloudless_runtime import sidecar
from cloudless_runtime.router import addressbook, metrics, runtime_client, server, stepstore
from cloudless_runtime.telemetry import options

_KEPT = stepstore.Retention()


@click.command()
@click.option("--listen", default="127.0.0.1:7001", show_default=True, help="host:port for peers and clients")
@click.option("--runtime", "runtime_address", default="127.0.0.1:7100", show_default=True, help="the runtime API")
@click.option("--key-file", type=click.Path(path_type=pathlib.Path), required=True, help="hex Ed25519 seed")
@click.option("--address-book", type=click.Path(path_type=pathlib.Path), help="JSON address book, reloaded on change")
@click.option(
    "--steps-dir",
    type=click.Path(file_okay=False, path_type=pathlib.Path),
    help="keep executed step records here (JSON lines, rotated), for Proof of Processing sampling",
)
@click.option("--steps-max-records", default=_KEPT.max_records, show_default=True, help="records kept")
@click.option(
    "--steps-max-age",
    "steps_max_age_s",
    default=_KEPT.max_age_ms // 1000,
    show_default=True,
    help="seconds a record is kept",
)
@click.option("--steps-max-bytes", default=_KEPT.max_bytes, show_default=True, help="disk the records may use")
@options.options
def main(
    listen: str,
    runtime_address: str,
    key_file: pathlib.Path,
    address_book: pathlib.Path | None,
    *,
    steps_dir: pathlib.Path | None,
    steps_max_records: int,
    steps_max_age_s: int,
    steps_max_bytes: int,
    telemetry: options.Telemetry,
) -> None:
    """Serve cloudless.v1.Peer: verify, interpret and forward particles."""
    keys = sidecar.load_key(key_file)
    counters = metrics.RouterMetrics(prometheus_client.REGISTRY)
    with telemetry.serving(component="router", peer_id=keys.peer_id, registry=counters.registry):
        stop = sidecar.termination()
        runtime = runtime_client.RuntimeClient(runtime_address)
        config = server.Config(
            keys=keys,
            listen=listen,
            runtime=runtime,
            book=addressbook.AddressBook(path=address_book),
            metrics=counters,
            steps_dir=steps_dir,
            steps_retention=stepstore.Retention(
                max_records=steps_max_records, max_age_ms=steps_max_age_s * 1000, max_bytes=steps_max_bytes
            ),
        )
        running = server.serve(config)
        stop.wait()
        running.stop()
        runtime.close()


if __name__ == "__main__":
    main()
