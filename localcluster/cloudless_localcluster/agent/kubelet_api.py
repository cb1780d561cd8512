"""The kubelet's HTTPS endpoint, the part the apiserver uses: container logs, so `kubectl logs` works.

`kubectl logs` asks the apiserver, which connects to the node's InternalIP and kubelet port and
GETs `/containerLogs/{namespace}/{pod}/{container}` with `follow`, `tailLines`, `previous`,
`limitBytes` and `timestamps` (ignored: the log files have no per-line times). The apiserver
authenticates with its kubelet-client certificate; only clients with a certificate from the
cluster CA may read logs. `/healthz` needs no certificate, for `cluster status`.
"""

from __future__ import annotations

import http.server
import logging
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

#: Finds the log file of (namespace, pod, container, previous), or returns why there is none.
LogLookup = Callable[[str, str, str, bool], Path | str]

FOLLOW_POLL = 0.2


def tail_offset(path: Path, lines: int) -> int:
    """The byte offset where the last `lines` lines of the file begin."""
    data = path.read_bytes()
    if lines <= 0:
        return len(data)
    end = len(data) - 1 if data.endswith(b"\n") else len(data)
    offset = end
    for _ in range(lines):
        offset = data.rfind(b"\n", 0, offset)
        if offset < 0:
            return 0
    return offset + 1


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("kubelet api: " + format, *args)

    def _plain(self, code: int, text: str) -> None:
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/healthz":
            self._plain(200, "ok")
            return
        if not isinstance(self.connection, ssl.SSLSocket) or not self.connection.getpeercert():
            self._plain(401, "Unauthorized: a client certificate from the cluster CA is required")
            return
        parts = url.path.strip("/").split("/")
        if len(parts) != 4 or parts[0] != "containerLogs":
            self._plain(404, f"not found: {url.path}")
            return
        query = urllib.parse.parse_qs(url.query)

        def flag(name: str) -> bool:
            return query.get(name, ["false"])[0] == "true"

        found = self.server.lookup(parts[1], parts[2], parts[3], flag("previous"))
        if isinstance(found, str):
            self._plain(404, found)
            return
        self._stream(found, follow=flag("follow"), tail=query.get("tailLines"), limit=query.get("limitBytes"))

    def _stream(self, path: Path, *, follow: bool, tail: list[str] | None, limit: list[str] | None) -> None:
        budget = int(limit[0]) if limit else None
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            with path.open("rb") as handle:
                handle.seek(tail_offset(path, int(tail[0])) if tail else 0)
                while True:
                    data = handle.read(64 * 1024 if budget is None else min(budget, 64 * 1024))
                    if data:
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                        self.wfile.flush()
                        if budget is not None:
                            budget -= len(data)
                            if budget <= 0:
                                break
                        continue
                    if not follow or self.server.stopping.is_set() or not path.exists():
                        break
                    time.sleep(FOLLOW_POLL)
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            return


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], lookup: LogLookup) -> None:
        super().__init__(address, _Handler)
        self.lookup = lookup
        self.stopping = threading.Event()


def serve(*, port: int, cert: Path, key: Path, ca: Path, lookup: LogLookup) -> _Server:
    """Start serving on 127.0.0.1:`port` in a background thread; `shutdown()` stops it."""
    server = _Server(("127.0.0.1", port), lookup)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca))
    context.load_cert_chain(str(cert), str(key))
    context.verify_mode = ssl.CERT_OPTIONAL
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, name="kubelet api", daemon=True).start()
    return server
