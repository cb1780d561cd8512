"""A tiny HTTP server, the image `cloudless/tiny-http:dev`, for exercising the node agent.

It listens on `$POD_IP:$PORT` (default 127.0.0.1:8080), answers every GET with its pod's name,
prints one line per request (what `kubectl logs` should show), and on SIGTERM prints that it is
shutting down and exits 0: the graceful-termination path a test can see in its log.
"""

from __future__ import annotations

import http.server
import os
import signal
import sys
import threading
from types import FrameType


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"{os.environ.get('POD_NAME', 'tiny-http')}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        print(f"request: GET {self.path} -> 200", flush=True)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the one line per request above is the log."""


def main() -> None:
    host = os.environ.get("POD_IP", "127.0.0.1")
    port = int(os.environ.get("PORT", "8080"))
    server = http.server.ThreadingHTTPServer((host, port), _Handler)

    def terminate(signum: int, frame: FrameType | None) -> None:
        print("received SIGTERM, shutting down", flush=True)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, terminate)
    print(f"listening on {host}:{port}", flush=True)
    server.serve_forever()
    print("stopped", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
