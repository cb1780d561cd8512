"""Running one function of an Aqua file as js-client does: compile it (cached), serve its
arguments and the relay's peer id (`-relay-`) from `getDataSrv`, run the particle through the
relay with the client's services, and turn `callbackSrv.response` into the function's value or
`errorHandlingSrv.error` into a `FunctionFailed`. The relay's peer id is the one it proves in the
session's hello; a caller that expects a particular relay passes its id to have it checked.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping

from cloudless_runtime import aqua, identity
from cloudless_runtime.aqua import convert
from cloudless_runtime.client import local, relay


class FunctionFailed(Exception):
    """The function ran and failed: `error` is the AIR error object the script reported."""

    def __init__(self, error: local.JValue) -> None:
        self.error = error
        super().__init__(describe_error(error))


def describe_error(error: local.JValue) -> str:
    if not isinstance(error, dict):
        return f"the function failed: {error}"
    where = f" on peer {error['peer_id']}" if error.get("peer_id") else ""
    code = f" (error code {error['error_code']})" if "error_code" in error else ""
    instruction = f"\n  at {error['instruction']}" if error.get("instruction") else ""
    return f"the function failed{where}{code}: {error.get('message', error)}{instruction}"


def run(
    source: pathlib.Path,
    function: str,
    arguments: Mapping[str, local.JValue],
    *,
    relay_address: str,
    relay_id: str | None = None,
    keys: identity.KeyPair,
    ttl_ms: int = 60_000,
    timeout_s: float = 30.0,
) -> local.JValue:
    """The function's value; raises `aqua.CompileError`, `convert.BadArgument`, `relay.ClientError`
    (no answer, or the relay is not `relay_id`) or `FunctionFailed` (the function's own error)."""
    compiled = aqua.compile_file(source)
    found = compiled.functions.get(function)
    if found is None:
        exported = ", ".join(sorted(compiled.functions)) or "none"
        raise convert.BadArgument(f"{source} exports no function {function!r} (exported: {exported})")
    data = convert.arguments(found.signature, arguments)
    result = relay.run(
        found.air, relay=relay_address, relay_id=relay_id, keys=keys, data=data, ttl_ms=ttl_ms, timeout_s=timeout_s
    )
    if result.errors:
        raise FunctionFailed(result.errors[0])
    return convert.result(found.signature, result.responses[0])
