"""Serving a metrics registry over HTTP with prometheus_client's own server, on a loopback address
unless told otherwise: metrics are for the scraper next to the process, not for the peers' network.

`--metrics 9100` listens on 127.0.0.1:9100; `--metrics 127.0.0.5:9100` on that address; port 0
picks a free port, reported back.
"""

from __future__ import annotations

import dataclasses
import threading
from wsgiref import simple_server

import prometheus_client

LOOPBACK = "127.0.0.1"


class BadAddress(ValueError):
    """Not PORT or HOST:PORT."""


@dataclasses.dataclass(frozen=True, slots=True)
class Running:
    address: str
    """host:port the endpoint really listens on; scrape http://{address}/metrics."""
    server: simple_server.WSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def parse(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not port.isdigit() or int(port) > 65535 or (sep and not host):
        raise BadAddress(f"{address!r} is not PORT or HOST:PORT")
    return (host or LOOPBACK), int(port)


def serve(address: str, registry: prometheus_client.CollectorRegistry) -> Running:
    """Starts serving `registry` at http://ADDRESS/metrics in a daemon thread."""
    host, port = parse(address)
    server, thread = prometheus_client.start_http_server(port, addr=host, registry=registry)
    return Running(address=f"{host}:{server.server_port}", server=server, thread=thread)
