"""Events about pods and their containers, recorded the way the kubelet records them (core/v1 Events).

`kubectl get events` and `kubectl describe pod` show them: Pulled, Created, Started, Killing,
BackOff, Unhealthy, Failed, with the kubelet's reasons and messages, `source.component` kubelet
and the node as host. Repeats are folded as client-go's EventCorrelator folds them: an event equal
to one already recorded (same object, field path, type, reason, message) raises that Event's
`count` and `lastTimestamp` instead of making another object; and each pod gets a token bucket
(25 events, then one more every 5 minutes, client-go's defaults), so a crash-looping or
always-failing pod cannot flood the apiserver. Events are written from one background thread: a
slow apiserver never stalls a pod worker, and a lost event is only logged.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import runtime
from .kube import Kube, Obj

log = logging.getLogger(__name__)

NORMAL = "Normal"
WARNING = "Warning"
#: client-go's spam filter: a burst of 25 events per object, then one token every 300 s.
BURST = 25
REFILL_SECONDS = 300.0
#: How many distinct events are remembered for folding (least recently seen forgotten first).
REMEMBERED = 4096

#: What a pod worker hands its containers: record(type, reason, message) about that container.
Emit = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Ref:
    """The involved object: a pod, or one of its containers when `field_path` is set."""

    namespace: str
    name: str
    uid: str
    node: str
    field_path: str = ""


@dataclass(frozen=True)
class Event:
    ref: Ref
    type: str
    reason: str
    message: str


@dataclass
class _Seen:
    name: str
    count: int
    first: str


@dataclass(frozen=True)
class Write:
    """What to send for one event: the Event object `name` with this `count` (1: a new object)."""

    name: str
    count: int
    first: str
    last: str


class Correlator:
    """Decides, per event, between a new Event, a higher count on an earlier one, or nothing (spam)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, now: Callable[[], str] = runtime.now) -> None:
        self._clock = clock
        self._now = now
        self._seen: collections.OrderedDict[Event, _Seen] = collections.OrderedDict()
        #: pod uid -> (tokens, when last refilled)
        self._buckets: dict[str, tuple[float, float]] = {}

    def _allow(self, uid: str) -> bool:
        now = self._clock()
        tokens, since = self._buckets.get(uid, (float(BURST), now))
        tokens = min(float(BURST), tokens + (now - since) / REFILL_SECONDS)
        allowed = tokens >= 1
        self._buckets[uid] = (tokens - 1 if allowed else tokens, now)
        return allowed

    def observe(self, event: Event) -> Write | None:
        if not self._allow(event.ref.uid):
            return None
        now = self._now()
        seen = self._seen.pop(event, None)
        if seen is None:
            seen = _Seen(f"{event.ref.name}.{time.time_ns():x}", 0, now)
        seen.count += 1
        self._seen[event] = seen
        while len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)
        return Write(seen.name, seen.count, seen.first, now)

    def forget_pod(self, uid: str) -> None:
        """The pod is gone: its bucket and folded events need not be remembered."""
        self._buckets.pop(uid, None)
        for event in [e for e in self._seen if e.ref.uid == uid]:
            del self._seen[event]


def body(event: Event, write: Write) -> Obj:
    """The core/v1 Event object, as the kubelet's recorder fills it."""
    ref = event.ref
    involved: Obj = {"kind": "Pod", "apiVersion": "v1", "namespace": ref.namespace, "name": ref.name, "uid": ref.uid}
    if ref.field_path:
        involved["fieldPath"] = ref.field_path
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": write.name, "namespace": ref.namespace},
        "involvedObject": involved,
        "type": event.type,
        "reason": event.reason,
        "message": event.message,
        "source": {"component": "kubelet", "host": ref.node},
        "reportingComponent": "kubelet",
        "reportingInstance": ref.node,
        "firstTimestamp": write.first,
        "lastTimestamp": write.last,
        "count": write.count,
    }


class Recorder:
    """Queues events and writes them from its own thread (`start`), folded and rate-limited by a Correlator."""

    def __init__(self, kube: Kube) -> None:
        self.kube = kube
        self.correlator = Correlator()
        self._queue: queue.Queue[Event | str] = queue.Queue()

    def record(self, ref: Ref, type: str, reason: str, message: str) -> None:
        self._queue.put(Event(ref, type, reason, message))

    def forget_pod(self, uid: str) -> None:
        self._queue.put(uid)

    def start(self) -> None:
        threading.Thread(target=self._run, name="events", daemon=True).start()

    def drain(self, timeout: float) -> None:
        """Give the queued events up to `timeout` seconds to be written (the agent is stopping)."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                self._handle(item)
            finally:
                self._queue.task_done()

    def _handle(self, item: Event | str) -> None:
        if isinstance(item, str):
            self.correlator.forget_pod(item)
            return
        write = self.correlator.observe(item)
        if write is None:
            log.debug("event dropped by the spam filter: %s", item)
            return
        try:
            self._send(item, write)
        except Exception as error:  # the apiserver may be restarting; an event is not worth retrying
            log.warning("could not record event %s %s for %s: %s", item.reason, item.message, item.ref.name, error)

    def _send(self, event: Event, write: Write) -> None:
        namespace = event.ref.namespace
        if write.count > 1:
            patch = {"count": write.count, "lastTimestamp": write.last, "message": event.message}
            if self.kube.patch_event(namespace, write.name, patch) is not None:
                return
        # New, or the earlier one expired (the apiserver keeps Events for an hour): a fresh object.
        self.kube.create_event(namespace, body(event, write))
