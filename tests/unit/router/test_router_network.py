"""Routers over real gRPC on loopback: fan-out and back, Marine calls with tetraplets, rejections,
unreachable peers. The client is the real client library over a session with its relay."""

from __future__ import annotations

import dataclasses
import time

import grpc
import pytest
from tests.unit.router.conftest import StartRouter

from cloudless_runtime import client, identity
from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2_grpc
from cloudless_runtime.router import addressbook, particle, wire

TIMEOUT = 60.0
"""Generous: the machine builds Go in parallel."""

FAN_OUT = """
(seq
  (seq
    (call %init_peer_id% ("getDataSrv" "name") [] name)
    (call "{a}" ("op" "noop") []))
  (seq
    (par
      (call "{a}" ("{sid}" "greeting") [name] ga)
      (par
        (seq (call "{b}" ("{sid}" "greeting") [name] gb) (call "{a}" ("op" "noop") []))
        (seq (call "{c}" ("{sid}" "greeting") [name] gc) (call "{a}" ("op" "noop") []))))
    (seq
      (call "{a}" ("op" "array") [ga gb gc] all)
      (call %init_peer_id% ("callbackSrv" "response") [all]))))
"""


def test_a_particle_fans_out_over_three_routers_and_comes_back(start_router: StartRouter, greeting: str) -> None:
    a, b, c = start_router(), start_router(), start_router()
    script = FAN_OUT.format(a=a.peer_id, b=b.peer_id, c=c.peer_id, sid=greeting)
    result = client.run(
        script, relay=a.address, keys=identity.KeyPair.generate(), data={"name": "fluence"}, timeout_s=TIMEOUT
    )
    assert len(result.responses) == 1
    (answers,) = result.responses[0]
    assert len(answers) == 3 and all("fluence" in answer for answer in answers)
    assert not a.router.journal.entries()


def test_builtins_answer_through_the_relay(start_router: StartRouter) -> None:
    relay = start_router()
    script = f"""
    (seq
      (seq
        (call "{relay.peer_id}" ("peer" "identify") [] info)
        (call "{relay.peer_id}" ("subnet" "resolve") ["deal-1"] workers))
      (call %init_peer_id% ("callbackSrv" "response") [info.$.external_addresses workers.$.workers.[0].host_id]))
    """
    result = client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=TIMEOUT)
    assert result.responses == [[[relay.address], relay.peer_id]]


def test_a_marine_failure_is_catchable(start_router: StartRouter, greeting: str) -> None:
    relay = start_router()
    script = f"""
    (xor
      (call "{relay.peer_id}" ("{greeting}" "no_such_function") [] x)
      (call %init_peer_id% ("callbackSrv" "response") [%last_error%.$.message]))
    """
    result = client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=TIMEOUT)
    assert "no_such_function" in result.responses[0][0]
    assert result.responses[0][0].startswith("Local service error, ret_code is 2,")  # Marine's NotFound code


def test_a_missing_service_fails_as_on_nox(start_router: StartRouter, greeting: str) -> None:
    relay = start_router()
    script = f"""
    (xor
      (call "{relay.peer_id}" ("no-such-service" "greeting") ["x"] x)
      (call %init_peer_id% ("callbackSrv" "response") [%last_error%.$.error_code %last_error%.$.message]))
    """
    result = client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=TIMEOUT)
    nox = "Service with id 'no-such-service' not found (function greeting)"
    assert result.responses == [[10000, f"Local service error, ret_code is 1, error message is '\"{nox}\"'"]]


def test_particles_beyond_the_tracking_cap_are_refused_and_counted(start_router: StartRouter) -> None:
    relay = start_router(limits=particle.Limits(max_tracked=1))
    keys = identity.KeyPair.generate()
    with grpc.insecure_channel(relay.address) as channel:
        stub = particle_pb2_grpc.PeerStub(channel)
        stub.Send(wire.to_message(_signed(keys)), timeout=TIMEOUT)
        with pytest.raises(grpc.RpcError) as failure:
            stub.Send(wire.to_message(_signed(keys)), timeout=TIMEOUT)
    error: grpc.Call = failure.value  # type: ignore[assignment]
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert dict(error.trailing_metadata() or ())[wire.REASON_KEY] == "too_many_particles"
    assert relay.router.rejections == {"too_many_particles": 1}
    assert relay.router.metrics.registry.get_sample_value("cloudless_router_particles_tracked") == 1


