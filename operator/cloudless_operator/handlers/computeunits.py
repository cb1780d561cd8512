"""The ComputeUnit watch: new units get a first state, freed ones nudge waiting deals, lost ones their deal.

A unit is created (by `cloudless cu sync` or by hand) without a status, and the API server keeps a
status out of a create: the operator writes its first state, Free, so `kubectl get cu` shows one.
A unit that becomes Free (created, or released) may complete a deal below its target; other
status writes (the epoch controller's ledger lines each epoch) nudge nobody. A unit that a deal
holds and that goes away (deleted, or marked Unavailable by its provider) leaves that deal a
worker short: its deal is nudged, matches a free unit instead, and the Subnet moves the worker
(same name and identity) to the new unit's node.
"""

from __future__ import annotations

from typing import Any

import kopf

from cloudless_operator.handlers import lastseen
from cloudless_operator.kube import computeunits, deals, errors
from cloudless_operator.models import computeunit
from cloudless_operator.reconcile import names

UNITS = (names.GROUP, names.VERSION, "computeunits")
FREE = computeunit.State.FREE.value


def _without_state(event: kopf.RawEvent, body: kopf.Body, **_: Any) -> bool:
    """A unit that is there (listed or live) and that nobody has given a state yet."""
    return event.get("type") != "DELETED" and not body.get("status", {}).get("state")


@kopf.on.event(*UNITS, when=_without_state)
def unit_created(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Write Free on a unit without a state, guarded by the version this event saw.

    A conflict means the unit changed since (a deal reserved it, or this write was done already):
    that change is the unit's next event, which decides again, so a racing reservation always wins.
    Never Unavailable: that is the provider's word, and a drained unit (spec.unschedulable) is left
    out by the matcher as long as the spec says so, with no state for the operator to take back.
    """
    try:
        computeunits.initialise(memo.api, computeunit.ComputeUnit.from_body(body))
    except (errors.Conflict, errors.Gone):
        return
    logger.info("new unit, state Free")


@kopf.on.event(*UNITS)
def unit_freed(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """When the unit became Free, annotate the deals below target, so their update handler runs the matcher again."""
    kind = event.get("type")
    now = None if kind == "DELETED" else str(body.get("status", {}).get("state", FREE))
    states: lastseen.LastSeen[str, str] = memo.setdefault("unit_states", lastseen.LastSeen())
    if not became_free(kind, states.swap(str(body.meta.name), now), now):
        return
    poked = deals.poke_waiting(memo.api, news=f"{body.meta['name']}@{body.meta['resourceVersion']}")
    if poked:
        logger.info(f"unit free, re-matching {', '.join(poked)}")


def became_free(kind: str | None, previous: str | None, now: str | None) -> bool:
    """Whether an event of `kind` (None: a listing) took a unit from state `previous` to Free (None: not known).

    A unit without a state counts as Free, so the first state written over none is no change. In
    the operator's first listing nothing is known before, and `resume` re-matches every deal then;
    a later listing (the watch restarted) knows the state before the gap.
    """
    if now != FREE:
        return False
    if kind is None:
        return previous not in (None, FREE)
    return previous != FREE


@kopf.on.event(*UNITS)
def unit_seen(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Count the unit's state for the metrics; when a held unit is lost, nudge its deal to replace it."""
    kind, state = event.get("type"), body.get("status", {}).get("state", FREE)
    memo.metrics.observed.unit(str(body.meta.name), None if kind == "DELETED" else state)
    holder = body.get("status", {}).get("dealRef")
    if holder and (kind == "DELETED" or state == "Unavailable"):
        lost = "deleted" if kind == "DELETED" else "unavailable"
        if deals.poke(memo.api, namespace=holder["namespace"], name=holder["name"], news=f"{body.meta['name']} {lost}"):
            logger.info(f"unit {lost}, deal {holder['namespace']}/{holder['name']} will replace its worker")
