"""ComputeUnits on the API server: list them, create missing ones, give new ones a state, reserve and release them.

Initialising, reserving and releasing are status merge-patches that carry the unit's resourceVersion,
so the API server applies them only to the version the caller matched against: a unit someone else
took in between answers errors.Conflict, never a silent overwrite. This is the reservation lock.
"""

from __future__ import annotations

import datetime as dt

from cloudless_operator.kube import client, errors
from cloudless_operator.models import computeunit, raw
from cloudless_operator.reconcile import names

PLURAL = "computeunits"


def list_units(api: client.Api) -> list[computeunit.ComputeUnit]:
    """Every ComputeUnit in the cluster, parsed (with its resourceVersion, the lock for a later patch)."""
    listed = client.call(api.custom.list_cluster_custom_object, names.GROUP, names.VERSION, PLURAL)
    return [computeunit.ComputeUnit.from_body(item) for item in listed.get("items", [])]


def create_if_absent(api: client.Api, body: raw.RawComputeUnit) -> bool:
    """Create `body`; False when a unit of that name exists already (left as it is)."""
    try:
        client.call(api.custom.create_cluster_custom_object, names.GROUP, names.VERSION, PLURAL, body)
    except errors.Conflict:
        return False
    return True


def reserve(api: client.Api, unit: computeunit.ComputeUnit, *, holder: computeunit.DealRef, now: dt.datetime) -> str:
    """Mark `unit` Reserved for `holder` if it is still at the version read; its new resourceVersion.

    Raises errors.Conflict when the unit changed since (someone else may hold it now).
    """
    status: raw.RawUnitStatus = {
        "state": "Reserved",
        "dealRef": {"namespace": holder.namespace, "name": holder.name, "uid": holder.uid},
        "reservedAt": now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return _patch_status(api, unit, status)


def release(api: client.Api, unit: computeunit.ComputeUnit) -> str:
    """Mark `unit` Free if it is still at the version read; errors.Conflict when it changed since."""
    status = {"state": "Free", "dealRef": None, "reservedAt": None, "worker": None}
    return _patch_status(api, unit, status)


def initialise(api: client.Api, unit: computeunit.ComputeUnit) -> str:
    """Give `unit`, which has no state yet, the state Free if it is still at the version read; its new resourceVersion.

    The same lock as a reservation's: of two writes of one version, one gets errors.Conflict. The
    caller lets a conflict be, and `reservations.settle` retries one from a fresh list, so a
    reservation racing this write always ends up holding the unit.
    """
    return _patch_status(api, unit, {"state": computeunit.State.FREE.value})


def _patch_status(api: client.Api, unit: computeunit.ComputeUnit, status: object) -> str:
    body = {"metadata": {"resourceVersion": unit.resource_version}, "status": status}
    patched = client.call(
        api.custom.patch_cluster_custom_object_status,
        names.GROUP,
        names.VERSION,
        PLURAL,
        unit.name,
        body,
        _content_type=client.MERGE_PATCH,
    )
    version: str = patched["metadata"]["resourceVersion"]
    return version
