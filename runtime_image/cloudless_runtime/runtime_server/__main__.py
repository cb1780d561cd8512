"""`python -m cloudless_runtime.runtime_server`: one peer's Marine runtime, served until SIGTERM."""

from __future__ import annotations

import logging
import pathlib
import signal
import threading

import click

from cloudless_runtime import marine
from cloudless_runtime.runtime_server import keyfile, server


@click.command()
@click.option("--state-dir", type=click.Path(path_type=pathlib.Path), required=True, help="modules, services")
@click.option("--listen", default="127.0.0.1:7100", show_default=True, help="host:port or unix:/path")
@click.option("--key-file", type=click.Path(path_type=pathlib.Path), required=True, help="hex Ed25519 seed")
@click.option("--create-key", is_flag=True, help="make the key file if it does not exist")
def main(state_dir: pathlib.Path, listen: str, key_file: pathlib.Path, create_key: bool) -> None:
    """Serve the cloudless.v1.Runtime API and gRPC health checks."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    keys = keyfile.load(key_file, create=create_key)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with marine.Host(state_dir, keys=keys) as host:
        running = server.serve(host, address=listen)
        logging.info("runtime of peer %s listening on %s", keys.peer_id, running.address)
        stop.wait()
        running.stop()


if __name__ == "__main__":
    main()
