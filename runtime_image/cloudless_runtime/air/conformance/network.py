"""The oracle's simulated network (lib/network.mjs), rule for rule, driving our engine instead of
AquaVM. Any deviation in scheduling would change which calls happen in which order, so outcomes
could no longer be compared call by call with the ones the real AquaVM produced.

The rules (README "Network model"): one global FIFO of tasks, starting with the init peer's run on
empty data. A successful run forwards its data to each next peer of the vector in the order of the
vector's `peers` list (next peers outside the vector are recorded as undelivered), then answers all
its call requests in id order and queues one run of the same peer with all the results (or one per
result with `feed="single"`). A failed run is recorded and does nothing else. Every run's returned
data replaces the peer's stored data whatever its ret_code (nox's rule).
"""

from __future__ import annotations

import collections
import dataclasses
import time
from typing import TYPE_CHECKING, Literal, TypeAlias

from cloudless_runtime.air import pipeline
from cloudless_runtime.air.conformance.engine import Engine
from cloudless_runtime.air.conformance.javascript import sort_key
from cloudless_runtime.air.conformance.outcome import (
    Call,
    InvalidVector,
    PeerError,
    Truncation,
    VectorOutcome,
)
from cloudless_runtime.air.conformance.peers import PeerMap
from cloudless_runtime.air.conformance.services import Services
from cloudless_runtime.air.conformance.vectors import Vector, VectorError, parse_vector, vector_name
from cloudless_runtime.air.interface import CallResult, RunParameters

if TYPE_CHECKING:
    from cloudless_runtime.air.interface import JValue

DEFAULT_MAX_HOPS = 500
DEFAULT_MAX_INVOCATIONS = 5000

Feed: TypeAlias = Literal["batch", "single"]
"""How call results go back: all results of a run in one new run (nox) or one run each (js-client)."""


@dataclasses.dataclass(frozen=True, slots=True)
class RunOptions:
    """Command-line bounds; a vector's own `max_hops` / `max_invocations` win over them."""

    max_hops: int | None = None
    max_invocations: int | None = None
    feed: Feed = "batch"


@dataclasses.dataclass(frozen=True, slots=True)
class _Task:
    is_delivery: bool
    """A particle arriving from another peer (counted as a hop), as opposed to the start run or
    call results coming back."""
    peer: str
    data: bytes
    call_results: dict[int, CallResult]


def run_raw(raw: JValue, engine: Engine, options: RunOptions = RunOptions()) -> VectorOutcome | InvalidVector:
    """One vector as read from a file. Like the oracle, a malformed vector or a crash of the runner
    becomes an `invalid` outcome rather than stopping the whole file."""
    try:
        return run_vector(parse_vector(raw), options, engine)
    except VectorError as error:
        return InvalidVector(vector_name(raw), str(error))
    except Exception as error:
        return InvalidVector(vector_name(raw), f"{type(error).__name__}: {error}")


def run_vector(vector: Vector, options: RunOptions = RunOptions(), engine: Engine | None = None) -> VectorOutcome:
    run = engine or pipeline.run
    started = time.perf_counter_ns()
    peers = PeerMap(vector.peers)
    services = Services(vector.services, peers)
    script = peers.substitute_script(vector.script)
    max_hops = _bound(vector.max_hops, options.max_hops, DEFAULT_MAX_HOPS)
    max_invocations = _bound(vector.max_invocations, options.max_invocations, DEFAULT_MAX_INVOCATIONS)
    params = {
        name: RunParameters(
            init_peer_id=peers.peer_id(vector.init_peer),
            current_peer_id=peers.peer_id(name),
            timestamp=vector.timestamp,
            ttl=vector.ttl,
            particle_id=vector.particle_id,
            secret_key=peers.keys(name).seed,
        )
        for name in vector.peers
    }
    position = {name: i for i, name in enumerate(vector.peers)}
    prev_data = dict.fromkeys(vector.peers, b"")
    calls: dict[str, list[Call]] = {name: [] for name in vector.peers}
    errors: dict[str, list[PeerError]] = {}
    undelivered: list[tuple[str, str]] = []

    queue = collections.deque([_Task(False, vector.init_peer, b"", {})])
    hops = 0
    invocations = 0
    truncated: Truncation = None
    while queue:
        task = queue[0]
        if task.is_delivery and hops >= max_hops:
            truncated = "max_hops"
            break
        if invocations >= max_invocations:
            truncated = "max_invocations"
            break
        queue.popleft()
        if task.is_delivery:
            hops += 1
        invocations += 1
        peer = task.peer
        try:
            outcome = run(script, prev_data[peer], task.data, params[peer], task.call_results)
        except Exception as error:
            # The engine must never raise; if it does, that peer's run failed like a crashed AquaVM.
            message = f"host: engine invocation threw: {type(error).__name__}: {error}"
            errors.setdefault(peer, []).append(PeerError(-1, peers.names_in(message)))
            continue
        prev_data[peer] = outcome.data
        if outcome.ret_code != 0:
            errors.setdefault(peer, []).append(PeerError(outcome.ret_code, peers.names_in(outcome.error_message)))
            continue

        known: list[str] = []
        unknown: list[str] = []
        for peer_id in outcome.next_peer_pks:
            name = peers.name_of(peer_id)
            if name is None:
                unknown.append(peer_id)
            else:
                known.append(name)
        undelivered.extend((peer, peer_id) for peer_id in sorted(unknown, key=sort_key))
        queue.extend(_Task(True, to, outcome.data, {}) for to in sorted(known, key=position.__getitem__))

        if outcome.call_requests:
            results: dict[int, CallResult] = {}
            for request_id in sorted(outcome.call_requests):
                request = outcome.call_requests[request_id]
                service = peers.names_in(request.service_id)
                function = peers.names_in(request.function_name)
                calls[peer].append([service, function, peers.to_names(request.arguments)])
                results[request_id] = services.answer(peer, service, function, request.arguments)
            if options.feed == "single":
                queue.extend(_Task(False, peer, b"", {key: result}) for key, result in results.items())
            else:
                queue.append(_Task(False, peer, b"", results))

    return VectorOutcome(
        name=vector.name,
        calls=calls,
        hops=hops,
        errors=errors,
        final_data_bytes=len(prev_data[vector.init_peer]),
        invocations=invocations,
        undelivered=undelivered,
        truncated=truncated,
        ms=round((time.perf_counter_ns() - started) / 1e6, 3),
    )


def _bound(own: int | None, option: int | None, default: int) -> int:
    if own is not None:
        return own
    return default if option is None else option
