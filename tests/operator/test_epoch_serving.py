"""The serving log (which units served which deals in open epochs) and the ledger clock: pure decisions
of the epoch controller, as a restart and a late observation see them."""

from __future__ import annotations

import dataclasses

import pytest

from cloudless_operator.billing.ledger import chain
from cloudless_operator.billing.settings import LOCAL
from cloudless_operator.reconcile import epochclock, serving
from cloudless_runtime.identity import KeyPair

D1 = serving.deal_id("default", "greeting", "uid-1")
D2 = serving.deal_id("team", "batch", "uid-2")


def test_deal_ids_name_the_deal_and_its_incarnation() -> None:
    assert D1 == "default/greeting/uid-1"
    assert serving.deal_name(D1) == ("default", "greeting")
    assert serving.deal_id("default", "greeting", "uid-3") != D1, "a re-created Deal is a new account"


def test_a_holding_counts_for_every_open_epoch_since_its_reservation() -> None:
    log = serving.observe({}, {"cu0": (D1, 3), "cu1": (D2, 7)}, current=7, first_open=5)
    assert log == {5: {"cu0": (D1,)}, 6: {"cu0": (D1,)}, 7: {"cu0": (D1,), "cu1": (D2,)}}
    assert serving.during(log, 7) == {"cu0": (D1,), "cu1": (D2,)}
    assert serving.during(log, 9) == {}


def test_a_unit_passed_from_deal_to_deal_in_one_epoch_served_both() -> None:
    log = serving.observe({}, {"cu0": (D1, 4)}, current=4, first_open=4)
    log = serving.observe(log, {"cu0": (D2, 4)}, current=4, first_open=4)
    assert serving.during(log, 4) == {"cu0": (D1, D2)}


def test_closed_epochs_are_pruned_and_the_log_survives_its_text_form() -> None:
    log = serving.observe({}, {"cu0": (D1, 8), "cu1": (D2, 10)}, current=11, first_open=8)
    assert serving.from_text(serving.to_text(log)) == log
    assert sorted(serving.prune(log, closed=9)) == [10, 11]
    assert serving.from_text(None) == serving.from_text("not json") == serving.from_text('{"x": 1}') == {}


CLOCK = epochclock.Clock(init=1_000, duration=10)
OPERATOR = KeyPair.from_seed(bytes([7]) * 32)


def record_at(epoch: int, clock: epochclock.Clock) -> chain.EpochRecord:
    window = clock.window(epoch)
    book = chain.Ledger(OPERATOR)
    return book.append(epoch, {"window": {"start": window.start, "end": window.end}})


def test_the_clock_is_fixed_once_and_kept() -> None:
    configured = dataclasses.replace(LOCAL, epoch_duration=10, init_timestamp=0)
    fresh = epochclock.choose(stored=None, head=None, configured=configured, now=5_000.7)
    assert (fresh.clock, fresh.warning) == (epochclock.Clock(init=5_000, duration=10), None)
    assert (fresh.settings.init_timestamp, fresh.settings.epoch_duration) == (5_000, 10)
    pinned = epochclock.choose(
        stored=None, head=None, configured=dataclasses.replace(configured, init_timestamp=1_000), now=5_000
    )
    assert pinned.clock == CLOCK
    kept = epochclock.choose(stored=CLOCK, head=None, configured=configured, now=9_999)
    assert kept.clock == CLOCK
    assert epochclock.Clock.from_data(CLOCK.to_data()) == CLOCK
    assert epochclock.Clock.from_data({"initTimestamp": "x"}) is None


def test_a_lost_configmap_gives_the_head_records_clock() -> None:
    configured = dataclasses.replace(LOCAL, epoch_duration=10)
    chosen = epochclock.choose(stored=None, head=record_at(42, CLOCK), configured=configured, now=9_999)
    assert chosen.clock == CLOCK


def test_another_epoch_length_later_is_refused_with_a_warning() -> None:
    chosen = epochclock.choose(stored=CLOCK, head=None, configured=dataclasses.replace(LOCAL, epoch_duration=60), now=0)
    assert chosen.clock == CLOCK
    assert chosen.settings.epoch_duration == 10
    assert chosen.warning is not None and "keeping the ledger's clock" in chosen.warning


@pytest.mark.parametrize(
    ("head", "first", "current", "expected"),
    [
        (None, 5, 5, None),  # the first epoch is still running
        (None, 5, 6, 5),
        (5, 5, 6, None),
        (5, 5, 9, 6),  # behind: one at a time, in order
        (8, 5, 9, None),
    ],
)
def test_the_next_epoch_to_close(head: int | None, first: int, current: int, expected: int | None) -> None:
    assert epochclock.next_to_close(head=head, first=first, current=current) == expected
