"""`python -m cloudless_runtime.air.conformance`: the oracle's command line for our engine.

Same vector files, same outcome lines, same `--check` verdicts as `node oracle.mjs`, so the two can
be run side by side and diffed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cloudless_runtime.air import pipeline
from cloudless_runtime.air.conformance.compare import compare_outcome
from cloudless_runtime.air.conformance.engine import Engine
from cloudless_runtime.air.conformance.javascript import stringify
from cloudless_runtime.air.conformance.network import (
    DEFAULT_MAX_HOPS,
    DEFAULT_MAX_INVOCATIONS,
    RunOptions,
    run_raw,
)
from cloudless_runtime.air.conformance.outcome import InvalidVector
from cloudless_runtime.air.conformance.vectors import VectorFileError, read_vectors, vector_name

if TYPE_CHECKING:
    from cloudless_runtime.air.interface import JValue

USAGE_ERROR = 2
"""Exit status for bad arguments or unreadable files, as argparse and the oracle use."""


def main(argv: Sequence[str] | None = None, engine: Engine = pipeline.run) -> int:
    args = _parser().parse_args(argv)
    try:
        vectors = read_vectors(args.files)
    except (OSError, VectorFileError) as error:
        print(error, file=sys.stderr)
        return USAGE_ERROR
    if args.only:
        vectors = [v for v in vectors if vector_name(v) in args.only]
    options = RunOptions(max_hops=args.max_hops, max_invocations=args.max_invocations, feed=args.feed)
    if args.check:
        return check(vectors, engine, options)
    for raw in vectors:
        _emit(stringify(run_raw(raw, engine, options).to_json()))
    return 0


def check(vectors: Sequence[JValue], engine: Engine, options: RunOptions) -> int:
    """Run and compare every vector; 1 if any failed."""
    passed = failed = skipped = 0
    for raw in vectors:
        outcome = run_raw(raw, engine, options)
        if isinstance(outcome, InvalidVector):
            failed += 1
            _emit(f"FAIL {_label(outcome.name)}: invalid vector or crash: {outcome.invalid}")
            continue
        expect = raw.get("expect")
        if not isinstance(expect, dict):
            skipped += 1
            _emit(f'SKIP {outcome.name} (no "expect")')
            continue
        differences = compare_outcome(expect, outcome.to_json())
        if differences:
            failed += 1
            _emit(f"FAIL {outcome.name}")
            for difference in differences:
                _emit(f"    {difference}")
        else:
            passed += 1
            _emit(f"PASS {outcome.name} ({outcome.hops} hops, {outcome.invocations} runs, {outcome.ms:.1f} ms)")
    _emit(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cloudless_runtime.air.conformance",
        description="Run AquaVM oracle vectors on our AIR engine over the oracle's simulated network.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE.jsonl", help='vector files ("-" reads stdin)')
    parser.add_argument(
        "--check",
        action="store_true",
        help='compare each outcome with the vector\'s "expect"; PASS/FAIL lines, exit 1 on a failure',
    )
    parser.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this vector (repeatable)")
    parser.add_argument(
        "--max-hops", type=int, metavar="N", help=f"default {DEFAULT_MAX_HOPS} (a vector's max_hops wins)"
    )
    parser.add_argument(
        "--max-invocations",
        type=int,
        metavar="N",
        help=f"default {DEFAULT_MAX_INVOCATIONS} (a vector's max_invocations wins)",
    )
    parser.add_argument(
        "--feed",
        choices=("batch", "single"),
        default="batch",
        help="call results go back in one run per batch (default, like nox) or one run per result",
    )
    return parser


def _label(name: JValue) -> str:
    """A vector name as a JavaScript template string shows it (`null` for none)."""
    return name if isinstance(name, str) else stringify(name)


def _emit(line: str) -> None:
    # Flushed line by line: a long file shows progress, and output interleaves correctly with stderr.
    print(line, flush=True)
