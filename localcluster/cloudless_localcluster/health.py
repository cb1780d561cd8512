"""Asking a component whether it is healthy: one verified HTTPS GET on loopback.

The server is verified against our own CA (never `verify=False`): a wrong process squatting on a
recorded port must show as unhealthy, not as our apiserver.
"""

from __future__ import annotations

import http.client
import ssl
import urllib.parse
from dataclasses import dataclass

from .components import HealthCheck


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


def _context(check: HealthCheck) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(check.ca))
    if check.cert is not None:
        context.load_cert_chain(str(check.cert), str(check.key) if check.key is not None else None)
    return context


def probe(check: HealthCheck, timeout: float = 3.0) -> Health:
    """GET the health URL; ok on 200. The detail is the body's first line, or why it failed."""
    url = urllib.parse.urlsplit(check.url)
    if url.hostname is None or url.port is None:
        raise ValueError(f"health URL {check.url!r} needs a host and a port")
    try:
        connection = http.client.HTTPSConnection(url.hostname, url.port, timeout=timeout, context=_context(check))
        try:
            connection.request("GET", url.path or "/")
            response = connection.getresponse()
            body = response.read(4096).decode(errors="replace").strip()
        finally:
            connection.close()
    except (OSError, ssl.SSLError, http.client.HTTPException) as error:
        return Health(False, f"{type(error).__name__}: {error}")
    first_line = body.splitlines()[0] if body else ""
    if response.status != 200:
        return Health(False, f"HTTP {response.status} {first_line}".strip())
    return Health(True, first_line or "ok")
