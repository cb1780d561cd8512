"""Particles over real processes next to the real AquaVM: how much the network adds to interpretation.

    python -m bench.particle_roundtrip --oracle DIR [--runs N] [--concurrency C]

Starts 5 peers (router + runtime processes on 127.0.0.101-105, as the end-to-end tests do) and
times two scripts with the client library, each run a fresh particle:

* `roundtrip`: client -> relay -> peer -> relay -> client (4 hops);
* `fanout5`: the relay and the 4 other peers answer in parallel, joined at the relay (10 hops).

For each: p50 and p99 latency of `runs` sequential runs (after warm-ups), and particles/s with
`concurrency` clients at once. The same scripts, with the same services answering, go through the
real AquaVM in the oracle's simulated network (`node DIR/oracle.mjs --bench N`, whose time is pure
interpretation: no transport), in the same run. The ratio `added / AquaVM` is what the network
round trip adds over AquaVM's interpretation time, (p50 - AquaVM) / AquaVM; the goal is below 2.
Calls are builtins only, so Marine time is not part of either side.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent import futures
from pathlib import Path

from tests.peerset_processes import peerset

from bench.air_vs_aquavm import OracleFailed, run_oracle
from cloudless_runtime import client, identity

PEERS = 5
TIMEOUT_S = 60.0
ORACLE_SERVICES = {
    "*": {
        "op.noop": {"result": ""},
        "op.identity": {"echo_first": True},
        "op.array": {"echo": True},
        "callbackSrv.response": {"result": ""},
    }
}
"""What our routers' builtins and the client's callback answer, for the oracle's simulated peers."""


def roundtrip(relay: str, peer: str) -> str:
    return f"""
    (seq
      (seq
        (call "{relay}" ("op" "noop") [])
        (call "{peer}" ("op" "identity") ["hi"] x))
      (seq
        (call "{relay}" ("op" "noop") [])
        (call %init_peer_id% ("callbackSrv" "response") [x])))
    """


def fanout(relay: str, others: Sequence[str]) -> str:
    branches = [f'(call "{relay}" ("op" "identity") ["r"] g0)']
    branches += [
        f'(seq (call "{p}" ("op" "identity") ["{i}"] g{i}) (call "{relay}" ("op" "noop") []))'
        for i, p in enumerate(others, start=1)
    ]
    together = branches[-1]
    for branch in reversed(branches[:-1]):
        together = f"(par {branch} {together})"
    names = " ".join(f"g{i}" for i in range(len(branches)))
    return f"""
    (seq
      (seq
        (call "{relay}" ("op" "noop") [])
        {together})
      (seq
        (call "{relay}" ("op" "array") [{names}] all)
        (call %init_peer_id% ("callbackSrv" "response") [all])))
    """


@dataclasses.dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    ours: str
    """The script with our peers' ids."""
    vector: dict[str, object]
    """The same script with symbolic names, as an oracle vector."""


def scenarios(peers: Sequence[peerset.Peer]) -> list[Scenario]:
    ids = [p.peer_id for p in peers]
    names = ["relay", *(f"peer_{i}" for i in range(1, len(peers)))]
    builders: list[tuple[str, Callable[[Sequence[str]], str]]] = [
        ("roundtrip", lambda p: roundtrip(p[0], p[1])),
        ("fanout5", lambda p: fanout(p[0], p[1:])),
    ]
    made = []
    for name, build in builders:
        vector: dict[str, object] = {
            "name": name,
            "peers": ["client", *names],
            "init_peer": "client",
            "script": build(names),
            "services": ORACLE_SERVICES,
        }
        made.append(Scenario(name, build(ids), vector))
    return made


@dataclasses.dataclass(frozen=True, slots=True)
class Measured:
    p50_ms: float
    p99_ms: float
    per_second: float


