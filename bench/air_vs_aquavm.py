"""Our AIR engine against the real AquaVM: the same vectors, the same simulated network, timed.

    python -m bench.air_vs_aquavm --oracle DIR [--runs N] [FILES...]

DIR is a working copy of the AquaVM oracle (`make oracle` puts one in .cache/avm-oracle). Its
`--bench` mode times AquaVM (one warm-up, then N runs, median); the same is then done in-process
with our engine through the conformance runner, so both sides pay for the same harness work and the
ratio is about the engines. Ratios are per AIR run ("invocation"): a vector whose run count differs
between the two engines did different work, and is flagged.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from cloudless_runtime.air import pipeline
from cloudless_runtime.air.conformance import (
    Engine,
    InvalidVector,
    parse_vector,
    read_vectors,
    run_raw,
    run_vector,
)
from cloudless_runtime.air.conformance.vectors import VectorFileError
from cloudless_runtime.air.interface import JValue

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FILES = (REPO.parent / "shared" / "avm-oracle" / "smoke.jsonl", REPO / "bench" / "fanout100.jsonl")
DEFAULT_RUNS = 20


@dataclasses.dataclass(frozen=True, slots=True)
class Timing:
    median_ms: float
    invocations: int
    hops: int

    @property
    def ms_per_invocation(self) -> float:
        return self.median_ms / self.invocations if self.invocations else float("nan")


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    name: str
    aquavm: Timing | None
    ours: Timing | None
    problem: str = ""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    files = [Path(f) for f in args.files] or _existing_defaults()
    try:
        vectors = read_vectors(str(f) for f in files)
        aquavm = run_oracle(args.oracle, args.runs, files)
    except (OSError, VectorFileError, OracleFailed) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    if len(aquavm) != len(vectors):
        print(f"bench: the oracle answered {len(aquavm)} vectors out of {len(vectors)}", file=sys.stderr)
        return 2
    engine: Engine = pipeline.run
    rows = []
    for i, (raw, theirs) in enumerate(zip(vectors, aquavm, strict=True), start=1):
        print(f"[{i}/{len(vectors)}] {theirs.get('name')}", file=sys.stderr, flush=True)
        rows.append(_row(raw, theirs, engine, args.runs))
    print(render(rows, args.runs))
    return 0


class OracleFailed(RuntimeError):
    """node is missing or the oracle exited with an error."""


def run_oracle(oracle_dir: Path, runs: int, files: Sequence[Path]) -> list[dict[str, JValue]]:
    """`node DIR/oracle.mjs --bench N FILES`: one JSON line per vector, in file order. Its stderr (a
    live table) is left on ours as the progress of this first, slower half."""
    node = shutil.which("node")
    if node is None:
        raise OracleFailed("node is not on PATH (the oracle runs the real AquaVM in Node.js)")
    script = oracle_dir / "oracle.mjs"
    if not script.is_file():
        raise OracleFailed(f"{script} does not exist (make oracle)")
    print(f"AquaVM: {script} --bench {runs}", file=sys.stderr, flush=True)
    command = [node, str(script), "--bench", str(runs), *(str(f.resolve()) for f in files)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise OracleFailed(f"the oracle exited with status {done.returncode}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def time_ours(raw: JValue, engine: Engine, runs: int) -> Timing | str:
    """One warm-up run, then `runs` timed ones; the median of the runner's own wall time, which
    covers what the oracle's `ms` covers. A string says why the vector could not be timed."""
    warm = run_raw(raw, engine)
    if isinstance(warm, InvalidVector):
        return warm.invalid
    vector = parse_vector(raw)
    outcomes = [run_vector(vector, engine=engine) for _ in range(runs)]
    return Timing(statistics.median(o.ms for o in outcomes), outcomes[-1].invocations, outcomes[-1].hops)


def _row(raw: JValue, theirs: dict[str, JValue], engine: Engine, runs: int) -> Row:
    name = str(theirs.get("name"))
    if "invalid" in theirs:
        return Row(name, None, None, f"invalid for the oracle: {theirs['invalid']}")
    aquavm = Timing(float(theirs["median_ms"]), int(theirs["invocations"]), int(theirs["hops"]))
    ours = time_ours(raw, engine, runs)
    if isinstance(ours, str):
        return Row(name, aquavm, None, f"ours: {ours}")
    if (ours.invocations, ours.hops) != (aquavm.invocations, aquavm.hops):
        problem = (
            f"different work: {ours.invocations} runs / {ours.hops} hops here, "
            f"{aquavm.invocations} / {aquavm.hops} on AquaVM"
        )
        return Row(name, aquavm, ours, problem)
    return Row(name, aquavm, ours)


_HEADER = (
    f"{'vector':<36} {'runs':>5} {'hops':>5} {'AquaVM ms':>10} {'ours ms':>9} "
    f"{'AquaVM ms/run':>14} {'ours ms/run':>12} {'ours/AquaVM':>12}"
)


def render(rows: Sequence[Row], runs: int) -> str:
    lines = [f"median of {runs} runs after 1 warm-up, per vector; 'run' = one AIR engine invocation", _HEADER]
    notes: list[str] = []
    for row in rows:
        if row.problem:
            notes.append(f"  * {row.name}: {row.problem}")
        if row.aquavm is None or row.ours is None:
            lines.append(f"{row.name[:34]:<34} *")
            continue
        lines.append(_line(row.name, row.aquavm, row.ours, flagged=bool(row.problem)))
    timed = [row for row in rows if row.aquavm and row.ours]
    if timed:
        lines.append("-" * len(_HEADER))
        lines.append(
            _line(
                f"total ({len(timed)} vectors)",
                _total([row.aquavm for row in timed if row.aquavm]),
                _total([row.ours for row in timed if row.ours]),
            )
        )
    return "\n".join(lines + notes)


def _line(label: str, aquavm: Timing, ours: Timing, *, flagged: bool = False) -> str:
    ratio = ours.ms_per_invocation / aquavm.ms_per_invocation
    return (
        f"{label[:34]:<34} {'*' if flagged else ' '} {aquavm.invocations:>5} {aquavm.hops:>5} "
        f"{aquavm.median_ms:>10.2f} {ours.median_ms:>9.2f} "
        f"{aquavm.ms_per_invocation:>14.3f} {ours.ms_per_invocation:>12.3f} {ratio:>11.2f}x"
    )


def _total(timings: Sequence[Timing]) -> Timing:
    """Sums of medians, as the oracle's own bench total."""
    return Timing(sum(t.median_ms for t in timings), sum(t.invocations for t in timings), sum(t.hops for t in timings))


def _existing_defaults() -> list[Path]:
    found = [f for f in DEFAULT_FILES if f.exists()]
    for missing in sorted(set(DEFAULT_FILES) - set(found)):
        print(f"bench: skipping {missing} (not there)", file=sys.stderr)
    return found


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.air_vs_aquavm", description="Time our AIR engine against the real AquaVM."
    )
    parser.add_argument("--oracle", type=Path, required=True, metavar="DIR", help="oracle copy with node_modules")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, metavar="N", help="timed runs per vector")
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE.jsonl",
        help="vector files (default: the oracle smoke set and fanout100)",
    )
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
