"""The errors a Marine host reports, classified by what the caller should do about them.

Each error carries a stable numeric `code` so that callers (the router, tests, receipts) compare
codes rather than message text. Limit errors (`OutOfFuel`, `Timeout`, `MemoryLimit`) and `Trap`
mean the instance that raised them was discarded and will be recreated before the next call;
`ModuleError` is a failure the module reported itself through `mx_host.error`, which leaves the
instance intact.
"""

from __future__ import annotations

from typing import ClassVar


class MarineError(Exception):
    """Base of every error the Marine host raises on purpose."""

    code: ClassVar[int] = 1


class NotFound(MarineError):
    """A module, blueprint, service or function that does not exist was named."""

    code = 2


class InvalidModule(MarineError):
    """The wasm bytes do not compile, or break the MX ABI (docs/abi.md)."""

    code = 3


class InvalidBlueprint(MarineError):
    """A blueprint is empty, names a module twice, or orders dependencies after their users."""

    code = 4


class LinkError(MarineError):
    """A module imports something its service cannot give it."""

    code = 5


class BadArguments(MarineError):
    """Call arguments do not match the function's declared parameters."""

    code = 6


class ModuleError(MarineError):
    """The module reported a failure through `mx_host.error`; its instance stays as it is."""

    code = 7


class Trap(MarineError):
    """The module trapped (unreachable, out-of-bounds access, stack overflow, exit, ...)."""

    code = 10


class OutOfFuel(Trap):
    """The call used up its fuel budget."""

    code = 11


class Timeout(Trap):
    """The call ran past its wall-clock deadline."""

    code = 12


class MemoryLimit(Trap):
    """The module needed more linear memory than its limit allows."""

    code = 13


class EffectorDenied(MarineError):
    """A module asked for a host binary its service was not granted."""

    code = 14


class AlreadyExists(MarineError):
    """A name that must be unique on the peer (a service alias) is taken already."""

    code = 16


class Closed(MarineError):
    """A handle was used after close()."""

    code = 15
