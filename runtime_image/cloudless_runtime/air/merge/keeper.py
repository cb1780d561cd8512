"""The two read cursors over the input traces and the result trace they are merged into."""

from __future__ import annotations

from cloudless_runtime.air.data import trace as tr


class TraceError(Exception):
    """Input traces that cannot be merged: incompatible states, lengths pointing past the end.

    Always uncatchable: the peer keeps its previous data and the particle does not advance."""


class Slider:
    """Reads the states of one input trace inside a window (position, length)."""

    __slots__ = ("position", "seen", "subtrace_len", "trace")

    def __init__(self, trace: tr.Trace) -> None:
        self.trace = trace
        self.position = 0
        self.subtrace_len = len(trace)
        self.seen = 0

    def next_state(self) -> tr.State | None:
        if self.seen >= self.subtrace_len or self.position >= len(self.trace):
            return None
        state = self.trace[self.position]
        self.position += 1
        self.seen += 1
        return state

    def set_position_and_len(self, position: int, subtrace_len: int) -> None:
        if position < 0 or subtrace_len < 0 or (subtrace_len and position + subtrace_len > len(self.trace)):
            raise TraceError(
                f"subtrace at position {position} of length {subtrace_len} "
                f"is outside a trace of {len(self.trace)} states"
            )
        self.position = position
        self.subtrace_len = subtrace_len
        self.seen = 0

    def set_subtrace_len(self, subtrace_len: int) -> None:
        if subtrace_len < 0 or len(self.trace) - self.position < subtrace_len:
            raise TraceError(
                f"subtrace of length {subtrace_len} at position {self.position} "
                f"is outside a trace of {len(self.trace)} states"
            )
        self.seen = 0
        self.subtrace_len = subtrace_len

    def remaining(self) -> int:
        return self.subtrace_len - self.seen

    def generation_at(self, position: int) -> int:
        """The generation of the stream value produced by the state at `position`."""
        if not 0 <= position < len(self.trace):
            raise TraceError(f"no state at position {position} in a trace of {len(self.trace)} states")
        state = self.trace[position]
        if state[0] == tr.CALL and state[1] == tr.STREAM:
            return int(state[3])
        if state[0] == tr.AP:
            return int(state[1])
        raise TraceError(f"state at position {position} is not a stream value: {state}")


class PositionMap:
    """A bijection between result positions and input positions (AquaVM keeps a BiHashMap):
    a new pair replaces any pair that shared either side."""

    __slots__ = ("backward", "forward")

    def __init__(self) -> None:
        self.forward: dict[int, int] = {}
        self.backward: dict[int, int] = {}

    def insert(self, new_pos: int, old_pos: int) -> None:
        previous_old = self.forward.pop(new_pos, None)
        if previous_old is not None:
            del self.backward[previous_old]
        previous_new = self.backward.pop(old_pos, None)
        if previous_new is not None:
            del self.forward[previous_new]
        self.forward[new_pos] = old_pos
        self.backward[old_pos] = new_pos

    def get(self, new_pos: int) -> int | None:
        return self.forward.get(new_pos)


class Keeper:
    """Both sliders, the result trace, and where each merged result state came from."""

    __slots__ = ("current", "new_to_current", "new_to_prev", "prev", "result")

    def __init__(self, prev_trace: tr.Trace, current_trace: tr.Trace) -> None:
        self.prev = Slider(prev_trace)
        self.current = Slider(current_trace)
        self.new_to_prev = PositionMap()
        self.new_to_current = PositionMap()
        self.result: tr.Trace = []
