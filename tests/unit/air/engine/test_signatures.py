"""Data produced by one peer and tampered with on the way is rejected by the next, with code 8/9,
and the receiver keeps its own data."""

from __future__ import annotations

import orjson
import pytest
from tests.unit.air.engine.peers import PARTICLE, keypair, ok, peer_id, run

from cloudless_runtime.air import pipeline, signatures
from cloudless_runtime.air.data import codec

SCRIPT = '(seq (call "{a}" ("s" "f") [] x) (call %init_peer_id% ("cb" "done") [x]))'


def _from_a() -> bytes:
    script = SCRIPT.format(a=peer_id("a"))
    sent = run(script, "client")
    requested = run(script, "a", data=sent.data)
    answered = run(script, "a", prev=requested.data, results={1: ok('{"secret": 42}')})
    assert answered.ret_code == 0 and answered.next_peer_pks == [peer_id("client")]
    return answered.data


def _edit(data: bytes, change: object) -> bytes:
    body = orjson.loads(data[4:])
    assert callable(change)
    change(body)
    return codec.MAGIC + orjson.dumps(body)


def test_untampered_data_is_accepted() -> None:
    outcome = run(SCRIPT.format(a=peer_id("a")), "client", data=_from_a())
    assert outcome.ret_code == 0
    assert outcome.call_requests[1].arguments == [{"secret": 42}]


def _set_value(body: dict) -> None:  # type: ignore[type-arg]
    for key, value in body["values"].items():
        if value == {"secret": 42}:
            body["values"][key] = {"secret": 43}


def _swap_signature(body: dict) -> None:  # type: ignore[type-arg]
    """A real signature of a's, but over other results."""
    body["signatures"][peer_id("a")] = signatures.sign(keypair("a"), PARTICLE, {"another-cid"})


def _drop_signature(body: dict) -> None:  # type: ignore[type-arg]
    del body["signatures"][peer_id("a")]


def _forge_result(body: dict) -> None:  # type: ignore[type-arg]
    """Re-address a forged value consistently: the CID checks pass, a's signature does not."""
    from cloudless_runtime.air.data import cid

    forged_value = cid.of({"secret": 0})
    body["values"][forged_value] = {"secret": 0}
    for key, entry in list(body["service_results"].items()):
        forged = [forged_value, entry[1], entry[2]]
        forged_cid = cid.of(forged)
        body["service_results"][forged_cid] = forged
        for state in body["trace"]:
            if state[0] == "c" and state[1] == "x" and state[2] == key:
                state[2] = forged_cid


@pytest.mark.parametrize(
    ("tamper", "code"),
    [
        (_set_value, pipeline.SIGNATURE_ERROR),
        (_swap_signature, pipeline.SIGNATURE_ERROR),
        (_drop_signature, pipeline.SIGNATURE_ERROR),
        (_forge_result, pipeline.SIGNATURE_ERROR),
    ],
)
def test_tampered_data_is_rejected(tamper: object, code: int) -> None:
    script = SCRIPT.format(a=peer_id("a"))
    own = run(script, "client")
    outcome = run(script, "client", prev=own.data, data=_edit(_from_a(), tamper))
    assert outcome.ret_code == code
    assert outcome.data == own.data
    assert outcome.call_requests == {} and outcome.next_peer_pks == []


def test_data_cannot_be_replayed_into_another_particle() -> None:
    outcome = run(SCRIPT.format(a=peer_id("a")), "client", data=_from_a(), particle_id="another-particle")
    assert outcome.ret_code == pipeline.SIGNATURE_ERROR


def test_malformed_trace_state_is_a_data_error() -> None:
    def corrupt(body: dict) -> None:  # type: ignore[type-arg]
        body["trace"].append(["p", -1, "x"])

    outcome = run(SCRIPT.format(a=peer_id("a")), "client", data=_edit(_from_a(), corrupt))
    assert outcome.ret_code == pipeline.DATA_ERROR


def test_par_lengths_past_the_end_are_an_uncatchable_trace_error() -> None:
    script = '(par (call "{a}" ("s" "f") [] x) (null))'.format(a=peer_id("a"))
    sent = run(script, "client")

    def lengthen(body: dict) -> None:  # type: ignore[type-arg]
        body["trace"][0] = ["p", 5, 0]

    outcome = run(script, "a", data=_edit(sent.data, lengthen))
    assert outcome.ret_code == 20000
    assert outcome.data == b""
