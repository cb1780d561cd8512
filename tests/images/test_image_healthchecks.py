"""The Dockerfiles' HEALTHCHECK commands, run for real against the real servers.

A health check that cannot import what it names, or asks the wrong service, marks a good container
unhealthy forever; and one that always succeeds hides a dead one. The commands are taken verbatim
from the Dockerfiles and run with this venv's python (the image's python is the same venv layout).
"""

from __future__ import annotations

import contextlib
import http.server
import os
import pathlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

from tests.images import dockerfiles


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_command(dockerfile: str, image: str) -> list[str]:
    parsed = dockerfiles.parse(dockerfiles.DOCKERFILES[dockerfile])
    check = parsed.effective(parsed.targets()[image], "HEALTHCHECK")
    assert check is not None
    argv = list(dockerfiles.healthcheck_argv(check.arguments))
    return [sys.executable, *argv[1:]]


def run_check(argv: list[str], **env: str) -> int:
    return subprocess.run(argv, env={**os.environ, **env}, capture_output=True, timeout=30, check=False).returncode


def wait_healthy(argv: list[str], process: subprocess.Popen[bytes], **env: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited"
        if run_check(argv, **env) == 0:
            return
        time.sleep(0.3)
    raise AssertionError("the health check never passed")


@contextlib.contextmanager
def serving(argv: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_runtime_and_router_healthchecks(tmp_path: pathlib.Path) -> None:
    key = tmp_path / "peer.key"
    runtime_port, router_port = free_port(), free_port()
    runtime_check = check_command("runtime_image", "cloudless/runtime:dev")
    router_check = check_command("runtime_image", "cloudless/router:dev")
    closed = f"127.0.0.1:{free_port()}"
    assert run_check(runtime_check, CLOUDLESS_HEALTH_ADDRESS=closed) != 0
    runtime = [sys.executable, "-m", "cloudless_runtime.runtime_server", "--state-dir", str(tmp_path / "state")]
    runtime += ["--listen", f"127.0.0.1:{runtime_port}", "--key-file", str(key), "--create-key"]
    with serving(runtime) as process:
        wait_healthy(runtime_check, process, CLOUDLESS_HEALTH_ADDRESS=f"127.0.0.1:{runtime_port}")
        router = [sys.executable, "-m", "cloudless_runtime.router", "--listen", f"127.0.0.1:{router_port}"]
        router += ["--runtime", f"127.0.0.1:{runtime_port}", "--key-file", str(key)]
        with serving(router) as router_process:
            wait_healthy(router_check, router_process, CLOUDLESS_HEALTH_ADDRESS=f"127.0.0.1:{router_port}")


class Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads return codes, not logs."""


def test_operator_healthcheck_follows_the_liveness_setting() -> None:
    """kopf listens on 0.0.0.0 in the image; the check must reach it through loopback, on any port."""
    argv = check_command("operator", "cloudless/operator:dev")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthz)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        assert run_check(argv, CLOUDLESS_LIVENESS=f"http://0.0.0.0:{port}/healthz") == 0
        assert run_check(argv, CLOUDLESS_LIVENESS=f"http://0.0.0.0:{port}/missing") != 0
        assert run_check(argv, CLOUDLESS_LIVENESS=f"http://0.0.0.0:{free_port()}/healthz") != 0
    finally:
        server.shutdown()
        server.server_close()


def test_prover_healthcheck_reads_its_metrics_endpoint(tmp_path: pathlib.Path) -> None:
    """The prover serves no API: its check is the metrics endpoint, up while it waits for a challenge."""
    check = check_command("runtime_image", "cloudless/prover:dev")
    assert run_check(check, CLOUDLESS_HEALTH_ADDRESS=f"127.0.0.1:{free_port()}") != 0
    port = free_port()
    key = tmp_path / "node.key"
    key.write_text(bytes(range(32)).hex() + "\n")
    prover = [sys.executable, "-m", "cloudless_runtime.prover", "--unit", "node-cu0", "--key-file", str(key)]
    prover += ["--out", str(tmp_path / "proofs"), "--challenge", str(tmp_path / "challenge.json")]
    with serving([*prover, "--metrics", f"127.0.0.1:{port}"]) as process:
        wait_healthy(check, process, CLOUDLESS_HEALTH_ADDRESS=f"127.0.0.1:{port}")