def measure(run: Callable[[], None], *, runs: int, concurrency: int, warmup: int) -> Measured:
    for _ in range(warmup):
        run()
    latencies = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        latencies.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    with futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        for done in [pool.submit(run) for _ in range(runs)]:
            done.result()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Measured(p50_ms=statistics.median(latencies), p99_ms=cuts[98], per_second=runs / elapsed)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cloudless-bench-") as folder:
        peers = peerset.PeerSet(Path(folder), count=PEERS)
        try:
            print(f"starting {PEERS} peers (router + runtime processes)", file=sys.stderr, flush=True)
            peers.start()
            cases = scenarios(peers.peers)
            vectors = Path(folder) / "vectors.jsonl"
            vectors.write_text("".join(json.dumps(c.vector) + "\n" for c in cases))
            aquavm = run_oracle(args.oracle, args.runs, [vectors])
            relay = peers.peers[0].address
            results = []
            for case in cases:
                print(f"timing {case.name}", file=sys.stderr, flush=True)

                def once(script: str = case.ours) -> None:
                    # A key per run: a relay gives each init peer one session, so concurrent clients
                    # sharing a key would steal each other's answers.
                    keys = identity.KeyPair.generate()
                    answer = client.run(script, relay=relay, keys=keys, timeout_s=TIMEOUT_S)
                    if not answer.responses:
                        raise RuntimeError(f"no answer: {answer}")

                results.append(measure(once, runs=args.runs, concurrency=args.concurrency, warmup=args.warmup))
        except (OracleFailed, peerset.PeerFailed, client.ClientError) as error:
            print(f"bench: {error}", file=sys.stderr)
            return 2
        finally:
            peers.stop()
    print(render(cases, aquavm, results, runs=args.runs, concurrency=args.concurrency))
    return 0


_HEADER = (
    f"{'scenario':<10} {'hops':>4} {'p50 ms':>8} {'p99 ms':>8} {'particles/s':>12} "
    f"{'AquaVM ms':>10} {'AquaVM ms/hop':>14} {'ours ms/hop':>12} {'added/AquaVM':>13}"
)


def render(
    cases: Sequence[Scenario],
    aquavm: Sequence[dict[str, object]],
    results: Sequence[Measured],
    *,
    runs: int,
    concurrency: int,
) -> str:
    lines = [
        f"{PEERS} peers as processes on loopback; {runs} sequential runs (p50/p99), then {runs} runs with "
        f"{concurrency} clients at once (particles/s); AquaVM: median of {runs} runs in the oracle",
        _HEADER,
    ]
    worst = 0.0
    for case, theirs, ours in zip(cases, aquavm, results, strict=True):
        if "invalid" in theirs:
            lines.append(f"{case.name:<10} AquaVM could not run it: {theirs['invalid']}")
            continue
        hops = int(str(theirs["hops"]))
        avm_ms = float(str(theirs["median_ms"]))
        added = (ours.p50_ms - avm_ms) / avm_ms
        worst = max(worst, added)
        lines.append(
            f"{case.name:<10} {hops:>4} {ours.p50_ms:>8.2f} {ours.p99_ms:>8.2f} {ours.per_second:>12.1f} "
            f"{avm_ms:>10.2f} {avm_ms / hops:>14.3f} {ours.p50_ms / hops:>12.3f} {added:>12.2f}x"
        )
    verdict = "met" if worst < 2 else "not met"
    lines.append(f"goal: the network round trip adds less than 2x AquaVM's interpretation time: {verdict}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.particle_roundtrip", description="Particle round trips over real peers vs AquaVM."
    )
    parser.add_argument("--oracle", type=Path, required=True, metavar="DIR", help="oracle copy with node_modules")
    parser.add_argument("--runs", type=int, default=100, metavar="N", help="timed runs per scenario (and oracle)")
    parser.add_argument("--warmup", type=int, default=5, metavar="N", help="untimed runs first")
    parser.add_argument("--concurrency", type=int, default=8, metavar="C", help="clients at once for particles/s")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
