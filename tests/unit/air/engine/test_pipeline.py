"""The pipeline's edges: every failure is an Outcome with a stable code, and the previous data
survives anything that is not a successful or catchable run."""

from __future__ import annotations

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.air.engine.peers import ok, peer_id, run

from cloudless_runtime.air import CallResult, pipeline
from cloudless_runtime.air.data import codec
from cloudless_runtime.air.execution import errors

LOCAL = '(call %init_peer_id% ("svc" "get") [] x)'


def test_parse_error_keeps_previous_data() -> None:
    first = run(LOCAL, "client")
    outcome = run("(seq (null)", "client", prev=first.data)
    assert outcome.ret_code == pipeline.PARSE_ERROR
    assert outcome.data == first.data
    assert outcome.next_peer_pks == [] and outcome.call_requests == {}


def test_local_call_is_requested_then_answered() -> None:
    first = run(LOCAL, "client")
    assert first.ret_code == 0
    assert list(first.call_requests) == [1]
    request = first.call_requests[1]
    assert (request.service_id, request.function_name, request.arguments) == ("svc", "get", [])
    second = run(LOCAL, "client", prev=first.data, results={1: ok('"v"')})
    assert second.ret_code == 0 and second.call_requests == {}
    assert codec.decode(second.data).trace[0][:2] == ["c", "x"]


def test_result_for_unknown_call_id_is_a_farewell_error() -> None:
    first = run(LOCAL, "client")
    outcome = run(LOCAL, "client", prev=first.data, results={1: ok("1"), 7: ok("2")})
    assert outcome.ret_code == pipeline.UNPROCESSED_CALL_RESULTS
    assert codec.decode(outcome.data).trace[0][:2] == ["c", "x"]


def test_remote_call_names_the_next_peer() -> None:
    script = '(par (call "{a}" ("s" "f") [] x) (call "{b}" ("s" "f") [] y))'.format(a=peer_id("a"), b=peer_id("b"))
    outcome = run(script, "client")
    assert outcome.next_peer_pks == [peer_id("a"), peer_id("b")]
    assert codec.decode(outcome.data).trace == [
        ["p", 1, 1],
        ["c", "s", peer_id("client")],
        ["c", "s", peer_id("client")],
    ]


def test_uncaught_catchable_error_returns_new_data() -> None:
    first = run(LOCAL, "client")
    failed = run(LOCAL, "client", prev=first.data, results={1: CallResult(5, '"broken"')})
    assert failed.ret_code == errors.LOCAL_SERVICE_ERROR
    assert failed.data != first.data
    assert codec.decode(failed.data).trace[0][:2] == ["c", "f"]


def test_runs_are_deterministic_and_idempotent() -> None:
    script = '(seq (call %init_peer_id% ("a" "b") [] x) (call "{p}" ("s" "f") [x] y))'.format(p=peer_id("a"))
    first = run(script, "client")
    second = run(script, "client", prev=first.data, results={1: ok('[1, 2.5, {"k": true}]')})
    again = run(script, "client", prev=first.data, results={1: ok('[1, 2.5, {"k": true}]')})
    assert second.data == again.data
    merged_with_itself = run(script, "client", prev=second.data, data=second.data)
    assert codec.decode(merged_with_itself.data).trace == codec.decode(second.data).trace


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_garbage_received_data_never_crashes(garbage: bytes) -> None:
    first = run(LOCAL, "client")
    outcome = run(LOCAL, "client", prev=first.data, data=garbage)
    if garbage and not garbage.startswith(codec.MAGIC):
        assert outcome.ret_code == pipeline.DATA_ERROR
        assert outcome.data == first.data


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
        max_leaves=10,
    )
)
def test_garbage_data_bodies_are_rejected_cleanly(body: object) -> None:
    outcome = run(LOCAL, "client", data=codec.MAGIC + orjson.dumps(body))
    assert outcome.ret_code == pipeline.DATA_ERROR
    assert outcome.data == b""


def test_fold_over_a_thousand_elements_recurses_through_next() -> None:
    script = '(seq (call %init_peer_id% ("d" "l") [] xs) (fold xs x (seq (ap x $s) (next x))))'
    first = run(script, "client")
    outcome = run(script, "client", prev=first.data, results={1: ok(orjson.dumps(list(range(1000))).decode())})
    assert outcome.ret_code == 0
    assert len(codec.decode(outcome.data).trace) == 1001
