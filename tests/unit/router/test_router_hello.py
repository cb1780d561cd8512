"""The relay tells its identity: a client session opens with a hello, the relay answers with its
peer id signed over the client's challenge. The client needs no relay id, a wrong expected id
fails clearly, and an impostor holding an old answer of the real relay cannot pass for it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures

import grpc
import pytest
from tests.unit.router.conftest import StartRouter

from cloudless_runtime import client, identity
from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2, particle_pb2_grpc
from cloudless_runtime.router import hello, server

TIMEOUT = 60.0

WHO = """
(seq
  (seq
    (call %init_peer_id% ("getDataSrv" "-relay-") [] relay_aqua)
    (call %init_peer_id% ("getDataSrv" "relay") [] relay))
  (seq
    (call relay ("op" "noop") [])
    (call %init_peer_id% ("callbackSrv" "response") [relay_aqua relay])))
"""


def test_hello_answers_prove_the_peer_for_that_challenge_only() -> None:
    keys, other = identity.KeyPair.generate(), identity.KeyPair.generate()
    challenge = bytes(range(32))
    answer = hello.sign(keys, challenge)
    assert hello.proves(keys.peer_id, challenge, answer)
    assert not hello.proves(keys.peer_id, bytes(32), answer)
    assert not hello.proves(other.peer_id, challenge, answer)
    assert not hello.proves("not-a-peer-id", challenge, answer)
    assert not hello.proves(keys.peer_id, challenge, keys.sign(challenge))  # no domain prefix: not a hello
    with pytest.raises(hello.BadChallenge):
        hello.sign(keys, b"short")


def test_without_a_relay_id_the_script_gets_the_relays_own(start_router: StartRouter) -> None:
    relay = start_router()
    result = client.run(WHO, relay=relay.address, keys=identity.KeyPair.generate(), timeout_s=TIMEOUT)
    assert result.relay_id == relay.peer_id
    assert result.responses == [[relay.peer_id, relay.peer_id]]


def test_the_expected_relay_id_is_checked(start_router: StartRouter) -> None:
    relay, other = start_router(), start_router()
    matching = client.run(WHO, relay=relay.address, relay_id=relay.peer_id, keys=identity.KeyPair.generate())
    assert matching.responses == [[relay.peer_id, relay.peer_id]]
    with pytest.raises(client.ClientError, match=f"is peer {relay.peer_id}, not the expected {other.peer_id}"):
        client.run(WHO, relay=relay.address, relay_id=other.peer_id, keys=identity.KeyPair.generate())
    received = relay.router.metrics.registry.get_sample_value(
        "cloudless_router_particles_received_total", {"via": "client"}
    )
    assert received == 1  # the mismatched run sent nothing


class _Impostor(particle_pb2_grpc.PeerServicer):
    """Answers every hello with the real relay's answer to another challenge, as a man in the middle
    that once saw (or obtained) a genuine hello would."""

    def __init__(self, peer_id: str, signature: bytes) -> None:
        self._answer = particle_pb2.RelayMessage(hello=particle_pb2.RelayHello(peer_id=peer_id, signature=signature))

    def Session(
        self, request_iterator: Iterator[particle_pb2.ClientMessage], context: grpc.ServicerContext
    ) -> Iterator[particle_pb2.RelayMessage]:
        next(request_iterator)
        yield self._answer


@pytest.fixture
def impostor(start_router: StartRouter) -> Iterator[tuple[server.Running, str]]:
    relay = start_router()
    old_answer = hello.sign(relay.router.config.keys, b"\x07" * hello.CHALLENGE_BYTES)
    fake = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    particle_pb2_grpc.add_PeerServicer_to_server(_Impostor(relay.peer_id, old_answer), fake)
    port = fake.add_insecure_port("127.0.0.1:0")
    fake.start()
    yield relay, f"127.0.0.1:{port}"
    fake.stop(0)


@pytest.mark.parametrize("expect_id", [True, False], ids=["with-relay-id", "without"])
def test_an_impostor_cannot_answer_in_the_relays_name(impostor: tuple[server.Running, str], expect_id: bool) -> None:
    relay, address = impostor
    with pytest.raises(client.ClientError, match=f"says it is '{relay.peer_id}' but its hello is not signed"):
        client.run(
            WHO,
            relay=address,
            relay_id=relay.peer_id if expect_id else None,
            keys=identity.KeyPair.generate(),
            timeout_s=TIMEOUT,
        )


def _session(address: str, *messages: particle_pb2.ClientMessage) -> particle_pb2.RelayMessage:
    with grpc.insecure_channel(address) as channel:
        replies = particle_pb2_grpc.PeerStub(channel).Session(iter(messages), timeout=TIMEOUT)
        return next(iter(replies))


def test_the_relay_refuses_a_bad_challenge_and_skips_unknown_messages(start_router: StartRouter) -> None:
    relay = start_router()
    short = _session(relay.address, particle_pb2.ClientMessage(hello=particle_pb2.ClientHello(challenge=b"1234")))
    assert (short.WhichOneof("kind"), short.rejected.reason) == ("rejected", "malformed")
    challenge = b"\x01" * 32
    answered = _session(
        relay.address,
        particle_pb2.ClientMessage(),  # no kind set: what a relay sees of a kind added after it was built
        particle_pb2.ClientMessage(hello=particle_pb2.ClientHello(challenge=challenge)),
    )
    assert answered.hello.peer_id == relay.peer_id
    assert hello.proves(relay.peer_id, challenge, answered.hello.signature)
    assert relay.router.rejections == {}
