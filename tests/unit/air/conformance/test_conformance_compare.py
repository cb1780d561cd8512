"""`--check` comparison: the oracle's diff lines, and what we deliberately leave out."""

from __future__ import annotations

from typing import Any

from cloudless_runtime.air.conformance import compare_outcome

OUTCOME: dict[str, Any] = {
    "name": "v",
    "calls": {"client": [["s", "f", [1, {"a": True, "b": "x"}]]], "peer_a": []},
    "hops": 2,
    "errors": {"peer_a": [{"ret_code": 10000, "message": "ours"}]},
    "final_data_bytes": 10,
    "invocations": 5,
    "undelivered": [],
    "truncated": None,
    "ms": 1.5,
}


def test_equal_regardless_of_key_order_and_int_float() -> None:
    expect = {
        "truncated": None,
        "calls": {"peer_a": [], "client": [["s", "f", [1.0, {"b": "x", "a": True}]]]},
        "hops": 2.0,
    }
    assert compare_outcome(expect, OUTCOME) == []


def test_ms_final_data_bytes_and_error_messages_are_not_compared() -> None:
    expect = {
        "ms": 99,
        "final_data_bytes": 1417,
        "errors": {"peer_a": [{"ret_code": 10000, "message": "AquaVM's"}]},
    }
    assert compare_outcome(expect, OUTCOME) == []


def test_error_ret_codes_are_compared() -> None:
    expect = {"errors": {"peer_a": [{"ret_code": 1, "message": "x"}], "client": []}}
    assert compare_outcome(expect, OUTCOME) == [
        "errors.client: missing (expected [])",
        "errors.peer_a[0].ret_code: expected 1, got 10000",
    ]


def test_only_expected_keys_are_compared_and_missing_ones_reported() -> None:
    assert compare_outcome({"hops": 2, "nope": 1}, OUTCOME) == ["nope: missing in outcome"]


def test_difference_lines() -> None:
    expect = {
        "calls": {"client": [["s", "f", [True, {"a": True}]], ["s", "g", []]], "relay": []},
        "hops": 3,
        "undelivered": [["client", "x"]],
        "truncated": "max_hops",
    }
    assert compare_outcome(expect, OUTCOME) == [
        "calls.client: expected length 2, got 1",
        "calls.client[0][2][0]: expected true, got 1",
        'calls.client[0][2][1].b: unexpected "x"',
        'calls.client: missing [["s","g",[]]]',
        "calls.peer_a: unexpected []",
        "calls.relay: missing (expected [])",
        "hops: expected 3, got 2",
        'truncated: expected "max_hops", got null',
        "undelivered: expected length 1, got 0",
        'undelivered: missing [["client","x"]]',
    ]


def test_limit() -> None:
    expect = {"calls": {f"p{i}": [] for i in range(30)}}
    assert len(compare_outcome(expect, OUTCOME)) == 20
