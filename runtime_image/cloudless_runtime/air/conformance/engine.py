"""Which AIR engine the runner drives: a function with `cloudless_runtime.air.run`'s signature,
so tests can pass a scripted fake in its place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeAlias

from cloudless_runtime.air.interface import CallResult, Outcome, RunParameters

Engine: TypeAlias = Callable[[str, bytes, bytes, RunParameters, Mapping[int, CallResult]], Outcome]
"""`(script, prev_data, current_data, params, call_results) -> Outcome`, pure and never raising."""
