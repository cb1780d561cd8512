"""Five peers as real processes (router + runtime each) on their own loopback addresses, one
address book: a client fans a script out over all of them and gets five greetings (and every peer
keeps step records of it that run again to the same outcome); a peer killed mid-session is routed
around by a script with `xor` failover; forged, tampered, expired and oversized particles are
rejected with their reason and counted on the metrics endpoint."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import grpc
import pytest
from tests import scrape
from tests.peerset_processes import peerset

from cloudless_runtime import air, client, identity
from cloudless_runtime.proto._gen.cloudless.v1 import particle_pb2_grpc
from cloudless_runtime.router import particle, stepstore, wire

TIMEOUT = 60.0
"""Per client run; generous because the machine builds Go in parallel."""


def fan_out(peers: list[peerset.Peer]) -> str:
    """The relay (first peer) and every other peer greet in parallel; each answer comes back
    through the relay, which joins them all into one array for the client."""
    relay = peers[0]
    branches = [f'(call "{relay.peer_id}" ("{relay.greeting}" "greeting") [name] g0)']
    for i, peer in enumerate(peers[1:], start=1):
        branches.append(
            f'(seq (call "{peer.peer_id}" ("{peer.greeting}" "greeting") [name] g{i}) '
            f'(call "{relay.peer_id}" ("op" "noop") []))'
        )
    together = branches[-1]
    for branch in reversed(branches[:-1]):
        together = f"(par {branch} {together})"
    names = " ".join(f"g{i}" for i in range(len(peers)))
    return f"""
    (seq
      (seq
        (call %init_peer_id% ("getDataSrv" "name") [] name)
        (call "{relay.peer_id}" ("op" "noop") []))
      (seq
        {together}
        (seq
          (call "{relay.peer_id}" ("op" "array") [{names}] all)
          (call %init_peer_id% ("callbackSrv" "response") [all]))))
    """


def failover(relay: peerset.Peer, first: peerset.Peer, backup: peerset.Peer) -> str:
    """Greets on `first` if the relay can reach it, else on `backup`; answers [greeting, who]."""
    return f"""
    (seq
      (call "{relay.peer_id}" ("op" "noop") [])
      (xor
        (seq
          (seq
            (call "{relay.peer_id}" ("peer" "connect") ["{first.peer_id}"] up)
            (match up true
              (call "{first.peer_id}" ("{first.greeting}" "greeting") ["failover"] answer)))
          (seq
            (call "{relay.peer_id}" ("op" "noop") [])
            (call %init_peer_id% ("callbackSrv" "response") [answer "first"])))
        (seq
          (seq
            (call "{backup.peer_id}" ("{backup.greeting}" "greeting") ["failover"] answer)
            (call "{relay.peer_id}" ("op" "noop") []))
          (call %init_peer_id% ("callbackSrv" "response") [answer "backup"]))))
    """


def test_a_script_fans_out_over_five_peers_and_gets_five_answers(peers: peerset.PeerSet) -> None:
    result = client.run(
        fan_out(peers.peers),
        relay=peers.peers[0].address,
        keys=identity.KeyPair.generate(),
        data={"name": "fluence"},
        timeout_s=TIMEOUT,
    )
    ((answers,),) = result.responses
    assert len(answers) == len(peers.peers) and all("fluence" in a for a in answers)
    for peer in peers.peers:
        samples = scrape.scrape(peer.runtime_metrics)
        ok = scrape.value(
            samples, "cloudless_runtime_marine_calls_total", service=peer.greeting, function="greeting", outcome="ok"
        )
        assert ok >= 1, f"peer {peer.index} served no greeting"
    relay = scrape.scrape(peers.peers[0].router_metrics)
    assert scrape.value(relay, "cloudless_router_particles_forwarded_total", to="peer") >= len(peers.peers) - 1
    assert scrape.value(relay, "cloudless_router_particles_forwarded_total", to="client") >= 1
    for peer in peers.peers:
        records = [r for r in stepstore.read(peer.steps_dir) if r.particle.id == result.particle_id]
        assert any(c.receipt is not None for r in records for c in r.calls.values()), f"peer {peer.index}"
        for record in records:
            params = record.run_parameters(peer.keys.seed)
            again = air.run(
                record.particle.script, record.prev_data, record.current_data, params, record.call_results()
            )
            assert again == record.outcome, f"peer {peer.index} recorded a run that does not run again the same"


@pytest.fixture
def victim(peers: peerset.PeerSet) -> Iterator[peerset.Peer]:
    """The last peer, which the test kills; it is started again afterwards for the other tests."""
    chosen = peers.peers[-1]
    yield chosen
    peers.restart(chosen)


def test_a_killed_peer_is_routed_around_by_xor_failover(peers: peerset.PeerSet, victim: peerset.Peer) -> None:
    relay, backup = peers.peers[0], peers.peers[1]
    script = failover(relay, victim, backup)
    keys = identity.KeyPair.generate()
    before = client.run(script, relay=relay.address, keys=keys, timeout_s=TIMEOUT)
    assert [who for _, who in before.responses] == ["first"]

    peers.kill(victim)
    after = client.run(script, relay=relay.address, keys=keys, timeout_s=TIMEOUT)
    ((answer, who),) = after.responses
    assert who == "backup" and "failover" in answer
    fan = client.run(
        fan_out(peers.peers[:-1]), relay=relay.address, keys=keys, data={"name": "still"}, timeout_s=TIMEOUT
    )
    assert len(fan.responses[0][0]) == len(peers.peers) - 1


def _send(address: str, message: particle.Particle) -> grpc.Call:
    options = [("grpc.max_send_message_length", 64 << 20)]
    with grpc.insecure_channel(address, options=options) as channel, pytest.raises(grpc.RpcError) as failure:
        particle_pb2_grpc.PeerStub(channel).Send(wire.to_message(message), timeout=TIMEOUT)
    error: grpc.Call = failure.value  # type: ignore[assignment]
    return error


def test_bad_particles_are_rejected_and_counted(peers: peerset.PeerSet) -> None:
    target = peers.peers[2]
    keys, mallory = identity.KeyPair.generate(), identity.KeyPair.generate()
    now = particle.wall_clock()
    script = f'(call "{target.peer_id}" ("op" "noop") [])'
    good = particle.make(keys, script, ttl=60_000, now=now)
    bad = {
        "forged": dataclasses.replace(particle.make(mallory, script, ttl=60_000, now=now), init_peer_id=keys.peer_id),
        "tampered": dataclasses.replace(good, script=f'(call "{peers.peers[3].peer_id}" ("op" "noop") [])'),
        "expired": particle.make(keys, script, ttl=60_000, now=now - 120_000),
        "oversized": good.with_data(b"\0" * (particle.Limits().max_data_bytes + 1)),
    }
    before = scrape.scrape(target.router_metrics)
    reasons = {
        name: dict(_send(target.address, message).trailing_metadata() or ())[wire.REASON_KEY]
        for name, message in bad.items()
    }
    assert reasons == {
        "forged": "bad_signature",
        "tampered": "bad_signature",
        "expired": "expired",
        "oversized": "too_large",
    }
    after = scrape.scrape(target.router_metrics)
    rejected = "cloudless_router_particles_rejected_total"
    moved = {
        reason: scrape.value(after, rejected, reason=reason) - scrape.value(before, rejected, reason=reason)
        for reason in ("bad_signature", "expired", "too_large", "malformed")
    }
    assert moved == {"bad_signature": 2, "expired": 1, "too_large": 1, "malformed": 0}
    received = "cloudless_router_particles_received_total"
    assert scrape.value(after, received, via="peer") - scrape.value(before, received, via="peer") == len(bad)
