"""Which AIR engine the runner drives: a function with `cloudless_runtime.air.run`'s signature."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeAlias

from cloudless_runtime.air.interface import CallResult, Outcome, RunParameters

Engine: TypeAlias = Callable[[str, bytes, bytes, RunParameters, Mapping[int, CallResult]], Outcome]
"""`(script, prev_data, current_data, params, call_results) -> Outcome`, pure and never raising."""


class EngineUnavailable(RuntimeError):
    """The engine cannot be imported (broken at import)."""


def load_engine() -> Engine:
    """`cloudless_runtime.air.run`, imported only when vectors are run, so that the runner and its
    tests (which pass their own engine) never depend on the engine importing, and a broken engine
    is one clear error instead of a failure per vector."""
    try:
        from cloudless_runtime.air import run
    except ImportError as error:
        raise EngineUnavailable(f"cannot load the AIR engine cloudless_runtime.air.run: {error}") from error
    return run
