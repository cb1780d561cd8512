"""The ComputeUnit watch: a unit that becomes Free (created or released) nudges the deals waiting for units."""

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
