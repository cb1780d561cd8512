"""Callbacks run when they are due, on one thread: how the dispatcher hands over call results that
are due later (`peer.timeout`) without holding a pool thread, or a thread per wait, meanwhile."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Timers:
    """Starts its thread with the first callback; `close` drops what is not due yet."""

    def __init__(self) -> None:
        self._due: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def after(self, seconds: float, callback: Callable[[], None]) -> None:
        with self._wake:
            if self._closed:
                return
            heapq.heappush(self._due, (time.monotonic() + seconds, next(self._order), callback))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="timers", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while not self._closed:
                wait = self._due[0][0] - time.monotonic() if self._due else None
                if wait is None or wait > 0:
                    self._wake.wait(wait)
                    continue
                _, _, callback = heapq.heappop(self._due)
                self._wake.release()
                try:
                    callback()
                except Exception:  # one callback's bug must not stop the others
                    log.exception("a timer callback failed")
                finally:
                    self._wake.acquire()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._due.clear()
            self._wake.notify()
