"""How the agent folds and limits Events, as client-go's EventCorrelator does (no cluster needed)."""

from __future__ import annotations

from cloudless_localcluster.agent import events
from cloudless_localcluster.agent.events import Correlator, Event, Ref

POD = Ref("ns", "web-1", "uid-1", "cloudless-node-1", "spec.containers{http}")


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0
        self.stamps = 0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> str:
        self.stamps += 1
        return f"t{self.stamps}"


def _correlator(clock: Clock) -> Correlator:
    return Correlator(clock=clock.monotonic, now=clock.now)


def test_a_repeated_event_raises_the_count_of_one_object() -> None:
    clock = Clock()
    correlator = _correlator(clock)
    started = Event(POD, events.NORMAL, "Started", "Container started")
    first, second, third = (correlator.observe(started) for _ in range(3))
    assert first is not None and second is not None and third is not None
    assert (first.count, second.count, third.count) == (1, 2, 3)
    assert first.name == second.name == third.name and first.name.startswith("web-1.")
    assert third.first == first.first == "t1" and third.last == "t3"


def test_events_that_differ_in_message_or_container_are_separate_objects() -> None:
    correlator = _correlator(Clock())
    base = Event(POD, events.WARNING, "Unhealthy", "Readiness probe failed: 500")
    other_message = Event(POD, events.WARNING, "Unhealthy", "Readiness probe failed: 503")
    side = Ref("ns", "web-1", "uid-1", "cloudless-node-1", "spec.containers{side}")
    other_container = Event(side, base.type, base.reason, base.message)
    names = {w.name for e in (base, other_message, other_container) if (w := correlator.observe(e)) is not None}
    assert len(names) == 3


def test_a_pod_past_its_burst_is_limited_until_the_bucket_refills() -> None:
    clock = Clock()
    correlator = _correlator(clock)
    backoff = Event(POD, events.WARNING, "BackOff", "Back-off restarting failed container http")
    written = [correlator.observe(backoff) for _ in range(events.BURST + 5)]
    assert all(w is not None for w in written[: events.BURST])
    assert written[events.BURST :] == [None] * 5
    neighbour = Ref("ns", "web-2", "uid-2", "cloudless-node-1")
    assert correlator.observe(Event(neighbour, events.NORMAL, "Started", "Container started")) is not None
    clock.seconds += events.REFILL_SECONDS
    again = correlator.observe(backoff)
    assert again is not None and again.count == events.BURST + 1
    assert correlator.observe(backoff) is None


def test_the_event_object_names_the_pod_container_and_node() -> None:
    event = Event(POD, events.WARNING, "BackOff", "Back-off restarting failed container http")
    body = events.body(event, events.Write("web-1.abc", 4, "t1", "t9"))
    assert body["involvedObject"] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "namespace": "ns",
        "name": "web-1",
        "uid": "uid-1",
        "fieldPath": "spec.containers{http}",
    }
    assert body["source"] == {"component": "kubelet", "host": "cloudless-node-1"}
    assert (body["count"], body["firstTimestamp"], body["lastTimestamp"]) == (4, "t1", "t9")
    assert (body["type"], body["reason"], body["metadata"]["name"]) == ("Warning", "BackOff", "web-1.abc")
