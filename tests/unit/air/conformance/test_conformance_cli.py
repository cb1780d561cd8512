"""The command line, driven with the scripted engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from scripted_engine import ScriptedEngine

from cloudless_runtime.air.conformance import cli

PROGRAM = json.dumps({"client": [{"next": ["peer_a"]}]})
GOOD = {"name": "good", "peers": ["client", "peer_a"], "init_peer": "client", "script": PROGRAM}
EXPECT = {
    "name": "good",
    "calls": {"client": [], "peer_a": []},
    "hops": 1,
    "errors": {},
    "final_data_bytes": 12345,
    "invocations": 2,
    "undelivered": [],
    "truncated": None,
}


def write(tmp_path: Path, *vectors: Any) -> str:
    path = tmp_path / "v.jsonl"
    path.write_text("# vectors\n" + "\n".join(json.dumps(v) for v in vectors) + "\n")
    return str(path)


def test_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vectors = [
        {**GOOD, "expect": EXPECT},
        {**GOOD, "name": "bad", "expect": {**EXPECT, "name": "bad", "hops": 2}},
        {**GOOD, "name": "none"},
        {"name": "broken"},
    ]
    assert cli.main(["--check", write(tmp_path, *vectors)], engine=ScriptedEngine()) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("PASS good (1 hops, 2 runs, ")
    assert lines[0].endswith(" ms)")
    assert lines[1:] == [
        "FAIL bad",
        "    hops: expected 2, got 1",
        'SKIP none (no "expect")',
        'FAIL broken: invalid vector or crash: broken: "script" must be a string',
        "1 passed, 2 failed, 1 skipped",
    ]


def test_check_all_passing_with_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, {**GOOD, "expect": EXPECT}, {"name": "broken"})
    assert cli.main(["--check", "--only", "good", path], engine=ScriptedEngine()) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"


def test_run_prints_outcome_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ping_pong = json.dumps({"client": [{"next": ["peer_a"]}] * 9, "peer_a": [{"next": ["client"]}] * 9})
    vectors = [{**GOOD, "script": ping_pong, "max_invocations": 2}, {**GOOD, "script": ping_pong}, [1]]
    assert cli.main(["--max-hops", "2", write(tmp_path, *vectors)], engine=ScriptedEngine()) == 0
    first, second, third = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert (first["invocations"], first["truncated"]) == (2, "max_invocations")
    assert (second["hops"], second["truncated"]) == (2, "max_hops")
    assert list(first) == [*EXPECT, "ms"]
    assert third == {"name": None, "invalid": "vector must be a JSON object"}


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    assert cli.main([str(tmp_path / "absent.jsonl")]) == 2


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--feed", "sometimes", "x.jsonl"])
    assert exit_.value.code == 2
