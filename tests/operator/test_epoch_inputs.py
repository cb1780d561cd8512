"""The facts of an epoch as the cluster shows them, turned into `billing.close` inputs: commitments and
their units, deals and the units that served them, and retained steps offered to the samples."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from tests.operator.stepmaking import PEER, ran
from tests.unit.marine.conftest import wasm

from cloudless_operator.billing import commitments, deals
from cloudless_operator.billing.samples import candidates
from cloudless_operator.kube import epochinputs
from cloudless_operator.models import commitment, deal, ids
from cloudless_operator.reconcile import closeinputs, serving
from cloudless_runtime import identity
from cloudless_runtime.router import addressbook, builtins, runtime_client, steps
from cloudless_runtime.router.builtins import node

__all__ = ["ran", "wasm"]


def cc(
    name: str, node: str, units: tuple[str, ...] | None = None, *, posted: bool = True
) -> commitment.CapacityCommitment:
    return commitment.CapacityCommitment(
        name=name,
        uid=f"uid-{name}",
        node=ids.NodeName(node),
        units=None if units is None else tuple(ids.UnitName(u) for u in units),
        duration=20,
        staker_reward_rate=Decimal("0.2"),
        collateral_posted=posted,
        phase=None,
        ledger_units=None,
    )


def test_a_commitment_covers_its_listed_units_or_else_every_unit_of_its_node() -> None:
    specs = closeinputs.commitment_specs(
        [cc("cc-a", "node-a"), cc("cc-b", "node-b", ("node-b-cu1",), posted=False), cc("cc-c", "node-c")],
        node_units={"node-a": ["node-a-cu1", "node-a-cu0"], "node-b": ["node-b-cu0", "node-b-cu1"]},
        peers={"node-a": "peer-a", "node-b": "peer-b"},
    )
    assert specs == [
        commitments.Spec("cc-a", "peer-a", ("node-a-cu0", "node-a-cu1"), 20, Decimal("0.2"), collateral_posted=True),
        commitments.Spec("cc-b", "peer-b", ("node-b-cu1",), 20, Decimal("0.2"), collateral_posted=False),
    ], "node-c has no key: its commitment is left to the ledger as it was"


def order(name: str, uid: str, *, price: str = "0.5", stopped: bool = False) -> deal.Deal:
    return deal.Deal(
        namespace="default",
        name=name,
        uid=ids.DealUid(uid),
        generation=1,
        services=(),
        min_workers=1,
        target_workers=2,
        max_workers_per_provider=2,
        price=Decimal(price),
        deposit=Decimal(3),
        stopped=stopped,
    )


def test_each_deal_is_billed_for_the_units_that_served_it() -> None:
    first, second = serving.deal_id("default", "a", "u-a"), serving.deal_id("default", "b", "u-b")
    served = {"cu0": (first,), "cu1": (first, second), "cu2": ()}
    terms = closeinputs.deal_terms([order("a", "u-a"), order("b", "u-b", stopped=True), order("c", "u-c")], served)
    assert terms == [
        deals.Terms(first, Decimal("0.5"), 1, 2, ("cu0", "cu1"), deposit=Decimal(3)),
        deals.Terms(second, Decimal("0.5"), 1, 2, ("cu1",), deposit=Decimal(3), stopped=True),
        deals.Terms(serving.deal_id("default", "c", "u-c"), Decimal("0.5"), 1, 2, (), deposit=Decimal(3)),
    ]
    assert closeinputs.in_deal(served) == {"cu0", "cu1"}


def test_retained_steps_are_offered_by_subnet_with_who_ran_them(ran: list[steps.Step]) -> None:
    lines = [orjson.dumps(steps.to_json(step)) for step in ran] + [b"torn {"]
    worker = closeinputs.WorkerSteps(subnet="default/greeting", peer_id=PEER.peer_id, units=("cu0",), lines=lines)
    start = ran[0].recorded_at
    inputs = closeinputs.samples([worker], start_ms=start, end_ms=start + 1)
    keys = inputs.offered["default/greeting"]
    assert len(keys) == len(ran) + 1
    assert {key.particle_id for key in keys} == {ran[0].particle.id, candidates.UNREADABLE}
    assert sorted(inputs.records) == sorted(candidates.key_of("default/greeting", step) for step in ran)
    assert inputs.workers == {PEER.peer_id: ("cu0",)}
    later = closeinputs.samples([worker], start_ms=start + 1, end_ms=start + 2)
    assert later.records == {} and len(later.offered["default/greeting"]) == 1, "only the unreadable line is left"


def test_a_record_still_being_appended_is_offered_only_once_complete(ran: list[steps.Step], tmp_path: Path) -> None:
    """The controller reads a steps file while its router appends: a read that ends inside a record
    sees it cut short. That tail is no record yet; offered, it would be drawn as `unavailable`."""
    lines = [orjson.dumps(steps.to_json(step)) for step in ran]
    appending = tmp_path / "steps-1700000000000-000000.jsonl"
    appending.write_bytes(b"".join(line + b"\n" for line in lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    start = ran[0].recorded_at

    def offered() -> Sequence[candidates.StepKey]:
        worker = closeinputs.WorkerSteps(
            subnet="default/greeting", peer_id=PEER.peer_id, units=("cu0",), lines=epochinputs.retained_lines(tmp_path)
        )
        return closeinputs.samples([worker], start_ms=start, end_ms=start + 1).offered["default/greeting"]

    assert sorted(offered()) == sorted(candidates.key_of("default/greeting", step) for step in ran[:-1])
    with appending.open("ab") as f:
        f.write(lines[-1][len(lines[-1]) // 2 :] + b"\n")
    assert sorted(offered()) == sorted(candidates.key_of("default/greeting", step) for step in ran)


def test_a_steps_file_deleted_after_it_was_listed_is_read_as_absent(ran: list[steps.Step], tmp_path: Path) -> None:
    """The router's retention deletes its oldest file between the listing and the read (a dangling
    link is exactly that: listed, then not found); the other files are read, the close goes on."""
    (tmp_path / "steps-1600000000000-000000.jsonl").symlink_to(tmp_path / "deleted.jsonl")
    kept = orjson.dumps(steps.to_json(ran[0]))
    (tmp_path / "steps-1700000000000-000001.jsonl").write_bytes(kept + b"\n")
    assert epochinputs.retained_lines(tmp_path) == [kept]


def peer() -> builtins.Builtins:
    """A real peer's builtins (the runtime it would call is never reached)."""
    client = runtime_client.RuntimeClient("127.0.0.1:1")
    try:
        return builtins.Builtins(
            keys=identity.KeyPair.generate(),
            clock=lambda: 0,
            runtime=client,
            book=addressbook.AddressBook([]),
            reachable=lambda address: False,
        )
    finally:
        client.close()


def test_the_samples_take_as_builtin_exactly_what_a_router_dispatches_itself() -> None:
    dispatched = peer().services
    assert closeinputs.samples([], start_ms=0, end_ms=1).builtin_services == dispatched
    assert {"peer", "srv", "op", "json", "stat"} <= dispatched
    assert "greeting" not in dispatched, "a deployed service's calls go to Marine and carry receipts"


def test_a_router_whose_table_serves_an_undeclared_family_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(node, "FAMILIES", node.FAMILIES - {"kad"})
    with pytest.raises(AssertionError, match=r"\['kad'\] are missing from FAMILIES"):
        peer()
