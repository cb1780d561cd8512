"""The prover's files and loop in-process: challenge publishing, the proof outbox, a restart mid-epoch."""

from __future__ import annotations

import dataclasses
import pathlib
import threading

import prometheus_client
import pytest
from tests.operator.proofmaking import EASY, solve

from cloudless_operator.billing import proofs
from cloudless_runtime.identity import KeyPair
from cloudless_runtime.prover import challenge, loop, metrics, outbox

NODE = KeyPair.from_seed(bytes([3]) * 32)
RULES = challenge.Challenge(epoch=2, global_nonce=bytes(range(32)), difficulty=EASY, algorithm="sha256", max_proofs=4)


def test_challenge_publishes_atomically_and_reads_back(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "challenge.json"
    challenge.publish(path, RULES)
    assert challenge.read(path) == RULES
    assert [p.name for p in tmp_path.iterdir()] == ["challenge.json"]
    newer = dataclasses.replace(RULES, epoch=3)
    challenge.publish(path, newer)
    assert challenge.read(path) == newer


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epoch": 0}, "epoch"),
        ({"globalNonce": "00"}, "globalNonce: 32 bytes"),
        ({"difficulty": "0x0"}, "above zero"),
        ({"algorithm": "md5"}, "unknown puzzle algorithm"),
        ({"maxProofs": 0}, "maxProofs"),
        ({"epoch": None, "maxProofs": 1}, "epoch"),
    ],
)
def test_bad_challenges_say_which_field(change: dict[str, object], message: str) -> None:
    with pytest.raises(challenge.BadChallenge, match=message):
        challenge.Challenge.from_json({**RULES.to_json(), **change})


def test_outbox_writes_durable_lines_and_the_reader_counts_torn_ones(tmp_path: pathlib.Path) -> None:
    box = outbox.Outbox(tmp_path, "cu-0")
    made = solve(NODE, "cu-0", RULES, 3)
    for p in made:
        box.write(p)
    box.close()
    path = outbox.unit_file(tmp_path, 2, "cu-0")
    path.write_bytes(path.read_bytes() + b'{"version": "cloudless-pro')
    (tmp_path / "epoch-2" / "cu-1.jsonl").write_bytes(b"not json\n")
    read = outbox.read_epoch(tmp_path, 2)
    assert read.proofs == tuple(made)
    assert read.malformed == 2
    assert box.written(2) == 3
    reopened = outbox.Outbox(tmp_path, "cu-0")
    reopened.write(solve(NODE, "cu-0", RULES, 4)[3])
    reopened.close()
    assert len(outbox.read_epoch(tmp_path, 2).proofs) == 4
    assert outbox.read_epoch(tmp_path, 9) == outbox.Submissions((), 0)
    with pytest.raises(outbox.BadUnitId):
        outbox.Outbox(tmp_path, "../etc")


def test_a_restarted_prover_completes_the_epoch_without_repeating_itself(tmp_path: pathlib.Path) -> None:
    box = outbox.Outbox(tmp_path, "cu-0")
    for p in solve(NODE, "cu-0", RULES, 2):
        box.write(p)
    box.close()
    counters = metrics.ProverMetrics(prometheus_client.CollectorRegistry())
    box = outbox.Outbox(tmp_path, "cu-0")
    written = loop.prove(
        unit="cu-0", keys=NODE, source=loop.Fixed(RULES), box=box, counters=counters, stop=threading.Event()
    )
    box.close()
    assert written == 2
    filed = outbox.read_epoch(tmp_path, 2).proofs
    tally = proofs.check(filed, rules=RULES, provers={"cu-0": NODE.peer_id})["cu-0"]
    assert (tally.accepted, tally.rejected, tally.dropped) == (4, {}, 0)
    sample = counters.registry.get_sample_value
    assert sample("cloudless_prover_proofs_total") == 2
    assert (sample("cloudless_prover_hashes_total") or 0) >= 2
    assert sample("cloudless_prover_epoch") == 2


def test_a_stopped_prover_returns_at_once(tmp_path: pathlib.Path) -> None:
    stop = threading.Event()
    stop.set()
    counters = metrics.ProverMetrics(prometheus_client.CollectorRegistry())
    box = outbox.Outbox(tmp_path, "cu-0")
    assert loop.prove(unit="cu-0", keys=NODE, source=loop.Fixed(RULES), box=box, counters=counters, stop=stop) == 0
    assert not (tmp_path / "epoch-2").exists()


def test_the_published_source_follows_the_file_and_keeps_the_last_good_challenge(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "challenge.json"
    source = loop.Published(path)
    assert source.current() is None
    challenge.publish(path, RULES)
    assert source.current() == RULES
    path.write_text("{broken")
    assert source.current() == RULES
    newer = dataclasses.replace(RULES, epoch=3)
    challenge.publish(path, newer)
    assert source.current() == newer
