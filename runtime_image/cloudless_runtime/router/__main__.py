"""`python -m cloudless_runtime.router`: one peer's router sidecar, served until SIGTERM."""

from __future__ import annotations

import logging
import pathlib
import signal
import threading

import click

from cloudless_runtime.router import addressbook, runtime_client, server
from cloudless_runtime.runtime_server import keyfile


@click.command()
@click.option("--listen", default="127.0.0.1:7001", show_default=True, help="host:port for peers and clients")
@click.option("--runtime", "runtime_address", default="127.0.0.1:7100", show_default=True, help="the runtime API")
@click.option("--key-file", type=click.Path(path_type=pathlib.Path), required=True, help="hex Ed25519 seed")
@click.option("--address-book", type=click.Path(path_type=pathlib.Path), help="JSON address book, reloaded on change")
def main(listen: str, runtime_address: str, key_file: pathlib.Path, address_book: pathlib.Path | None) -> None:
    """Serve cloudless.v1.Peer: verify, interpret and forward particles."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runtime = runtime_client.RuntimeClient(runtime_address)
    config = server.Config(
        keys=keyfile.load(key_file),
        listen=listen,
        runtime=runtime,
        book=addressbook.AddressBook(path=address_book),
    )
    running = server.serve(config)
    stop.wait()
    running.stop()
    runtime.close()


if __name__ == "__main__":
    main()
