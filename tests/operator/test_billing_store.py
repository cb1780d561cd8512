"""The ledger file and `cloudless ledger`: durable appends, a torn last line found and repaired, and
tampered records named by `verify`; `show` prints what the records say."""

from __future__ import annotations

import dataclasses
import json
import pathlib
from decimal import Decimal

import pytest
from click.testing import CliRunner

from cloudless_operator.billing import close, commitments
from cloudless_operator.billing.ledger import chain, store
from cloudless_operator.billing.samples import candidates
from cloudless_operator.billing.settings import LOCAL
from cloudless_runtime import cli
from cloudless_runtime.identity import KeyPair

KEY = KeyPair.from_seed(bytes(range(32)))
OTHER = KeyPair.from_seed(bytes(32))
WORKER = KeyPair.from_seed(bytes([7]) * 32)


def written(path: pathlib.Path, count: int = 4) -> chain.Ledger:
    book = store.open_ledger(path, KEY)
    for epoch in range(1, count + 1):
        book.append(epoch, {"epoch": epoch, "totals": {"charged": f"0.{epoch}"}})
    return book


def ledger_cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli.main, ["ledger", *args])
    return result.exit_code, result.output


def test_appends_reach_the_file_and_reopen_verified(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "ledger" / "epochs.jsonl"
    book = written(path)
    assert store.read(path) == store.Contents(records=book.records)
    reopened = store.open_ledger(path, KEY)
    assert reopened.records == book.records
    again = reopened.append(4, {"epoch": 4, "totals": {"charged": "0.4"}})
    assert again == book.records[-1]
    assert len(path.read_bytes().splitlines()) == 4
    with pytest.raises(chain.BrokenChain):
        store.open_ledger(path, OTHER)


def test_a_failing_write_leaves_memory_as_the_disk(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "epochs.jsonl"
    book = written(path, 1)
    content = path.read_bytes()
    path.unlink()
    path.mkdir()  # the file's place taken: the append cannot happen, whoever runs the test
    with pytest.raises(IsADirectoryError):
        book.append(2, {"epoch": 2})
    path.rmdir()
    path.write_bytes(content)
    assert [r.epoch for r in book.records] == [1]
    assert book.append(2, {"epoch": 2}).epoch == 2


def test_a_torn_last_line_is_reported_then_repaired(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "epochs.jsonl"
    written(path, 3)
    size = path.stat().st_size
    with path.open("ab") as tail:
        tail.write(b'{"body": {"epoch": 4, "tot')
    contents = store.read(path)
    assert contents.torn == store.Torn(offset=size, length=26)
    assert len(contents.records) == 3
    with pytest.raises(store.TornTail, match="unfinished record"):
        store.open_ledger(path, KEY)
    code, out = ledger_cli("verify", str(path))
    assert code == 1
    assert f"torn: the last 26 bytes (from byte {size})" in out
    book = store.open_ledger(path, KEY, repair_torn=True)
    assert path.stat().st_size == size
    book.append(4, {"epoch": 4})
    assert ledger_cli("verify", str(path))[0] == 0


def test_verify_names_the_first_tampered_record(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "epochs.jsonl"
    book = written(path)
    code, out = ledger_cli("verify", str(path), "--signer", KEY.peer_id, "--expect-head", book.records[2].hash)
    assert (code, out.strip()) == (0, f"ok: 4 records, epochs 1..4, head {book.records[-1].hash}")
    lines = path.read_bytes().splitlines(keepends=True)
    edited = json.loads(lines[1])
    edited["body"]["totals"]["charged"] = "9.9"
    lines[1] = json.dumps(edited).encode() + b"\n"
    path.write_bytes(b"".join(lines))
    code, out = ledger_cli("verify", str(path))
    assert code == 1
    assert "bad: record 1 (epoch 2): content does not match its hash" in out
    lines[1] = b"{not json\n"
    path.write_bytes(b"".join(lines))
    code, out = ledger_cli("verify", str(path))
    assert "bad: record 1 (line 2) is not a ledger record" in out
    with pytest.raises(store.UnreadableLedger, match="record 1"):
        store.open_ledger(path, KEY)


def test_verify_catches_a_resigned_ledger_and_a_dropped_tail(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "epochs.jsonl"
    book = written(path)
    forged = tmp_path / "forged.jsonl"
    forger = store.open_ledger(forged, OTHER)
    for record in book.records:
        forger.append(record.epoch, record.body)
    assert ledger_cli("verify", str(forged))[0] == 0
    code, out = ledger_cli("verify", str(forged), "--signer", KEY.peer_id)
    assert (code, "signed by" in out) == (1, True)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]))
    code, out = ledger_cli("verify", str(path), "--expect-head", book.records[-1].hash)
    assert code == 1
    assert "is not in this ledger" in out


def test_show_prints_one_epoch(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "epochs.jsonl"
    book = written(path)
    code, out = ledger_cli("show", str(path), "--epoch", "2", "--json")
    assert code == 0
    assert json.loads(out) == book.records[1].to_mapping()
    code, out = ledger_cli("show", str(path))
    assert (code, out.splitlines()[0].startswith("epoch 4")) == (0, True)
    code, out = ledger_cli("show", str(path), "--epoch", "9")
    assert (code, "no record for epoch 9" in out) == (1, True)


def test_show_summarises_a_closed_epoch_with_its_samples(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "epochs.jsonl"
    book = store.open_ledger(path, KEY)
    settings = dataclasses.replace(LOCAL, samples_per_subnet=1, min_duration=1)
    spec = commitments.Spec("cc-a", KEY.peer_id, ("u0",), 10, Decimal("0.5"), collateral_posted=True)
    close.settle(book, close.Inputs(epoch=1, commitments=[spec]), settings)
    # The worker on u0 retained one line that is no step record: drawn, it is unavailable and slashed.
    offered = candidates.collect("default/greeting", WORKER.peer_id, [b"not a step"], start_ms=0, end_ms=1)
    samples = close.SampleInputs(offered={"default/greeting": offered.keys}, workers={WORKER.peer_id: ("u0",)})
    record = close.settle(book, close.Inputs(epoch=2, commitments=[spec], samples=samples), settings).record
    (sample,) = record.body["samples"]
    assert (sample["verdict"], sample["slashes"]) == ("unavailable", {"u0": "0.005"})
    code, out = ledger_cli("show", str(path))
    assert code == 0, out
    (key,) = offered.keys
    expected = f"default/greeting/(unreadable) record {key.digest} on {WORKER.peer_id}: unavailable"
    assert f"samples:\n  {expected}" in out
    assert "slashed {'u0': '0.005'}" in out
