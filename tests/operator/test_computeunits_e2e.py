"""The ComputeUnit watch against the real API server: a new unit's first state, and which unit writes nudge deals.

A unit is created without a status; the operator writes Free on it, whether it sees the unit at
startup or live, and with the reservation lock (resourceVersion), so a reservation racing that
write wins. A waiting deal is nudged (`cloudless.dev/units-changed: <unit>@<resourceVersion>`)
when a unit becomes Free, not at every status write, such as the epoch controller's ledger lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from kubernetes import watch
from tests.localcluster.conftest import RunningCluster
from tests.operator import apiserver, bodies
from tests.operator.operator_process import OperatorProcess, apply, eventually, get

from cloudless_operator.kube import computeunits, errors, reservations
from cloudless_operator.models import computeunit, deal, ids, settings
from cloudless_operator.reconcile import names

NOW = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
NOBODY = computeunit.DealRef(namespace="default", name="nobody", uid=ids.DealUid("uid-nobody"))


def state(cluster: RunningCluster, name: str) -> str | None:
    """The unit's `status.state` as stored (None when unset), not the model's reading of it."""
    found = get(cluster, "cu", name)
    return None if found is None else found.get("status", {}).get("state")


def printed_state(cluster: RunningCluster, name: str) -> str:
    """The STATE column of `kubectl get cu <name>`, what a provider looks at."""
    header, row = cluster.kubectl("get", "cu", name).stdout.splitlines()
    assert header.split()[:2] == ["NAME", "STATE"]
    return row.split()[1]


def read(cluster: RunningCluster, name: str) -> computeunit.ComputeUnit:
    return computeunit.ComputeUnit.from_body(get(cluster, "cu", name))


def news_since(cluster: RunningCluster, deal_name: str, *, since: str, unit: str, until: str) -> list[str]:
    """The distinct `units-changed` values naming `unit` that the deal carried after its version `since`, in order,
    up to `until`. Read from the API server's watch, which replays every change after a version, so a value
    overwritten a moment later is still seen."""
    make: Any = watch.Watch  # untyped in the client
    watcher = make()
    found: list[str] = []
    for event in watcher.stream(
        apiserver.api(cluster).custom.list_namespaced_custom_object,
        names.GROUP,
        names.VERSION,
        "default",
        "deals",
        field_selector=f"metadata.name={deal_name}",
        resource_version=since,
        timeout_seconds=60,
    ):
        value = event["object"]["metadata"].get("annotations", {}).get(names.RETRY_ANNOTATION, "")
        if value.startswith(f"{unit}@") and value not in found:
            found.append(value)
        if value == until:
            watcher.stop()
            return found
    raise AssertionError(f"deal {deal_name} never carried {until!r} (seen {found})")


def test_units_get_state_free_whether_the_operator_lists_them_at_startup_or_sees_them_created(
    crd_cluster: RunningCluster, tmp_path: Path
) -> None:
    listed = apiserver.create_unit(crd_cluster, provider="e2e-first", node="e2e-first-n0")
    assert state(crd_cluster, listed) is None, "the API server keeps the status out of a create"
    running = OperatorProcess(crd_cluster, tmp_path / "operator.log", port=18184)
    try:
        eventually(lambda: state(crd_cluster, listed) == "Free", what=f"{listed} Free after the operator's listing")
        live = apiserver.create_unit(crd_cluster, provider="e2e-first", node="e2e-first-n1")
        eventually(lambda: state(crd_cluster, live) == "Free", what=f"{live} Free once the operator saw it created")
    finally:
        running.stop()
    assert printed_state(crd_cluster, listed) == printed_state(crd_cluster, live) == "Free"
    assert all(unit.deal is None for unit in apiserver.units_of(crd_cluster, "e2e-first").values())


def test_a_reservation_racing_the_first_state_wins(crd_cluster: RunningCluster) -> None:
    api = apiserver.api(crd_cluster)
    taken, initialised = apiserver.make_units(crd_cluster, provider="e2e-firstrace", count=2)

    seen = read(crd_cluster, taken)  # the operator's event and a deal's list saw the same version
    computeunits.reserve(api, seen, holder=NOBODY, now=NOW)
    with pytest.raises(errors.Conflict):
        computeunits.initialise(api, seen)
    assert read(crd_cluster, taken).held_by(NOBODY.uid)

    seen = read(crd_cluster, initialised)
    computeunits.initialise(api, seen)
    with pytest.raises(errors.Conflict):
        computeunits.reserve(api, seen, holder=NOBODY, now=NOW)
    order = deal.Deal.from_body(
        bodies.deal_body("late", uid="uid-late", targetWorkers=1, providers={"allow": ["e2e-firstrace"]})
    )
    settled = reservations.settle(api, order, balance=order.deposit, billed=False, config=settings.Settings(), now=NOW)
    assert [unit.name for unit in settled.held] == [initialised]
    assert state(crd_cluster, initialised) == "Reserved"


def test_a_ledger_write_on_a_free_unit_nudges_no_deal_but_a_release_does(
    crd_cluster: RunningCluster, operator: OperatorProcess
) -> None:
    """Of the writes after the unit is seen (its first state, a ledger line, a reservation, a release) only the release
    nudges. Whether the creation itself nudged depends on whether the operator's watch was listing yet."""
    api = apiserver.api(crd_cluster)
    apply(crd_cluster, apiserver.deal_manifest("waiter", "e2e-nobody", targetWorkers=1))
    since = get(crd_cluster, "deal", "waiter")["metadata"]["resourceVersion"]
    unit = apiserver.create_unit(crd_cluster, provider="e2e-freed", node="e2e-freed-n0")
    eventually(lambda: state(crd_cluster, unit) == "Free", what=f"{unit} Free")
    initialised = read(crd_cluster, unit).resource_version

    ledger = {"status": {"ledger": {"epoch": 1, "outcome": "NoDuty", "proofs": 0}}}
    patched = crd_cluster.kubectl(
        "patch", "cu", unit, "--subresource=status", "--type=merge", "-p", json.dumps(ledger), "-o", "json"
    )
    ledgered = json.loads(patched.stdout)["metadata"]["resourceVersion"]
    seen = read(crd_cluster, unit)
    assert seen.resource_version == ledgered and seen.state is computeunit.State.FREE
    reserved = computeunits.reserve(api, seen, holder=NOBODY, now=NOW)
    released = computeunits.release(api, dataclasses.replace(seen, resource_version=reserved))

    changes = news_since(crd_cluster, "waiter", since=since, unit=unit, until=f"{unit}@{released}")
    after_seen = {f"{unit}@{version}" for version in (initialised, ledgered, reserved, released)}
    assert [value for value in changes if value in after_seen] == [f"{unit}@{released}"]
