"""`python -m cloudless_runtime.prover` as a real process: its proofs pass the controller's checker, it
follows the published challenge from epoch to epoch, reports its hash rate, and stops on SIGTERM."""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from tests.operator.proofmaking import EASY
from tests.scrape import scrape, value

from cloudless_operator.billing import proofs
from cloudless_runtime.identity import keyfile
from cloudless_runtime.prover import challenge, outbox

WAIT_S = 60.0
"""Generous: the machine is shared; nothing here is a timing assertion, only a bound on waiting."""


def _prover(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "cloudless_runtime.prover", "--log-format", "text", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _until(condition: Callable[[], bool], process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if process.poll() is not None:
            out = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"the prover exited with {process.returncode} before {what}:\n{out}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {WAIT_S} s")
        time.sleep(0.1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def key_file(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "node.key"
    keyfile.make(path)
    return path


@pytest.fixture
def stopped() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Processes to kill if a test fails before stopping them itself."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_command_line_challenge_is_solved_once_and_every_proof_is_accepted(
    tmp_path: pathlib.Path, key_file: pathlib.Path
) -> None:
    rules = challenge.Challenge(epoch=7, global_nonce=os.urandom(32), difficulty=EASY, algorithm="sha256", max_proofs=5)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cloudless_runtime.prover",
            "--unit=cu-3",
            f"--key-file={key_file}",
            f"--out={tmp_path / 'proofs'}",
            "--epoch=7",
            f"--global-nonce={rules.global_nonce.hex()}",
            f"--difficulty={challenge.difficulty_text(EASY)}",
            "--max-proofs=5",
            "--cpu=0",
        ],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    filed = outbox.read_epoch(tmp_path / "proofs", 7)
    node = keyfile.load(key_file)
    tally = proofs.check(filed.proofs, rules=rules, provers={"cu-3": node.peer_id})["cu-3"]
    assert (tally.accepted, tally.rejected, tally.dropped, filed.malformed) == (5, {}, 0, 0)


def test_published_challenges_are_followed_metrics_served_and_sigterm_stops_cleanly(
    tmp_path: pathlib.Path, key_file: pathlib.Path, stopped: list[subprocess.Popen[bytes]]
) -> None:
    published = tmp_path / "challenge.json"
    out = tmp_path / "proofs"
    first = challenge.Challenge(epoch=1, global_nonce=os.urandom(32), difficulty=EASY, algorithm="sha256", max_proofs=3)
    second = challenge.Challenge(
        epoch=2, global_nonce=os.urandom(32), difficulty=EASY >> 8, algorithm="blake2b", max_proofs=2
    )
    metrics_address = f"127.0.0.1:{_free_port()}"
    process = _prover(
        "--unit=cu-0",
        f"--key-file={key_file}",
        f"--out={out}",
        f"--challenge={published}",
        f"--metrics={metrics_address}",
    )
    stopped.append(process)
    challenge.publish(published, first)
    _until(lambda: len(outbox.read_epoch(out, 1).proofs) == 3, process, "epoch 1's proofs")
    samples = scrape(metrics_address)
    assert value(samples, "cloudless_prover_proofs_total") >= 3
    assert value(samples, "cloudless_prover_hashes_total") >= 3
    assert value(samples, "cloudless_prover_epoch") == 1
    challenge.publish(published, second)
    _until(lambda: len(outbox.read_epoch(out, 2).proofs) == 2, process, "epoch 2's proofs")
    _until(lambda: value(scrape(metrics_address), "cloudless_prover_hash_rate") > 0, process, "a hash rate")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=WAIT_S) == 0
    node = keyfile.load(key_file)
    for rules, count in ((first, 3), (second, 2)):
        filed = outbox.read_epoch(out, rules.epoch)
        tally = proofs.check(filed.proofs, rules=rules, provers={"cu-0": node.peer_id})["cu-0"]
        assert (tally.accepted, tally.rejected, filed.malformed) == (count, {}, 0)


def test_usage_errors_name_what_is_missing(tmp_path: pathlib.Path, key_file: pathlib.Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "cloudless_runtime.prover",
            "--unit=cu-0",
            f"--key-file={key_file}",
            f"--out={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=False,
    )
    assert done.returncode == 2
    assert "give --epoch, --global-nonce, --difficulty, --max-proofs" in done.stderr
