"""The epoch controller: closes every ended epoch once, in order, and keeps the ledger's mirrors in line.

One `tick`, run every fraction of an epoch by the handler's loop:

1. observe which units serve which deals now, into the serving log (saved in the ledger ConfigMap
   before any close reads it, so a restart loses nothing it saw);
2. close each ended epoch after the head, one at a time (`billing.close.settle`: the record goes
   to the ledger file, fsynced, before anything else happens);
3. converge the mirrors on the head: the challenge file the provers read, the ConfigMap, and the
   Deal, ComputeUnit and CapacityCommitment statuses.

Every step after the append is a convergence on the head, not a consequence of having closed: a
controller killed between the append and the mirrors finds the head ahead of them and brings them
in line, and since `settle` is idempotent by epoch, a record is never written twice. A torn last
line (killed mid-append) is truncated at start and its epoch closed again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import pathlib
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cloudless_operator.billing import close, state
from cloudless_operator.billing.ledger import chain, store
from cloudless_operator.billing.settings import Settings
from cloudless_operator.kube import client, epochinputs, ledgerkey, ledgermirror
from cloudless_operator.models import datadir
from cloudless_operator.models import settings as operator_settings
from cloudless_operator.reconcile import epochclock, serving
from cloudless_operator.reconcile import ledgermirror as mirrors
from cloudless_runtime.prover import challenge

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class Closed:
    """One close made by a tick, and how long gathering, closing and appending took."""

    settled: close.Settled
    seconds: float


class Controller:
    """The epoch loop's state between ticks: the open ledger, its clock and the serving log."""

    def __init__(
        self,
        api: client.Api,
        config: operator_settings.Settings,
        billing: Settings,
        *,
        now: Callable[[], float] = time.time,
        crash_after_append: int | None = None,
    ) -> None:
        """`crash_after_append` is a test's fault point: the process kills itself right after appending
        that epoch's record, before any mirror, as a crash there would."""
        if config.data_dir is None:
            raise ValueError("the epoch controller needs a data folder (CLOUDLESS_DATA_DIR)")
        self._api = api
        self._namespace = config.namespace
        self._root = pathlib.Path(config.data_dir)
        self._configured = billing
        self._now = now
        self._crash_after_append = crash_after_append
        self._book: chain.Ledger | None = None
        self._clock = epochclock.Clock(init=billing.init_timestamp, duration=billing.epoch_duration)
        self._settings = billing
        self._first = 0
        self._served: serving.Log = {}
        self._saved: dict[str, str] | None = None

    @property
    def interval(self) -> float:
        """Seconds between ticks: a small fraction of an epoch, within [0.2, 5]."""
        return min(max(self._clock.duration / 8, 0.2), 5.0)

    @property
    def head(self) -> chain.EpochRecord | None:
        return None if self._book is None else self._book.head

    def start(self) -> str | None:
        """Open the ledger (repairing a torn append) and fix its clock; a warning if the settings were overruled."""
        key = ledgerkey.ensure(self._api, self._namespace)
        self._book = store.open_ledger(self._root / datadir.LEDGER, key, repair_torn=True)
        stored = ledgermirror.read_configmap(self._api, self._namespace)
        chosen = epochclock.choose(
            stored=epochclock.Clock.from_data(stored),
            head=self._book.head,
            configured=self._configured,
            now=self._now(),
        )
        self._clock, self._settings = chosen.clock, chosen.settings
        first = stored.get("firstEpoch", "")
        self._first = int(first) if first.isdigit() else self._clock.epoch(max(self._now(), self._clock.init))
        self._served = serving.from_text(stored.get("served"))
        return chosen.warning

    def tick(self) -> list[Closed]:
        """Observe, close what has ended, converge the mirrors; the closes made (none before epoch 1 starts)."""
        book = self._ledger()
        now = self._now()
        if now < self._clock.init:
            return []
        current = self._clock.epoch(now)
        units = epochinputs.list_all(self._api, ledgermirror.UNITS)
        deal_bodies = epochinputs.list_all(self._api, "deals")
        commitment_bodies = epochinputs.list_all(self._api, ledgermirror.COMMITMENTS)
        head = book.head
        self._served = serving.observe(
            self._served, self._held(units), current=current, first_open=self._first if head is None else head.epoch + 1
        )
        self._save(book.head)
        closed = []
        while (
            epoch := epochclock.next_to_close(head=self._head_epoch(), first=self._first, current=current)
        ) is not None:
            closed.append(self._close(book, epoch, units, deal_bodies, commitment_bodies))
        self._converge(book.head, units, deal_bodies, commitment_bodies)
        return closed

    def _close(
        self,
        book: chain.Ledger,
        epoch: int,
        units: Sequence[Mapping[str, Any]],
        deal_bodies: Sequence[Mapping[str, Any]],
        commitment_bodies: Sequence[Mapping[str, Any]],
    ) -> Closed:
        started = time.perf_counter()
        inputs = epochinputs.gather(
            self._api,
            epoch=epoch,
            namespace=self._namespace,
            root=self._root,
            clock=self._clock,
            served=serving.during(self._served, epoch),
            deal_bodies=deal_bodies,
            unit_bodies=units,
            commitment_bodies=commitment_bodies,
        )
        settled = close.settle(book, inputs, self._settings)
        seconds = time.perf_counter() - started
        if not settled.replayed and epoch == self._crash_after_append:
            log.warning("fault point: killing the operator right after appending epoch %d", epoch)
            os.kill(os.getpid(), signal.SIGKILL)
        self._served = serving.prune(self._served, closed=epoch)
        return Closed(settled, seconds)

    def _converge(
        self,
        head: chain.EpochRecord | None,
        units: Sequence[Mapping[str, Any]],
        deal_bodies: Sequence[Mapping[str, Any]],
        commitment_bodies: Sequence[Mapping[str, Any]],
    ) -> None:
        """The challenge, the ConfigMap and the statuses, each brought in line with the head."""
        after = state.genesis(self._first, self._settings) if head is None else state.after(head)
        wanted = after.challenge()
        path = self._root / datadir.CHALLENGE
        try:
            published = challenge.read(path)
        except challenge.BadChallenge:
            published = None
        if published != wanted:
            challenge.publish(path, wanted)
        self._save(head)
        if head is not None:
            written = ledgermirror.mirror(
                self._api,
                head,
                deal_bodies=deal_bodies,
                unit_bodies=units,
                commitment_bodies=commitment_bodies,
                now=dt.datetime.now(dt.UTC),
            )
            if written != ledgermirror.Written():
                log.info("mirrored epoch %d: %s", head.epoch, written)

    def _save(self, head: chain.EpochRecord | None) -> None:
        """Write the ConfigMap when its data changed since the last write (always after a start)."""
        data = mirrors.configmap_data(
            clock=self._clock, first=self._first, signer=self._ledger().signer, head=head, served=self._served
        )
        if data != self._saved:
            ledgermirror.write_configmap(self._api, self._namespace, data)
            self._saved = data

    def _held(self, units: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, int]]:
        """Unit -> (ledger deal id, epoch its reservation began) for every Reserved unit."""
        held: dict[str, tuple[str, int]] = {}
        for body in units:
            status = body.get("status", {})
            ref = status.get("dealRef")
            if status.get("state") != "Reserved" or not ref:
                continue
            since = _epoch_of(status.get("reservedAt"), self._clock, fallback=self._clock.epoch(self._now()))
            held[body["metadata"]["name"]] = (serving.deal_id(ref["namespace"], ref["name"], ref["uid"]), since)
        return held

    def _head_epoch(self) -> int | None:
        head = self._ledger().head
        return None if head is None else head.epoch

    def _ledger(self) -> chain.Ledger:
        if self._book is None:
            raise RuntimeError("the epoch controller was not started")
        return self._book


def _epoch_of(timestamp: str | None, clock: epochclock.Clock, *, fallback: int) -> int:
    """The epoch an RFC 3339 timestamp falls in (1 if it predates the clock); `fallback` when there is none."""
    try:
        at = dt.datetime.strptime(timestamp or "", "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()
    except ValueError:
        return fallback
    return clock.epoch(max(at, clock.init))
