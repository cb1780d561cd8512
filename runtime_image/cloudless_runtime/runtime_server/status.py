"""Which gRPC status code each Marine error becomes, so callers can branch on the code.

Limits are RESOURCE_EXHAUSTED (fuel, memory) and DEADLINE_EXCEEDED (a call's time limit); bad
input is INVALID_ARGUMENT; a module that failed on its own (trap or reported error) is ABORTED or
INTERNAL. The Marine error's numeric code travels in trailing metadata under `CODE_KEY`, so the
router can report the same code a local Marine host would.
"""

from __future__ import annotations

import grpc

from cloudless_runtime import marine

CODE_KEY = "cloudless-marine-code"

_CODES: tuple[tuple[type[marine.MarineError], grpc.StatusCode], ...] = (
    # Most specific first: OutOfFuel, Timeout and MemoryLimit are Traps.
    (marine.OutOfFuel, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (marine.MemoryLimit, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (marine.Timeout, grpc.StatusCode.DEADLINE_EXCEEDED),
    (marine.Trap, grpc.StatusCode.INTERNAL),
    (marine.NotFound, grpc.StatusCode.NOT_FOUND),
    (marine.InvalidModule, grpc.StatusCode.INVALID_ARGUMENT),
    (marine.InvalidBlueprint, grpc.StatusCode.INVALID_ARGUMENT),
    (marine.BadArguments, grpc.StatusCode.INVALID_ARGUMENT),
    (marine.LinkError, grpc.StatusCode.FAILED_PRECONDITION),
    (marine.EffectorDenied, grpc.StatusCode.PERMISSION_DENIED),
    (marine.ModuleError, grpc.StatusCode.ABORTED),
    (marine.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS),
    (marine.Closed, grpc.StatusCode.UNAVAILABLE),
)


def status_code(error: marine.MarineError) -> grpc.StatusCode:
    """The gRPC status for a Marine error; UNKNOWN for a kind this table does not know yet."""
    return next((code for kind, code in _CODES if isinstance(error, kind)), grpc.StatusCode.UNKNOWN)
