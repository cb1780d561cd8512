"""What both sidecar processes (router and runtime server) do around their server: load the
peer's key for the command line, and run until the container is asked to stop."""

from __future__ import annotations

import pathlib
import signal
import threading

import click

from cloudless_runtime import identity
from cloudless_runtime.identity import keyfile


def load_key(path: pathlib.Path, *, create: bool = False) -> identity.KeyPair:
    """A bad key file ends the process with the reason, not a traceback."""
    try:
        return keyfile.load(path, create=create)
    except keyfile.BadKeyFile as e:
        raise click.ClickException(str(e)) from None


def termination() -> threading.Event:
    """Set on SIGTERM (the kubelet's stop) or SIGINT (Ctrl-C), so servers stop gracefully."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop
