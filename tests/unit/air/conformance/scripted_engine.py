"""A scripted stand-in for the AIR engine, so the runner's network rules are tested on their own.

The vector's `script` is JSON, `{peer name: [step, ...]}`; the runner substitutes peer names by ids
as in AIR (they are quoted literals), so the engine finds its steps under `current_peer_id`. A
peer's n-th run performs step n (nothing once the steps run out). n is kept in the data the engine
returns: a host that lost `prev_data` would make a peer repeat a step. A step may have `next` (peer
ids), `calls` ([id, service, function, args], in any id order), `fail` (a ret_code) and `raise`
(the engine misbehaves). `runs` logs every invocation.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from cloudless_runtime.air.interface import CallRequest, CallResult, Outcome, RunParameters


@dataclasses.dataclass(frozen=True)
class Run:
    peer_id: str
    step: int
    current_data: bytes
    call_results: dict[int, CallResult]
    params: RunParameters


class ScriptedEngine:
    def __init__(self) -> None:
        self.runs: list[Run] = []

    def __call__(
        self,
        script: str,
        prev_data: bytes,
        current_data: bytes,
        params: RunParameters,
        call_results: Mapping[int, CallResult],
    ) -> Outcome:
        me = params.current_peer_id
        n = json.loads(prev_data)["n"] if prev_data else 0
        self.runs.append(Run(me, n, current_data, dict(call_results), params))
        steps: list[dict[str, Any]] = json.loads(script).get(me, [])
        step = steps[n] if n < len(steps) else {}
        data = json.dumps({"n": n + 1, "by": me}).encode()
        if step.get("raise"):
            raise RuntimeError(f"engine bug at {me}")
        if "fail" in step:
            return Outcome(step["fail"], f"failed at {me}!", data, step.get("next", []), {})
        requests = {
            key: CallRequest(service, function, args, [[] for _ in args])
            for key, service, function, args in step.get("calls", [])
        }
        return Outcome(0, "", data, step.get("next", []), requests)
