"""One interpreter run, as a named pipeline (AquaVM's runner.rs):

    parse -> decode -> verify -> prepare -> execute -> compact streams -> sign -> farewell

Nothing escapes: every failure becomes an Outcome. Failures before execution (codes 1-10) and
uncatchable errors (20000..) return the previous data unchanged; an uncaught catchable error
(10000..) still returns the new data, the next peers and the call requests.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from typing import Final

from cloudless_runtime import identity
from cloudless_runtime.air import signatures
from cloudless_runtime.air.data import codec, validate
from cloudless_runtime.air.execution import errors, instructions, scoping
from cloudless_runtime.air.execution.context import Context
from cloudless_runtime.air.interface import CallResult, Outcome, RunParameters
from cloudless_runtime.air.syntax import ParseError, ast, parse

PARSE_ERROR: Final = 1
DATA_ERROR: Final = 2
KEY_ERROR: Final = 7
CID_STORE_ERROR: Final = 8
SIGNATURE_ERROR: Final = 9
UNPROCESSED_CALL_RESULTS: Final = 30000

# The interpreter recurses through the script, and `next` recurses once per fold element: a fold
# over AquaVM's largest stream (1024 values) needs about 6000 frames. Python 3.11 runs Python-to-
# Python calls without growing the C stack, so a higher limit is safe.
_RECURSION_LIMIT: Final = 50_000
sys.setrecursionlimit(max(sys.getrecursionlimit(), _RECURSION_LIMIT))


class _Failed(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@functools.lru_cache(maxsize=512)
def _compile(script: str) -> tuple[ast.Instruction, scoping.Scopes]:
    """Parsed once per distinct script: a particle's script never changes between hops."""
    root = parse(script)
    return root, scoping.stream_scopes(root)


def _failure(code: int, message: str, prev_data: bytes) -> Outcome:
    return Outcome(code, message, prev_data, [], {})


def run(
    script: str,
    prev_data: bytes,
    current_data: bytes,
    params: RunParameters,
    call_results: Mapping[int, CallResult],
) -> Outcome:
    try:
        return _run(script, prev_data, current_data, params, call_results)
    except _Failed as e:
        return _failure(e.code, e.message, prev_data)
    except errors.UncatchableError as e:
        return _failure(e.code, e.message, prev_data)
    except RecursionError:
        return _failure(errors.TRACE_ERROR, "script nesting too deep for this interpreter", prev_data)


def _decode(raw: bytes, what: str) -> codec.InterpreterData:
    try:
        data = codec.decode(raw)
        validate.check(data)
    except codec.DataError as e:
        raise _Failed(DATA_ERROR, f"{what} data: {e}") from None
    return data


def _run(
    script: str,
    prev_raw: bytes,
    current_raw: bytes,
    params: RunParameters,
    call_results: Mapping[int, CallResult],
) -> Outcome:
    try:
        root, scopes = _compile(script)
    except ParseError as e:
        raise _Failed(PARSE_ERROR, f"aqua script can't be parsed: {e}") from None
    prev = _decode(prev_raw, "previous")
    current = _decode(current_raw, "received")
    try:
        keypair = identity.KeyPair.from_seed(params.secret_key)
    except ValueError as e:
        raise _Failed(KEY_ERROR, f"malformed secret key: {e}") from None
    try:
        signatures.check_addresses(current, prev)
        current_produced = signatures.verify(current, params.particle_id)
        prev_produced = signatures.produced_by_peer(prev)
        merged_signatures = signatures.merge(prev, prev_produced, current, current_produced)
    except signatures.SignatureError as e:
        raise _Failed(SIGNATURE_ERROR, f"data verification failed: {e}") from None

    ctx = Context(params=params, prev=prev, current=current, call_results=dict(call_results), scopes=scopes)
    ret_code, message = 0, ""
    try:
        instructions.execute(root, ctx)
    except errors.CatchableError as e:
        ret_code, message = e.code, e.message
    ctx.streams.compactify(ctx.keeper)
    ctx.stream_maps.compactify(ctx.keeper)
    if ret_code == 0 and ctx.call_results:
        ret_code = UNPROCESSED_CALL_RESULTS
        message = (
            "after finishing execution of supplied AIR, there are some unprocessed call results: "
            f"{sorted(ctx.call_results)}, probably a wrong call_id used"
        )
    if ctx.produced:
        merged_signatures[ctx.current_peer_id] = signatures.sign(keypair, params.particle_id, ctx.produced)
    store = ctx.store
    data = codec.InterpreterData(
        trace=ctx.keeper.result,
        last_call_id=ctx.last_call_id,
        values=store.values,
        tetraplets=store.tetraplets,
        service_results=store.service_results,
        canon_elements=store.canon_elements,
        canon_results=store.canon_results,
        signatures=merged_signatures,
    )
    next_peers = list(dict.fromkeys(ctx.next_peers))
    return Outcome(ret_code, message, codec.encode(data), next_peers, ctx.call_requests)
