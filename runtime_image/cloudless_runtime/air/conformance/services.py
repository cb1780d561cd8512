"""The scripted services of a vector: how each peer answers the calls its AIR makes.

Answers are CallResults exactly as js-client and nox would send them to AquaVM (JSON text, ret_code
1 for a missing handler), so the engine sees the same bytes from this harness as AquaVM did from
the oracle's, down to the wording of js-client's "No service found" message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeAlias

from cloudless_runtime.air.conformance.javascript import stringify
from cloudless_runtime.air.interface import CallResult

if TYPE_CHECKING:
    from cloudless_runtime.air.conformance.peers import PeerMap
    from cloudless_runtime.air.interface import JValue

FAIL_RET_CODE = 1
"""js-client's ResultCodes.error; nox answers a failed builtin with 1 too."""

ANY_PEER = "*"


@dataclasses.dataclass(frozen=True, slots=True)
class Result:
    value: JValue


@dataclasses.dataclass(frozen=True, slots=True)
class Echo:
    """Success with the call's whole argument array."""


@dataclasses.dataclass(frozen=True, slots=True)
class EchoFirst:
    """Success with the call's first argument."""


@dataclasses.dataclass(frozen=True, slots=True)
class Fail:
    message: str
    ret_code: int = FAIL_RET_CODE


@dataclasses.dataclass(frozen=True, slots=True)
class Seq:
    """The n-th matching call on a peer gets `steps[n]`; the last step repeats."""

    steps: tuple[Step, ...]


Step: TypeAlias = Result | Echo | EchoFirst | Fail
Behavior: TypeAlias = Step | Seq
ServiceTable: TypeAlias = Mapping[str, Mapping[str, Behavior]]
"""Peer name or `"*"` -> `"service.function"` or `"service.*"` -> behavior."""


class Services:
    """The services of one vector run, with the per-peer `seq` counters that make them stateful."""

    def __init__(self, table: ServiceTable, peers: PeerMap) -> None:
        self._table = table
        self._peers = peers
        self._counters: dict[tuple[str, str], int] = {}

    def answer(self, peer: str, service: str, function: str, arguments: list[JValue]) -> CallResult:
        """Serve one call at `peer`. `service` and `function` are already mapped back to names (so a
        service id that is a peer id is looked up as that peer's name); `arguments` still hold real
        ids, as the engine sent them."""
        found = self._lookup(peer, service, function)
        if found is None:
            # js-client's FluencePeer message for a call nobody registered a handler for
            return _failure(
                f"No service found for service call: serviceId='{service}', fnName='{function}' "
                f"args='{stringify(arguments)}'"
            )
        key, behavior = found
        if isinstance(behavior, Seq):
            n = self._counters.get((peer, key), 0)
            self._counters[(peer, key)] = n + 1
            behavior = behavior.steps[min(n, len(behavior.steps) - 1)]
        match behavior:
            case Result(value):
                return CallResult(0, stringify(self._peers.to_ids(value)))
            case Echo():
                return CallResult(0, stringify(arguments))
            case EchoFirst():
                if not arguments:
                    return _failure("echo_first: call has no arguments")
                return CallResult(0, stringify(arguments[0]))
            case Fail(message, ret_code):
                return CallResult(ret_code, stringify(self._peers.to_ids(message)))

    def _lookup(self, peer: str, service: str, function: str) -> tuple[str, Behavior] | None:
        """The peer's own table before `"*"`, and in each the exact function before `service.*`."""
        for owner in (peer, ANY_PEER):
            table = self._table.get(owner)
            if table is None:
                continue
            for key in (f"{service}.{function}", f"{service}.*"):
                behavior = table.get(key)
                if behavior is not None:
                    return key, behavior
        return None


def _failure(message: str) -> CallResult:
    return CallResult(FAIL_RET_CODE, stringify(message))
