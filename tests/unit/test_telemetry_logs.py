"""Structured logs: one JSON object per line with the process's fields and the call site's extras."""

from __future__ import annotations

import logging
import pathlib
import subprocess
import sys

import orjson
import pytest

from cloudless_runtime.identity import keyfile
from cloudless_runtime.telemetry import endpoint, logs


def test_a_json_line_carries_fixed_fields_and_extras() -> None:
    formatter = logs.JsonLines({"component": "router", "peer_id": "12D3KooWpeer"})
    record = logging.LogRecord("cloudless", logging.INFO, __file__, 1, "particle %s rejected", ("p-1",), None)
    record.particle_id = "p-1"
    record.reason = "expired"
    line = orjson.loads(formatter.format(record))
    assert line["msg"] == "particle p-1 rejected"
    assert (line["level"], line["component"], line["peer_id"]) == ("info", "router", "12D3KooWpeer")
    assert (line["particle_id"], line["reason"]) == ("p-1", "expired")
    assert line["ts"].endswith("+00:00")


@pytest.mark.parametrize(("given", "parsed"), [("9100", ("127.0.0.1", 9100)), ("127.0.0.5:0", ("127.0.0.5", 0))])
def test_metrics_addresses_default_to_loopback(given: str, parsed: tuple[str, int]) -> None:
    assert endpoint.parse(given) == parsed


@pytest.mark.parametrize("given", ["", "x", ":9100", "127.0.0.1:", "127.0.0.1:99999"])
def test_bad_metrics_addresses_are_refused(given: str) -> None:
    with pytest.raises(endpoint.BadAddress):
        endpoint.parse(given)


@pytest.mark.parametrize("module", ["cloudless_runtime.runtime_server", "cloudless_runtime.router"])
def test_a_peer_process_refuses_a_bad_metrics_address_as_a_usage_error(module: str, tmp_path: pathlib.Path) -> None:
    key = tmp_path / "key"
    keyfile.load(key, create=True)
    args = ["--key-file", str(key), "--metrics", "127.0.0.1:99999"]
    if module.endswith("runtime_server"):
        args += ["--state-dir", str(tmp_path / "state")]
    command = [sys.executable, "-m", module, *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert "Invalid value for --metrics: '127.0.0.1:99999' is not PORT or HOST:PORT" in done.stderr
