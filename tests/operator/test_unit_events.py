"""Which ComputeUnit events count as "became Free", as plain functions: the table, and a unit's life as kopf sends it.

The watch restarting (a second listing) cannot be provoked on purpose against the real API server,
so its row is checked here; the end-to-end tests are in test_computeunits_e2e.py.
"""

from __future__ import annotations

import pytest

from cloudless_operator.handlers import computeunits, lastseen


@pytest.mark.parametrize(
    ("kind", "previous", "now", "nudges"),
    [
        ("ADDED", None, "Free", True),  # created, with no state yet or Free
        ("MODIFIED", "Reserved", "Free", True),  # released
        ("MODIFIED", "Unavailable", "Free", True),  # the provider put it back
        ("MODIFIED", None, "Free", True),  # never seen before: nudging is the safe side
        ("MODIFIED", "Free", "Free", False),  # its first state written over none, a ledger line
        ("MODIFIED", "Free", "Reserved", False),
        ("MODIFIED", "Free", "Unavailable", False),
        (None, None, "Free", False),  # the operator's first listing: `resume` re-matches every deal
        (None, "Reserved", "Free", True),  # listed again after a watch gap in which it was released
        (None, "Free", "Free", False),
        ("DELETED", "Free", None, False),
    ],
)
def test_became_free(kind: str | None, previous: str | None, now: str | None, nudges: bool) -> None:
    assert computeunits.became_free(kind, previous, now) is nudges


def test_a_units_life_nudges_when_created_and_when_released_only() -> None:
    states: lastseen.LastSeen[str, str] = lastseen.LastSeen()
    life = [
        ("ADDED", "Free"),  # no state yet reads as Free
        ("MODIFIED", "Free"),  # the operator wrote its first state
        ("MODIFIED", "Free"),  # the epoch controller's ledger line
        ("MODIFIED", "Reserved"),
        ("MODIFIED", "Reserved"),  # another ledger line
        ("MODIFIED", "Free"),  # released
        ("DELETED", None),
        ("ADDED", "Free"),  # created again under the same name
    ]
    nudged = [computeunits.became_free(kind, states.swap("cu0", now), now) for kind, now in life]
    assert nudged == [True, False, False, False, False, True, False, True]


def test_last_seen_remembers_per_key_and_forgets_what_went_away() -> None:
    seen: lastseen.LastSeen[str, int] = lastseen.LastSeen()
    assert seen.swap("a", 1) is None
    assert seen.swap("b", 7) is None
    assert seen.swap("a", 2) == 1
    assert seen.swap("a", None) == 2
    assert seen.swap("a", 3) is None
    assert seen.swap("b", 7) == 7
