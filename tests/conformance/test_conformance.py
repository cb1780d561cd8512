"""Every conformance vector, run on our engine under the oracle's network rules, must produce
what the real AquaVM produced (recorded in the vector's `expect`): node is not needed here."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

from cloudless_runtime import air
from cloudless_runtime.air.conformance import compare, network, vectors
from cloudless_runtime.air.conformance.outcome import VectorOutcome
from cloudless_runtime.air.syntax import ParseError, ast, parse

ROOT = pathlib.Path(__file__).resolve().parents[2]
SMOKE = ROOT.parent / "shared" / "avm-oracle" / "smoke.jsonl"
CORPUS = ROOT / "tests" / "conformance" / "corpus.jsonl"
FANOUT = ROOT / "bench" / "fanout100.jsonl"

ALL = vectors.read_vectors([str(SMOKE), str(CORPUS), str(CORPUS.with_name("aqua.jsonl")), str(FANOUT)])


def _name(raw: Any) -> str:
    return str(raw["name"])


@pytest.mark.parametrize("raw", ALL, ids=_name)
def test_outcome_equals_aquavm(raw: Any) -> None:
    outcome = network.run_raw(raw, air.run)
    assert isinstance(outcome, VectorOutcome), outcome
    assert compare.compare_outcome(raw["expect"], outcome.to_json()) == []


def _instruction_kinds(node: ast.Instruction) -> set[type]:
    kinds = {type(node)}
    for child in ("left", "right", "body", "last"):
        sub = getattr(node, child, None)
        if sub is not None and not isinstance(sub, (str, int)):
            kinds |= _instruction_kinds(sub)
    return kinds


def test_corpus_covers_every_instruction() -> None:
    corpus = vectors.read_vectors([str(CORPUS)])
    assert len(corpus) >= 80
    seen: set[type] = set()
    for raw in corpus:
        try:
            seen |= _instruction_kinds(parse(raw["script"]))
        except ParseError:
            continue
    every = {
        ast.Call, ast.Canon, ast.CanonMapInstr, ast.CanonMapScalar, ast.Ap, ast.ApMap, ast.Seq, ast.Par,
        ast.Xor, ast.New, ast.FoldScalar, ast.FoldStream, ast.FoldStreamMap, ast.Next, ast.Match,
        ast.Mismatch, ast.FailLiteral, ast.FailValue, ast.FailLastError, ast.FailError, ast.Null, ast.Never,
    }  # fmt: skip
    assert every - seen == set()


def test_corpus_has_error_paths_of_every_class() -> None:
    codes = set()
    for raw in vectors.read_vectors([str(CORPUS)]):
        for peer_errors in raw["expect"]["errors"].values():
            codes |= {e["ret_code"] // 10000 for e in peer_errors}
    assert {0, 1, 2, 3} <= codes  # preparation, catchable, uncatchable, farewell
