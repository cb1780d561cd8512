"""Reading vector files and the oracle's validation rules."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from cloudless_runtime.air.conformance import VectorError, parse_vector, read_vectors
from cloudless_runtime.air.conformance.services import Echo, EchoFirst, Fail, Result, Seq
from cloudless_runtime.air.conformance.vectors import VectorFileError

SMOKE = Path(__file__).resolve().parents[5] / "shared" / "avm-oracle" / "smoke.jsonl"


def vector(**fields: Any) -> dict[str, Any]:
    return {"name": "v", "script": "(null)", "peers": ["client", "peer_a"], "init_peer": "client", **fields}


def test_defaults() -> None:
    v = parse_vector(vector())
    assert (v.particle_id, v.timestamp, v.ttl, v.max_hops, v.max_invocations) == (
        "avm-oracle-particle",
        1700000000000,
        120000,
        None,
        None,
    )
    assert v.services == {}
    assert v.expect is None


def test_own_fields_and_integral_floats() -> None:
    v = parse_vector(vector(particle_id="", timestamp=5.0, ttl=6, max_hops=7, max_invocations=8))
    assert (v.particle_id, v.timestamp, v.ttl, v.max_hops, v.max_invocations) == ("", 5, 6, 7, 8)
    assert isinstance(v.timestamp, int)


def test_behaviors() -> None:
    services = {
        "*": {
            "a.b": {"result": None},
            "a.c": {"echo": True},
            "a.d": {"echo_first": True},
            "a.e": {"error": {"message": "m", "ret_code": 3.0}},
            "a.f": {"seq": [{"result": 1}, {"error": {"message": "x"}}]},
            "a.g": {"echo_first": True, "echo": 1},  # validated by echo_first, answered by echo
            "a.h": {"error": {"message": "m"}, "echo": "yes"},
        }
    }
    table = parse_vector(vector(services=services)).services["*"]
    assert table == {
        "a.b": Result(None),
        "a.c": Echo(),
        "a.d": EchoFirst(),
        "a.e": Fail("m", 3),
        "a.f": Seq((Result(1), Fail("x", 1))),
        "a.g": Echo(),
        "a.h": Echo(),
    }


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("x", "vector must be a JSON object"),
        ({"name": ""}, '"name" must be a non-empty string'),
        (vector(script=None), 'v: "script" must be a string'),
        (vector(peers=[]), 'v: "peers" must be a non-empty array of names'),
        (vector(peers=["a", ""]), 'v: "peers" must be a non-empty array of names'),
        (vector(peers=["a", "a"], init_peer="a"), "v: duplicate peer names"),
        (vector(peers=["a", "*"], init_peer="a"), 'v: "*" is not a valid peer name'),
        (vector(init_peer="nobody"), 'v: "init_peer" must be one of "peers"'),
        (vector(services=[]), 'v: "services" must be an object'),
        (vector(services={"x": {}}), 'v: services for unknown peer "x"'),
        (vector(services={"*": []}), 'v: services["*"] must be an object'),
        (vector(services={"*": {"a.b": 1}}), 'v: services["*"]["a.b"]: behavior must be an object'),
        (vector(services={"*": {"a.b": {"echo": 1}}}), 'v: services["*"]["a.b"]: unknown behavior ["echo"]'),
        (
            vector(services={"*": {"a.b": {"error": "x"}}}),
            '"error" must be {"message": str[, "ret_code": int != 0]}',
        ),
        (
            vector(services={"*": {"a.b": {"error": {"message": "m", "ret_code": 0}}}}),
            "error.ret_code must be a non-zero",
        ),
        (
            vector(services={"*": {"a.b": {"error": {"message": "m", "ret_code": True}}}}),
            "error.ret_code must be a",
        ),
        (
            vector(services={"*": {"a.b": {"error": {"message": "m", "ret_code": 1.5}}}}),
            "error.ret_code must be a",
        ),
        (vector(services={"*": {"a.b": {"seq": []}}}), '"seq" must be a non-empty array'),
        (
            vector(services={"*": {"a.b": {"seq": [{"seq": [{"echo": True}]}]}}}),
            'a.b"].seq[0]: nested "seq" is not',
        ),
        (vector(services={"*": {"a.b": {"result": 1, "seq": [{"echo": True}]}}}), '"seq" mixed with another'),
        (vector(timestamp="now"), 'v: "timestamp" must be an integer'),
        (vector(particle_id=7), 'v: "particle_id" must be a string'),
    ],
)
def test_malformed(raw: Any, message: str) -> None:
    with pytest.raises(VectorError, match=None) as caught:
        parse_vector(raw)
    assert message in str(caught.value)


def test_read_skips_blank_and_comment_lines(tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text('# comment\n\n  // also a comment\n{"name": "a"}\r\n  [1, 2.5]  \n')
    assert read_vectors([str(path), str(path)]) == [{"name": "a"}, [1, 2.5], {"name": "a"}, [1, 2.5]]


def test_read_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"name": "s"}\n')))
    assert read_vectors(["-"]) == [{"name": "s"}]


@pytest.mark.parametrize("line", ["{nope", "NaN", '{"a": Infinity}'])
def test_read_refuses_what_json_parse_refuses(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(f"# x\n{line}\n")
    with pytest.raises(VectorFileError, match=r"bad\.jsonl:2: not valid JSON"):
        read_vectors([str(path)])


@pytest.mark.skipif(not SMOKE.exists(), reason="needs ../shared/avm-oracle")
def test_the_oracles_smoke_vectors_are_valid() -> None:
    raw = read_vectors([str(SMOKE)])
    assert len(raw) == 12
    for v in raw:
        parsed = parse_vector(v)
        assert isinstance(parsed.expect, dict)
        assert json.loads(json.dumps(parsed.expect))["name"] == parsed.name
