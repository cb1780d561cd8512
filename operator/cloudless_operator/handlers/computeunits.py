"""The ComputeUnit watch: freed units nudge the waiting deals, lost units nudge the deal that held them.

A unit that becomes Free (created or released) may complete a deal below its target. A unit that
a deal holds and that goes away (deleted, or marked Unavailable by its provider) leaves that deal a
worker short: its deal is nudged, matches a free unit instead, and the Subnet moves the worker
(same name and identity) to the new unit's node.
"""

from __future__ import annotations

from typing import Any

import kopf

from cloudless_operator.kube import deals
from cloudless_operator.reconcile import names

UNITS = (names.GROUP, names.VERSION, "computeunits")


def _became_free(event: kopf.RawEvent, body: kopf.Body, **_: Any) -> bool:
    """A live change (not the startup listing, where `resume` covers the deals) that leaves the unit Free."""
    return event.get("type") in ("ADDED", "MODIFIED") and body.get("status", {}).get("state", "Free") == "Free"


@kopf.on.event(*UNITS, when=_became_free)
def unit_freed(body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Annotate the deals below target, so their update handler runs the matcher again."""
    poked = deals.poke_waiting(memo.api, news=f"{body.meta['name']}@{body.meta['resourceVersion']}")
    if poked:
        logger.info(f"unit free, re-matching {', '.join(poked)}")


@kopf.on.event(*UNITS)
def unit_seen(event: kopf.RawEvent, body: kopf.Body, memo: kopf.Memo, logger: kopf.Logger, **_: Any) -> None:
    """Count the unit's state for the metrics; when a held unit is lost, nudge its deal to replace it."""
    kind, state = event.get("type"), body.get("status", {}).get("state", "Free")
    memo.metrics.observed.unit(str(body.meta.name), None if kind == "DELETED" else state)
    holder = body.get("status", {}).get("dealRef")
    if holder and (kind == "DELETED" or state == "Unavailable"):
        lost = "deleted" if kind == "DELETED" else "unavailable"
        if deals.poke(memo.api, namespace=holder["namespace"], name=holder["name"], news=f"{body.meta['name']} {lost}"):
            logger.info(f"unit {lost}, deal {holder['namespace']}/{holder['name']} will replace its worker")
