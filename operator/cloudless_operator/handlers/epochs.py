"""The epoch controller's loop: one thread for the whole operator, started with it and stopped on cleanup.

Only when epochs are on (`CLOUDLESS_DATA_DIR` set). Each round runs `kube.epochs.Controller.tick`
and counts what the closes did; a round that fails (the API server away, a file not writable) is
logged and the next one tries again, since every step of a tick converges. Settings that cannot be
read stop the operator at startup, with the message saying which parameter is wrong.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import kopf

from cloudless_operator.billing import configure, settings
from cloudless_operator.handlers import metrics
from cloudless_operator.kube import epochs

CRASH_AFTER_APPEND = "CLOUDLESS_EPOCH_CRASH_AFTER_APPEND"
"""A test's fault point: the epoch whose fresh record is the last thing the operator does (SIGKILL)."""


class Loop:
    """The thread that ticks the controller until stopped."""

    def __init__(self, controller: epochs.Controller, meter: metrics.EpochMetrics, logger: kopf.Logger) -> None:
        self._controller = controller
        self._meter = meter
        self._logger = logger
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="epochs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        started = False
        while not self._stop.is_set():
            try:
                if not started:
                    warning = self._controller.start()
                    if warning:
                        self._logger.warning(warning)
                    started = True
                for closed in self._controller.tick():
                    record = closed.settled.record
                    if not closed.settled.replayed:
                        self._meter.closed(record, closed.seconds)
                    self._logger.info(f"closed epoch {record.epoch}: head {record.hash}")
                if (head := self._controller.head) is not None:
                    self._meter.head.show(head)
            except Exception:  # every step converges: the next round picks up where this one failed
                self._logger.exception("epoch round failed; trying again")
            self._stop.wait(self._controller.interval)


@kopf.on.startup()
def start_epochs(memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Start the loop when epochs are on; bad billing settings stop the operator here, with the reason."""
    memo.epochs = None
    if memo.config.data_dir is None:
        return
    try:
        billing = configure.from_config(memo.config)
    except settings.SettingsError as error:
        raise kopf.PermanentError(f"billing settings: {error}") from None
    crash = os.environ.get(CRASH_AFTER_APPEND)
    controller = epochs.Controller(memo.api, memo.config, billing, crash_after_append=int(crash) if crash else None)
    memo.epochs = Loop(controller, memo.metrics.epochs, logger)
    memo.epochs.start()
    logger.info(f"epochs on: {billing.epoch_duration} s epochs, data in {memo.config.data_dir}")


@kopf.on.cleanup()
def stop_epochs(memo: kopf.Memo, **_: Any) -> None:
    if getattr(memo, "epochs", None) is not None:
        memo.epochs.stop()
