"""Closing one epoch: 1,000 ComputeUnits, 200 deals and 1,000 processing samples, timed.

    python -m bench.epoch_close [--units 1000] [--deals 200] [--samples-per-subnet 5] [--runs 3]

The world: units in commitments of 32 per node (Fluence's default peer size); one unit per deal
serves it, the others prove, each with 0 to 5 real proofs (signed, hashed) at Fluence's local
bounds (min 2, max 5), so some fail and are slashed; one subnet per deal, its worker a real peer
(AIR engine, Marine host with the greeting module, signed receipts) that ran two particles, six
engine runs each retained; `samples-per-subnet` of them are drawn and re-verified. Two epochs are
closed first so the commitments are Active; then `close.close` of the third is timed (best of
`runs`, pure: no ledger write).

The reference, measured in the same run on the same data, is the floor any close must pay: one
Ed25519 verification and one puzzle hash per proof, and one AIR engine run per drawn sample,
with no bookkeeping at all. The ratio close / reference is what counting, checking, money and the
record cost on top. Proofs verified per second and samples verified per second are the checker's
and the verifier's rates alone. Needs the example modules (`make modules`).
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import random
import tempfile
from decimal import Decimal

import orjson
from tests.operator.proofmaking import EASY, solve
from tests.operator.stepmaking import BUILTINS, Peer, greeting_script

from bench.timing import best_of
from cloudless_operator.billing import close, commitments, deals, proofs, state
from cloudless_operator.billing.ledger import chain
from cloudless_operator.billing.samples import candidates, select, verify
from cloudless_operator.billing.settings import LOCAL, Settings
from cloudless_runtime import air, identity, marine
from cloudless_runtime.prover import proof, puzzle
from cloudless_runtime.router import particle, steps

UNITS_PER_NODE = 32
PARTICLES_PER_WORKER = 2
GREETING = pathlib.Path(__file__).resolve().parents[1] / "examples" / "modules" / "build" / "greeting_c.wasm"


@dataclasses.dataclass
class World:
    settings: Settings
    before: state.State
    inputs: close.Inputs


def nodes(units: int, *, rng: random.Random) -> tuple[list[commitments.Spec], dict[str, identity.KeyPair]]:
    keys, specs = {}, []
    for first in range(0, units, UNITS_PER_NODE):
        name = f"node-{first // UNITS_PER_NODE:03d}"
        keys[name] = identity.KeyPair.from_seed(rng.randbytes(32))
        members = tuple(f"cu-{i:04d}" for i in range(first, min(first + UNITS_PER_NODE, units)))
        specs.append(commitments.Spec(name, keys[name].peer_id, members, 100, Decimal("0.2"), collateral_posted=True))
    return specs, keys


def samples(subnets: int, *, rng: random.Random, folder: pathlib.Path) -> tuple[close.SampleInputs, int]:
    """One worker peer per subnet, each running PARTICLES_PER_WORKER greeting particles; returns the steps made."""
    if not GREETING.exists():
        raise SystemExit(f"{GREETING} is missing: run `make modules` first")
    wasm = GREETING.read_bytes()
    client = identity.KeyPair.from_seed(rng.randbytes(32))
    offered: dict[str, tuple[candidates.StepKey, ...]] = {}
    records: dict[candidates.StepKey, steps.Step] = {}
    workers: dict[str, tuple[str, ...]] = {}
    made = 0
    for index in range(subnets):
        worker = identity.KeyPair.from_seed(rng.randbytes(32))
        with marine.Host(folder / f"peer-{index}", keys=worker) as host:
            digest = host.add_module(wasm, name="greeting")
            service = host.create_service(host.add_blueprint("greeting", [digest]))
            runs: list[steps.Step] = []
            for n in range(PARTICLES_PER_WORKER):
                header = particle.make(client, greeting_script(worker.peer_id, service), ttl=60_000, now=10**12 + n)
                runs += Peer(worker, host).run(header, b"", b"")
        lines = [orjson.dumps(steps.to_json(step)) for step in runs]
        got = candidates.collect(f"subnet-{index:03d}", worker.peer_id, lines, start_ms=0, end_ms=1 << 62)
        offered[f"subnet-{index:03d}"] = got.keys
        records.update(got.records)
        workers[worker.peer_id] = (f"cu-{index:04d}",)
        made += len(runs)
    return close.SampleInputs(offered, records, workers, BUILTINS), made


def build(args: argparse.Namespace) -> tuple[World, int]:
    rng = random.Random(args.seed)
    settings = dataclasses.replace(LOCAL, difficulty=EASY, samples_per_subnet=args.samples_per_subnet)
    specs, keys = nodes(args.units, rng=rng)
    serving = frozenset(f"cu-{i:04d}" for i in range(args.deals))
    terms = [
        deals.Terms(f"deal-{i:03d}", Decimal("0.33"), 1, 1, (f"cu-{i:04d}",), deposit=Decimal(100))
        for i in range(args.deals)
    ]
    book = chain.Ledger(identity.KeyPair.from_seed(rng.randbytes(32)))
    for epoch in (1, 2):
        close.settle(book, close.Inputs(epoch, specs, serving, deals=terms), settings)
    head = book.head
    assert head is not None
    before = state.after(head)
    rules = before.challenge()
    made: list[proof.Proof] = []
    for spec in specs:
        for unit in spec.units:
            if unit not in serving:
                made += solve(keys[spec.id], unit, rules, rng.randint(0, rules.max_proofs), tail=rng.randbytes(24))
    with tempfile.TemporaryDirectory() as folder:
        drawn_from, step_count = samples(args.deals, rng=rng, folder=pathlib.Path(folder))
    inputs = close.Inputs(3, specs, serving, made, 0, terms, drawn_from)
    return World(settings, before, inputs), step_count


def reference(world: World) -> None:
    """The floor: a signature and a hash per proof, an engine run per drawn sample, nothing else."""
    rules = world.before.challenge()
    for submitted in world.inputs.proofs:
        proof.signature_ok(submitted)
        puzzle.hasher(rules.algorithm, rules.key(submitted.unit))(submitted.local_nonce)
    for key in drawn(world):
        step = world.inputs.samples.records[key]
        air.run(
            step.particle.script, step.prev_data, step.current_data, step.run_parameters(bytes(32)), step.call_results()
        )


def drawn(world: World) -> list[candidates.StepKey]:
    nonce = world.before.challenge().global_nonce
    return select.select(nonce, world.inputs.samples.offered, world.settings.samples_per_subnet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--samples-per-subnet", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    world, step_count = build(args)
    body = close.close(world.inputs, world.before, world.settings)
    totals = body["totals"]
    sampled = drawn(world)
    print(
        f"{args.units} units, {args.deals} deals, {len(world.inputs.proofs)} proofs, "
        f"{len(sampled)} samples drawn from {step_count} retained steps"
    )
    size = len(chain.canonical_json(body)) / 1024
    print(f"record: {size:.0f} KiB, units {totals['units']}, samples {totals['samples']}")
    close_s = best_of(args.runs, close.close, world.inputs, world.before, world.settings)
    reference_s = best_of(args.runs, reference, world)
    provers = {u: c.peer_id for c in world.before.commitments.values() for u in c.duties(world.inputs.in_deal)}
    check_s = best_of(
        args.runs, lambda: proofs.check(world.inputs.proofs, rules=world.before.challenge(), provers=provers)
    )
    records = world.inputs.samples.records
    verify_s = best_of(args.runs, lambda: [verify.verify(records[k], builtin_services=BUILTINS) for k in sampled])
    print(f"epoch close: {close_s * 1000:8.1f} ms")
    print(f"reference:   {reference_s * 1000:8.1f} ms  (a signature and a hash per proof, an engine run per sample)")
    print(f"ratio close/reference: {close_s / reference_s:.2f}")
    print(f"proofs verified: {len(world.inputs.proofs) / check_s:8.0f} proofs/s")
    print(f"samples verified: {len(sampled) / verify_s:8.0f} samples/s")


if __name__ == "__main__":
    main()
