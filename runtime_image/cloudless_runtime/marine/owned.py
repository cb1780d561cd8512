"""One ownership base for every native handle of the Marine host (stores, instances, services).

wasmtime frees native memory only when a store is dropped, so lifetimes are explicit rather than
left to the garbage collector: `close()` releases, a second `close()` is harmless, and any use after
close raises `errors.Closed` instead of touching freed memory.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from cloudless_runtime.marine import errors


class Owned:
    """A handle with an explicit `close()`; usable as a context manager."""

    _closed: bool = False

    def close(self) -> None:
        """Releases the handle; idempotent."""
        if not self._closed:
            self._closed = True
            self._release()

    @property
    def closed(self) -> bool:
        return self._closed

    def _release(self) -> None:
        """Frees what the subclass owns; called once."""

    def _check_open(self) -> None:
        if self._closed:
            raise errors.Closed(f"{type(self).__name__} is closed")

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
