"""Executed steps made for real: a peer that runs particles the way the router's dispatcher does (AIR
engine, one builtin, a Marine host signing receipts) and keeps a `steps.Step` per engine run."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator

import orjson
import pytest

from cloudless_runtime import air, identity, marine
from cloudless_runtime.router import particle, runtime, steps

BUILTINS = frozenset({"op"})
CLIENT = identity.KeyPair.from_seed(bytes([21]) * 32)
PEER = identity.KeyPair.from_seed(bytes([22]) * 32)


def receipt_record(made: marine.Receipt) -> runtime.Receipt:
    """A receipt as the runtime client hands it to the router (signature in base64)."""
    return runtime.Receipt(
        peer_id=made.peer_id,
        service_id=made.service_id,
        blueprint_id=made.blueprint_id,
        modules=list(made.modules),
        function=made.function,
        args_hash=made.args_hash,
        result_hash=made.result_hash,
        fuel=made.fuel,
        particle_id=made.particle_id,
        signature=base64.b64encode(made.signature).decode(),
    )


@dataclasses.dataclass
class Peer:
    keys: identity.KeyPair
    host: marine.Host
    clock: int = 1_700_000_000_000

    def run(self, header: particle.Particle, prev_data: bytes, current_data: bytes) -> list[steps.Step]:
        """Every engine run of one step (received data, then call rounds until no calls are left)."""
        params = air.RunParameters(
            init_peer_id=header.init_peer_id,
            current_peer_id=self.keys.peer_id,
            timestamp=header.timestamp,
            ttl=header.ttl,
            particle_id=header.id,
            secret_key=self.keys.seed,
        )
        made: list[steps.Step] = []
        served: dict[int, steps.Call] = {}
        current = current_data
        while True:
            results = {cid: call.result for cid, call in served.items()}
            outcome = air.run(header.script, prev_data, current, params, results)
            made.append(steps.Step(self.keys.peer_id, self.clock, header, prev_data, current, served, outcome))
            prev_data, current = outcome.data, b""
            if not outcome.call_requests:
                return made
            served = {cid: self._serve(header, request) for cid, request in sorted(outcome.call_requests.items())}

    def _serve(self, header: particle.Particle, request: air.CallRequest) -> steps.Call:
        if request.service_id in BUILTINS:
            return steps.Call(request, air.CallResult(0, orjson.dumps(request.arguments[0]).decode()))
        called = self.host.call(
            request.service_id,
            request.function_name,
            request.arguments,
            call_parameters=marine.CallParameters(particle=marine.Particle(id=header.id)),
        )
        return steps.Call(
            request, air.CallResult(0, orjson.dumps(called.value).decode()), receipt_record(called.receipt)
        )


def greeting_script(peer_id: str, service_id: str) -> str:
    """Three runs on `peer_id`: a builtin, then two Marine calls (one result kept, one discarded)."""
    return f"""
    (seq
      (seq
        (call "{peer_id}" ("op" "identity") ["world"] name)
        (par
          (call "{peer_id}" ("{service_id}" "greeting") [name] greeting)
          (call "{peer_id}" ("{service_id}" "greeting") ["nobody"])))
      (call %init_peer_id% ("callback" "done") [greeting]))
    """


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory, wasm: dict[str, bytes]) -> Iterator[list[steps.Step]]:
    """The three engine runs of one step on PEER: no calls, one builtin call, two Marine calls."""
    with marine.Host(tmp_path_factory.mktemp("host"), keys=PEER) as host:
        digest = host.add_module(wasm["greeting_c"], name="greeting")
        service = host.create_service(host.add_blueprint("greeting", [digest]))
        header = particle.make(CLIENT, greeting_script(PEER.peer_id, service), ttl=60_000, now=1_700_000_000_000)
        yield Peer(PEER, host).run(header, b"", b"")
