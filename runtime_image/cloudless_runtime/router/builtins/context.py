"""What a builtin call is given (the particle it serves) and what it may answer besides a value:
`Later`, a result due some time after the call, for `peer.timeout`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from cloudless_runtime.router import particle
from cloudless_runtime.router.builtins.args import JValue


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """The particle a builtin call serves."""

    particle: particle.Particle
    host_id: str


@dataclasses.dataclass(frozen=True, slots=True)
class Later:
    """A result the caller gets `after_ms` after the call, while the particle's other branches run
    on: the router answers the call then, as nox answers `peer.timeout` when its sleep ends."""

    after_ms: int
    value: JValue


Handler = Callable[[list[JValue], Context], JValue | Later]
"""A builtin function: its arguments and the call's context in, its result out."""
