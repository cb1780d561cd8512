"""What one vector run reports, in the oracle's outcome shape (README "Outcome")."""

from __future__ import annotations

import dataclasses
from typing import Literal, TypeAlias

from cloudless_runtime.air.interface import JValue

Truncation: TypeAlias = Literal["max_hops", "max_invocations"] | None
Call: TypeAlias = list[JValue]
"""`[service, function, arguments]`, peer ids mapped back to names."""


@dataclasses.dataclass(frozen=True, slots=True)
class PeerError:
    """A run at a peer that returned `ret_code != 0` (-1: the engine itself raised)."""

    ret_code: int
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class VectorOutcome:
    name: str
    calls: dict[str, list[Call]]
    """Every peer of the vector, in its order: the calls its engine requested, run by run."""
    hops: int
    errors: dict[str, list[PeerError]]
    final_data_bytes: int
    invocations: int
    undelivered: list[tuple[str, str]]
    """`(from name, to peer id)` for next peers outside the vector."""
    truncated: Truncation
    ms: float

    def to_json(self) -> dict[str, JValue]:
        """The oracle's keys in the oracle's order."""
        return {
            "name": self.name,
            "calls": self.calls,
            "hops": self.hops,
            "errors": {
                peer: [{"ret_code": e.ret_code, "message": e.message} for e in errors]
                for peer, errors in self.errors.items()
            },
            "final_data_bytes": self.final_data_bytes,
            "invocations": self.invocations,
            "undelivered": [list(pair) for pair in self.undelivered],
            "truncated": self.truncated,
            "ms": self.ms,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class InvalidVector:
    """A vector that could not be run (malformed, or the runner crashed on it)."""

    name: JValue
    invalid: str

    def to_json(self) -> dict[str, JValue]:
        return {"name": self.name, "invalid": self.invalid}
