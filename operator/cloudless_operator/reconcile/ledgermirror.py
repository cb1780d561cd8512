"""What the ledger's head record shows on Kubernetes objects: statuses and the ledger ConfigMap's data.

Every value here is a cache of one record, named by its epoch and hash, so `kubectl` and
`cloudless ledger show` tell the same story and a stale or overwritten status is recomputed from
the head at the next tick. Deal money is rendered as the CRDs' 6-decimal strings (deal amounts are
exact prices times counts, so nothing is lost); reward-token amounts keep their 18 decimals.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cloudless_operator.billing import amounts
from cloudless_operator.billing.ledger import chain
from cloudless_operator.models import money
from cloudless_operator.reconcile import conditions, epochclock, serving

OUTCOMES = {(True, False): "Proved", (False, True): "Failed"}
"""A unit line's (success, failed) as the ComputeUnit shows it; anything else is NoDuty."""
UNIT_FIELDS = ("commitment", "outcome", "proofs", "reward", "slashed", "collateralLeft", "earned")
"""Every field of a unit's `status.ledger` besides epoch and head: the ones a record does not set are
written as null, which a merge patch deletes, so no field outlives the record it came from."""


def deal_statuses(record: chain.EpochRecord) -> dict[str, dict[str, Any]]:
    """Ledger deal id -> the status fields its line in `record` gives the Deal."""
    out = {}
    for line in record.body["deals"]:
        balance, charged = Decimal(line["balance"]), Decimal(line["charged"])
        status: dict[str, Any] = {
            "balance": money.render(balance),
            "ledger": {
                "epoch": record.epoch,
                "head": record.hash,
                "phase": line["phase"],
                "workers": line["workers"],
                "charged": money.render(charged),
                "gap": line["gap"],
            },
        }
        if charged > 0:
            status["lastBilledEpoch"] = record.epoch
        cost = Decimal(line["price"]) * line["workers"]
        if cost > 0:
            status["maxPaidEpoch"] = record.epoch + int(balance // cost)
        out[line["id"]] = status
    return out


def unit_statuses(record: chain.EpochRecord) -> dict[str, dict[str, Any]]:
    """Unit name -> its `status.ledger` from `record`: its proof line if committed, what deals paid it if serving."""
    earned: dict[str, Decimal] = {}
    for line in record.body["deals"]:
        for unit, amount in line["credits"].items():
            earned[unit] = earned.get(unit, amounts.ZERO) + Decimal(amount)
    mirrored: dict[str, dict[str, Any]] = {}
    for line in record.body["units"]:
        mirrored[line["id"]] = {
            "commitment": line["commitment"],
            "outcome": OUTCOMES.get((line["success"], line["failed"]), "NoDuty"),
            "proofs": line["accepted"],
            "reward": line["reward"],
            "slashed": amounts.text(Decimal(line["slash"]) + Decimal(line["sampleSlash"])),
            "collateralLeft": line["collateralLeft"],
        }
    for unit, amount in earned.items():
        mirrored.setdefault(unit, {})["earned"] = money.render(amount)
    return {
        unit: {"ledger": {"epoch": record.epoch, "head": record.hash, **dict.fromkeys(UNIT_FIELDS), **fields}}
        for unit, fields in mirrored.items()
    }


def commitment_status(
    name: str, record: chain.EpochRecord, *, previous: Mapping[str, Any], generation: int, now: dt.datetime
) -> dict[str, Any] | None:
    """The CapacityCommitment `name`'s status from `record`; None when the record does not mention it."""
    body = record.body
    entry = next((c for c in body["commitments"] if c["id"] == name), None)
    ignored = next((c for c in body["ignoredCommitments"] if c["id"] == name), None)
    if entry is None and ignored is None:
        return None
    status: dict[str, Any] = {"ledgerEpoch": record.epoch, "ledgerHead": record.hash}
    if entry is not None:
        pending = sum((Decimal(amount) for _, amount in entry["vesting"]["pending"]), amounts.ZERO)
        status.update(
            phase=entry["status"],
            peerId=entry["peer"],
            units=list(entry["units"]),
            unitCount=len(entry["units"]),
            startEpoch=entry["startEpoch"],
            failCount=entry["failCount"],
            failedEpoch=entry["failedEpoch"],
            collateralPerUnit=entry["collateralPerUnit"],
            slashed=dict(entry["slashed"]),
            rewards={"unlocked": entry["vesting"]["unlocked"], "pending": amounts.text(pending)},
        )
    if ignored is not None:
        accepted = conditions.condition(
            "Accepted", ok=False, reason="InvalidSpec", message=ignored["reason"], generation=generation
        )
    else:
        accepted = conditions.condition(
            "Accepted",
            ok=True,
            reason="InLedger",
            message=f"{entry['status'] if entry else ''} in the ledger record of epoch {record.epoch}",
            generation=generation,
        )
    status["conditions"] = conditions.merge(previous.get("conditions", []), [accepted], now=now)
    return status


def changed(previous: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether writing `new` over `previous` changes anything a reader sees (transition times ignored)."""
    for key, value in new.items():
        if key == "conditions":
            if conditions.without_times(previous.get("conditions", [])) != conditions.without_times(value):
                return True
        elif _present(previous.get(key)) != _present(value):
            return True
    return False


def _present(value: object) -> object:
    """`value` as the API server stores it: a null field of an object is no field."""
    if isinstance(value, Mapping):
        return {key: _present(item) for key, item in value.items() if item is not None}
    return value


def configmap_data(
    *,
    clock: epochclock.Clock,
    first: int,
    signer: str,
    head: chain.EpochRecord | None,
    served: serving.Log,
) -> dict[str, str]:
    """The ledger ConfigMap's data: the clock, who signs, the head, its totals, and the serving log."""
    data = {
        **clock.to_data(),
        "firstEpoch": str(first),
        "signer": signer,
        "served": serving.to_text(served),
    }
    if head is not None:
        data.update(
            epoch=str(head.epoch),
            head=head.hash,
            totals=json.dumps(head.body["totals"], sort_keys=True, separators=(",", ":")),
        )
    return data
