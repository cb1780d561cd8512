"""Canonical instruction text; the expected strings are what AquaVM 0.62 put in `:error:.$.instruction`."""

from __future__ import annotations

import pytest

from cloudless_runtime.air.syntax import ast, instruction_text, parse
from cloudless_runtime.air.syntax.render import lambda_text, number_text, value_text

# Defines x, $s, #cc, %m and #%mm so that every instruction below validates.
PRELUDE = (
    '(seq (call %init_peer_id% ("get" "x") [] x) (seq (ap 1 $s) (seq (canon %init_peer_id% $s #cc)'
    ' (seq (ap ("k" 1) %m) (canon %init_peer_id% %m #%mm)))))'
)


def text_of(instruction: str) -> str:
    tree = parse(f"(seq {PRELUDE} {instruction})")
    assert isinstance(tree, ast.Seq)
    return instruction_text(tree.right)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('(call "peer_a" ("fail" "now") ["boom"] r)', 'call "peer_a" ("fail" "now") ["boom"] r'),
        ('(call "a" ("s" "f") [])', 'call "a" ("s" "f") [] '),
        ("(call x.$.[0] (x.$.s x.$.f) [] $r)", "call x.$.[0] (x.$.s x.$.f) [] $r"),
        (
            '(call %init_peer_id% ("s" "f") ["a" 1 1.5 1.0 -0.0 true [] %timestamp% %ttl% x.length #cc #%mm.$.k])',
            'call %init_peer_id% ("s" "f") ["a" 1 1.5 1 -0 true [] %timestamp% %ttl% x.length #cc #%mm.$.k] ',
        ),
        (
            '(call %init_peer_id% ("s" "f") [%last_error% :error:.$.message])',
            'call %init_peer_id% ("s" "f") [%last_error% :error:.$.message] ',
        ),
        ('(canon "p" $s #c)', 'canon "p" $s #c'),
        ('(canon "p" $s #$s)', 'canon "p" $s #$s'),
        ("(canon %init_peer_id% %m #%m)", "canon %init_peer_id% %m #%m"),
        ('(canon "p" %m obj)', 'canon "p" %m obj'),
        ("(ap x $s)", "ap x $s"),
        ("(ap x.$.a[0]! y)", "ap x.$.a.[0] y"),
        ("(ap #cc.$.[5] y)", "ap #cc.$.[5] y"),
        ("(ap (x.$.k 1) %m)", "ap (x.$.k 1) %m"),
        ('(ap (-5 "v") %m)', 'ap (-5 "v") %m'),
        ("(seq (null) (null))", "seq"),
        ("(par (null) (null))", "par"),
        ("(xor (null) (null))", "xor"),
        ("(new $s (null))", "new $s"),
        ("(new #%m (null))", "new #%m"),
        ("(fold $s x (null))", "fold $s x"),
        ("(fold x.$.a i (null))", "fold x.$.a i"),
        ("(fold [] i (null) (never))", "fold [] i"),
        ("(fold %m i (null))", "fold %m i"),
        ("(fold #%mm.$.k i (null))", "fold #%mm.$.k i"),
        ("(match 1 2 (null))", "match 1 2"),
        ('(match x.$.a.[1] "s" (null))', 'match x.$.a.[1] "s"'),
        ("(mismatch 1.0 1.0 (null))", "mismatch 1 1"),
        ('(fail 1337 "msg")', 'fail 1337 "msg"'),
        ("(fail x)", "fail x"),
        ("(fail x.$.a)", "fail x.$.a"),
        ("(fail #cc.$.[0])", "fail #cc.$.[0]"),
        ("(fail %last_error%)", "fail %last_error%"),
        ("(fail :error:)", "fail :error:"),
        ("(null)", "null"),
        ("(never)", "never"),
    ],
)
def test_instruction_text(source: str, expected: str) -> None:
    assert text_of(source) == expected


def test_next_text() -> None:
    tree = parse("(fold [] i (next i))")
    assert isinstance(tree, ast.FoldScalar)
    assert instruction_text(tree.body) == "next i"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, "1"),
        (-7, "-7"),
        (1.5, "1.5"),
        (1.0, "1"),
        (-0.0, "-0"),
        (1e-09, "0.000000001"),
        (1e20, "100000000000000000000"),
        (0.1, "0.1"),
        (123.456, "123.456"),
    ],
)
def test_numbers_print_like_rust(value: float, expected: str) -> None:
    assert number_text(value) == expected


def test_lenses_are_normalised() -> None:
    lens = ast.Lens((ast.FieldAccessor("a"), ast.IndexAccessor(0), ast.ScalarAccessor("i")))
    assert lambda_text(lens) == ".$.a.[0].[i]"
    assert lambda_text(ast.Length()) == ".length"
    assert lambda_text(None) == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ast.Literal("a b"), '"a b"'),
        (ast.Boolean(False), "false"),
        (ast.EmptyArray(), "[]"),
        (ast.InitPeerId(), "%init_peer_id%"),
        (ast.LastError(ast.Lens((ast.FieldAccessor("message"),))), "%last_error%.$.message"),
        (ast.InstructionError(), ":error:"),
        (ast.CanonStream("#$s", ast.Length()), "#$s.length"),
        (ast.Stream("$s"), "$s"),
        (ast.StreamMap("%m"), "%m"),
    ],
)
def test_value_text(value: ast.Value | ast.Stream | ast.StreamMap, expected: str) -> None:
    assert value_text(value) == expected