def _signed(keys: identity.KeyPair, **changes: object) -> particle.Particle:
    made = particle.make(keys, '(call %init_peer_id% ("op" "noop") [])', ttl=60_000, now=particle.wall_clock())
    return dataclasses.replace(made, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "code", "reason"),
    [
        ({"script": '(call "x" ("op" "noop") [])'}, grpc.StatusCode.UNAUTHENTICATED, "bad_signature"),
        ({"signature": b"\x00" * 64}, grpc.StatusCode.UNAUTHENTICATED, "bad_signature"),
        ({"data": b"\x00" * (particle.Limits().max_data_bytes + 1)}, grpc.StatusCode.RESOURCE_EXHAUSTED, "too_large"),
        ({"init_peer_id": "not-a-peer"}, grpc.StatusCode.INVALID_ARGUMENT, "malformed"),
    ],
)
def test_bad_particles_are_rejected_with_a_reason(
    start_router: StartRouter, changes: dict[str, object], code: grpc.StatusCode, reason: str
) -> None:
    router = start_router()
    bad = _signed(identity.KeyPair.generate(), **changes)
    options = [("grpc.max_send_message_length", 64 << 20)]
    with grpc.insecure_channel(router.address, options=options) as channel, pytest.raises(grpc.RpcError) as failure:
        particle_pb2_grpc.PeerStub(channel).Send(wire.to_message(bad), timeout=TIMEOUT)
    error: grpc.Call = failure.value  # type: ignore[assignment]
    assert error.code() == code
    assert dict(error.trailing_metadata() or ())[wire.REASON_KEY] == reason
    assert router.router.rejections == {reason: 1}
    good = client.run(
        f'(seq (call "{router.peer_id}" ("op" "noop") []) (call %init_peer_id% ("callbackSrv" "response") ["up"]))',
        relay=router.address,
        keys=identity.KeyPair.generate(),
        timeout_s=TIMEOUT,
    )
    assert good.responses == [["up"]]


def test_an_expired_particle_is_rejected_over_a_session(start_router: StartRouter) -> None:
    relay = start_router(clock=lambda: particle.wall_clock() + 120_000)
    with pytest.raises(client.ClientError, match="expired"):
        client.run(
            f'(call "{relay.peer_id}" ("op" "noop") [])',
            relay=relay.address,
            keys=identity.KeyPair.generate(),
            ttl_ms=60_000,
            timeout_s=TIMEOUT,
        )
    assert relay.router.rejections == {"expired": 1}


def test_an_unreachable_peer_leaves_a_failure_record(start_router: StartRouter, book: addressbook.AddressBook) -> None:
    relay = start_router()
    ghost = identity.KeyPair.generate().peer_id
    book.replace([*book.entries(), addressbook.Entry(ghost, "127.0.0.1:1")])
    script = f"""
    (seq
      (call "{relay.peer_id}" ("op" "noop") [])
      (xor
        (call "{ghost}" ("op" "noop") [])
        (call %init_peer_id% ("callbackSrv" "response") ["unreachable"])))
    """
    with pytest.raises(client.ClientError, match="no answer"):
        client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=5)
    deadline = time.monotonic() + TIMEOUT
    while not relay.router.journal.entries() and time.monotonic() < deadline:
        time.sleep(0.05)
    (failure,) = relay.router.journal.entries()
    assert (failure.stage, failure.reason, failure.peer_id, failure.attempts) == ("delivery", "unreachable", ghost, 3)


def test_peer_connect_tells_a_live_router_from_a_dead_address(
    start_router: StartRouter, book: addressbook.AddressBook
) -> None:
    relay, other = start_router(), start_router()
    ghost = identity.KeyPair.generate().peer_id
    book.replace([*book.entries(), addressbook.Entry(ghost, "127.0.0.1:1")])
    script = f"""
    (seq
      (seq
        (call "{relay.peer_id}" ("peer" "connect") ["{other.peer_id}"] live)
        (call "{relay.peer_id}" ("peer" "connect") ["{ghost}"] dead))
      (call %init_peer_id% ("callbackSrv" "response") [live dead]))
    """
    result = client.run(script, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=TIMEOUT)
    assert result.responses == [[True, False]]
