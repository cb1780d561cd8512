"""One test per AIR construct, the smoke scripts, and what AquaVM 0.62 refuses (checked with the oracle)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cloudless_runtime.air.syntax import ParseError, ValidationError, ast, parse
from cloudless_runtime.air.syntax.parser import MAX_DEPTH

from .scripts import SMOKE_SCRIPTS

SMOKE_FILE = Path(__file__).resolve().parents[5] / "shared" / "avm-oracle" / "smoke.jsonl"

X = ast.Scalar("x")
CALL_X = '(call "p" ("s" "f") [] x)'  # defines x
AP_S = "(ap 1 $s)"  # defines $s
NULL = ast.Null()


def body(text: str, prefix: str = CALL_X) -> ast.Instruction:
    """The right branch of `(seq prefix text)`: `prefix` defines what `text` uses."""
    tree = parse(f"(seq {prefix} {text})")
    assert isinstance(tree, ast.Seq)
    return tree.right


@pytest.mark.parametrize("name", sorted(SMOKE_SCRIPTS))
def test_smoke_scripts_parse(name: str) -> None:
    assert isinstance(parse(SMOKE_SCRIPTS[name]), ast.Seq | ast.Xor)


@pytest.mark.skipif(not SMOKE_FILE.exists(), reason="needs ../shared/avm-oracle")
def test_embedded_smoke_scripts_match_the_oracles_file() -> None:
    rows = [json.loads(line) for line in SMOKE_FILE.read_text().splitlines() if line.strip()]
    assert {row["name"]: row["script"] for row in rows} == SMOKE_SCRIPTS


def test_null_and_never() -> None:
    assert parse("(null)") == NULL
    assert parse("(never)") == ast.Never()


@pytest.mark.parametrize(("keyword", "node"), [("seq", ast.Seq), ("par", ast.Par), ("xor", ast.Xor)])
def test_binary_instructions(keyword: str, node: type[ast.Seq | ast.Par | ast.Xor]) -> None:
    assert parse(f"({keyword} (null) (never))") == node(NULL, ast.Never())


def test_call_with_everything() -> None:
    tree = body('(call x.$.peer (x.$.[x] "f") ["a" 1 -2.5 true false [] %init_peer_id% %timestamp% %ttl% x] $r)')
    lens_peer = ast.Lens((ast.FieldAccessor("peer"),))
    assert tree == ast.Call(
        peer=ast.Scalar("x", lens_peer),
        service=ast.Scalar("x", ast.Lens((ast.ScalarAccessor("x"),))),
        function=ast.Literal("f"),
        args=(
            ast.Literal("a"),
            ast.Number(1),
            ast.Number(-2.5),
            ast.Boolean(True),
            ast.Boolean(False),
            ast.EmptyArray(),
            ast.InitPeerId(),
            ast.Timestamp(),
            ast.Ttl(),
            X,
        ),
        output=ast.Stream("$r"),
    )


def test_call_without_output() -> None:
    assert parse('(call %init_peer_id% ("s" "f") [])') == ast.Call(
        ast.InitPeerId(), ast.Literal("s"), ast.Literal("f"), (), None
    )


def test_call_with_error_values_and_canon_arguments() -> None:
    tree = body(
        '(call "p" ("s" "f") [%last_error% :error:.$.message #cc #cc.$.[0] #%m #%m.$.k] r)',
        prefix=f'(seq (seq {AP_S} (canon "p" $s #cc)) (seq (ap ("k" 1) %m) (canon "p" %m #%m)))',
    )
    assert isinstance(tree, ast.Call)
    assert tree.args == (
        ast.LastError(),
        ast.InstructionError(ast.Lens((ast.FieldAccessor("message"),))),
        ast.CanonStream("#cc"),
        ast.CanonStream("#cc", ast.Lens((ast.IndexAccessor(0),))),
        ast.CanonMap("#%m"),
        ast.CanonMap("#%m", ast.Lens((ast.FieldAccessor("k"),))),
    )


def test_canon_stream() -> None:
    assert parse('(canon "p" $s #c)') == ast.Canon(ast.Literal("p"), ast.Stream("$s"), ast.CanonStream("#c"))
    assert parse('(canon "p" $s #$s)') == ast.Canon(ast.Literal("p"), ast.Stream("$s"), ast.CanonStream("#$s"))


def test_canon_map() -> None:
    assert parse("(canon %init_peer_id% %m #%m)") == ast.CanonMapInstr(
        ast.InitPeerId(), ast.StreamMap("%m"), ast.CanonMap("#%m")
    )


def test_canon_map_to_scalar() -> None:
    assert parse('(canon "p" %m obj)') == ast.CanonMapScalar(ast.Literal("p"), ast.StreamMap("%m"), ast.Scalar("obj"))


def test_ap() -> None:
    assert parse('(ap "v" $s)') == ast.Ap(ast.Literal("v"), ast.Stream("$s"))
    assert body("(ap x.length n)") == ast.Ap(ast.Scalar("x", ast.Length()), ast.Scalar("n"))
    assert parse("(ap %last_error%.$.message m)") == ast.Ap(
        ast.LastError(ast.Lens((ast.FieldAccessor("message"),))), ast.Scalar("m")
    )


def test_ap_to_a_stream_map() -> None:
    assert parse('(ap ("k" "v") %m)') == ast.ApMap(ast.Literal("k"), ast.Literal("v"), ast.StreamMap("%m"))
    assert parse("(ap (-5 [] ) %m)") == ast.ApMap(ast.Number(-5), ast.EmptyArray(), ast.StreamMap("%m"))
    assert body("(ap (x.$.k x) %m)") == ast.ApMap(
        ast.Scalar("x", ast.Lens((ast.FieldAccessor("k"),))), X, ast.StreamMap("%m")
    )


@pytest.mark.parametrize(
    ("name", "variable"),
    [
        ("x", ast.Scalar("x")),
        ("$s", ast.Stream("$s")),
        ("%m", ast.StreamMap("%m")),
        ("#c", ast.CanonStream("#c")),
        ("#%m", ast.CanonMap("#%m")),
    ],
)
def test_new(name: str, variable: ast.NewVariable) -> None:
    assert parse(f"(new {name} (null))") == ast.New(variable, NULL)


def test_fold_over_a_scalar_with_last_instruction() -> None:
    assert body("(fold x i (next i) (null))") == ast.FoldScalar(X, "i", ast.Next("i"), NULL)


def test_fold_over_every_kind_of_iterable() -> None:
    assert parse("(fold [] i (null))") == ast.FoldScalar(ast.EmptyArray(), "i", NULL, None)
    assert body("(fold x.$.list i (null))") == ast.FoldScalar(
        ast.Scalar("x", ast.Lens((ast.FieldAccessor("list"),))), "i", NULL, None
    )
    assert body("(fold $s i (next i))", prefix=AP_S) == ast.FoldStream(ast.Stream("$s"), "i", ast.Next("i"), None)
    assert body("(fold %m i (null) (never))", prefix='(ap ("k" 1) %m)') == ast.FoldStreamMap(
        ast.StreamMap("%m"), "i", NULL, ast.Never()
    )
    canon = f'(seq {AP_S} (canon "p" $s #c))'
    assert body("(fold #c i (null))", prefix=canon) == ast.FoldScalar(ast.CanonStream("#c"), "i", NULL, None)
    canon_map = '(seq (ap ("k" 1) %m) (canon "p" %m #%m))'
    assert body("(fold #%m.$.k i (null))", prefix=canon_map) == ast.FoldScalar(
        ast.CanonMap("#%m", ast.Lens((ast.FieldAccessor("k"),))), "i", NULL, None
    )


def test_match_and_mismatch() -> None:
    assert body("(match x 1 (null))") == ast.Match(X, ast.Number(1), NULL)
    assert parse('(mismatch 1.0 "1" (never))') == ast.Mismatch(ast.Number(1.0), ast.Literal("1"), ast.Never())


def test_numbers_keep_int_and_float_apart() -> None:
    tree = parse("(match 1 1.0 (null))")
    assert isinstance(tree, ast.Match)
    assert isinstance(tree.left, ast.Number) and type(tree.left.value) is int
    assert isinstance(tree.right, ast.Number) and type(tree.right.value) is float


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ('(fail 1337 "msg")', ast.FailLiteral(1337, "msg")),
        ('(fail -1 "")', ast.FailLiteral(-1, "")),
        ("(fail x)", ast.FailValue(X)),
        ("(fail x.$.error)", ast.FailValue(ast.Scalar("x", ast.Lens((ast.FieldAccessor("error"),))))),
        ("(fail #cc.$.[0])", ast.FailValue(ast.CanonStream("#cc", ast.Lens((ast.IndexAccessor(0),))))),
        ("(fail %last_error%)", ast.FailLastError()),
        ("(fail :error:)", ast.FailError()),
    ],
)
def test_fail_forms(text: str, node: ast.Instruction) -> None:
    assert parse(text) == node


def test_comments_and_layout_are_ignored() -> None:
    text = ";; a script\n(seq ; first\n  (null)\n\t(never)) ; done\n"
    assert parse(text) == ast.Seq(NULL, ast.Never())


def test_variable_positions_are_character_offsets() -> None:
    tree = parse('(seq (call "é" ("s" "f") [] x) (ap x $s))')
    assert isinstance(tree, ast.Seq) and isinstance(tree.left, ast.Call) and isinstance(tree.right, ast.Ap)
    assert tree.left.output is not None and tree.left.output.position == 28
    assert isinstance(tree.right.argument, ast.Scalar) and tree.right.argument.position == 35
    assert tree.right.result.position == 37


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("", 1, 1, "unexpected end of input, expected '(' starting an instruction"),
        ("(seq (null)", 1, 12, "unexpected end of input, expected '(' starting an instruction"),
        ("(null) (null)", 1, 8, "unexpected token '(', expected end of input"),
        ("(nul)", 1, 2, "unexpected token 'nul', expected an instruction name"),
        ("(seq\n  (null)\n  )", 3, 3, "unexpected token ')', expected '(' starting an instruction"),
        ('(call "p" "s" "f" [])', 1, 11, "unexpected token '\"s\"', expected '('"),
        ('(call %init_peer_id% (%init_peer_id% "f") [])', 1, 23, "unexpected token '%init_peer_id%'"),
        ('(seq (ap 1 $s) (call "p" ("s" "f") [$s]))', 1, 37, "unexpected token '$s', expected a value"),
        ('(call "p" ("s" "f") [%m])', 1, 22, "unexpected token '%m', expected a value"),
        ('(call "p" ("s" "f") [] x.$.a)', 1, 24, "expected a call output"),
        ('(call "p" ("s" "f") [] #c)', 1, 24, "expected a call output"),
        ('(call "p" ("s" "f") [] x y)', 1, 26, "unexpected token 'y'"),
        ('(call "p" ("s" "f") [["a"]])', 1, 23, "unexpected token '\"a\"'"),
        ("(ap #%m x)", 1, 5, "a bare canon stream map needs a lens"),
        ("(ap 1 x.$.a)", 1, 7, "expected an ap result"),
        ("(ap 1 #c)", 1, 7, "expected an ap result"),
        ("(ap (1.5 2) %m)", 1, 6, "expected a map key"),
        ("(ap (true 2) %m)", 1, 6, "expected a map key"),
        ("(ap (#cc 2) %m)", 1, 6, "expected a map key"),
        ("(ap (1 2) $s)", 1, 11, "expected a stream map"),
        ('(canon "p" $s c)', 1, 15, "expected a canon stream"),
        ('(canon "p" $s #c.$.a)', 1, 16, "a canon name should be non empty"),
        ('(canon "p" $s #cc.$.a)', 1, 15, "a canon stream without a lens"),
        ('(canon "p" %m #c)', 1, 15, "a canon stream map (#%name) or a scalar"),
        ('(canon "p" x #c)', 1, 12, "a stream or a stream map"),
        ("(canon #cc $s #c)", 1, 8, "unexpected token '#cc'"),
        ("(new x.$.a (null))", 1, 6, "a variable without a lens"),
        ("(new 1 (null))", 1, 6, "expected a variable"),
        ("(fold #cc.$.[0] i (null))", 1, 7, "expected an iterable"),
        ("(fold $s.$.a i (null))", 1, 8, "a canon name should be non empty"),
        ("(fold $ss.$.a i (null))", 1, 7, "expected an iterable"),
        ("(fold [] $i (null))", 1, 10, "expected an iterator name"),
        ("(fold [] i (null) (null) (null))", 1, 26, "expected ')' closing fold"),
        ("(next $i)", 1, 7, "expected an iterator name"),
        ("(fail %last_error%.$.message)", 1, 7, "unexpected token '%last_error%.$.message'"),
        ("(fail :error:.$.message)", 1, 7, "unexpected token ':error:.$.message'"),
        ("(fail #cc)", 1, 7, "unexpected token '#cc'"),
        ("(fail $s)", 1, 7, "unexpected token '$s'"),
        ('(fail 1.5 "x")', 1, 7, "unexpected token '1.5'"),
        ("(fail 1 x)", 1, 9, "expected an error message"),
        ("(match $s 1 (null))", 1, 8, "expected a value"),
        ("(match [1] 1 (null))", 1, 9, "expected ']'"),
    ],
)
def test_rejections_point_at_the_offending_token(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ParseError) as error:
        parse(text)
    assert not isinstance(error.value, ValidationError)
    assert (error.value.line, error.value.column) == (line, column), error.value
    assert message in error.value.message


# Scripts whose fate was checked against AquaVM 0.62 (`node oracle.mjs`): True = parses and validates.
ORACLE_VERDICTS = [
    ("(new x%y (null))", True),
    ("(ap 1 é)", True),
    ("(ap 1 -relay-)", True),
    ("(ap 1 +x)", True),
    ("(ap 1 --)", True),
    ("(ap 1 -)", False),
    ('(ap "a"x)', True),
    ('(ap "a;b" x)', True),
    ("(ap [ ] x)", True),
    ("(ap 1. x)", True),
    ("(ap 00012 x)", True),
    ("(ap 100000000.5 x)", True),
    ("(ap 1000000000.5 x)", False),
    ("(ap 9223372036854775807 x)", True),
    ("(ap 9223372036854775808 x)", False),
    ("(ap 1e3 x)", False),
    ("(ap :error:.length x)", True),
    ("(ap %last_error%.$.a!.b x)", True),
    ("(seq (ap 1 x) (ap x.$.a!.b y))", False),
    ("(seq (ap 1 x) (ap x.$.a.b! y))", True),
    ("(seq (ap 1 x) (ap x.$.[-1] z))", False),  # `-1` is a scalar name, and undefined
    ("(seq (ap 1 $s) (seq (canon %init_peer_id% $s #c) (ap #c.length x)))", False),
    ("(seq (ap 1 $s) (seq (canon %init_peer_id% $s #cc) (ap #cc.length x)))", True),
    ("(seq (ap 1 $s) (seq (canon %init_peer_id% $s #$c) (ap #$c.length x)))", True),
    ("(seq (ap (1 2) %m) (seq (canon %init_peer_id% %m #%m) (ap #%m x)))", False),
    ('(seq (ap (1 2) %m) (seq (canon %init_peer_id% %m #%m) (call %init_peer_id% ("s" "f") [#%m])))', True),
    ('(seq (ap 1 $s) (seq (canon "p" $s #cc) (call #cc ("s" "f") [])))', False),
    ('(seq (ap 1 $s) (seq (canon "p" $s #cc) (call #cc.$.[0] ("s" "f") [])))', True),
    ('(seq (ap 1 $s) (seq (canon "p" $s #cc) (fold #cc i (null))))', True),
    ('(seq (ap 1 $s) (seq (canon "p" $s #cc) (fold #cc.$.[0] i (null))))', False),
    ("(fold [] i (new $i (null)))", True),
    ('(call "a" ("s" "f") [])', True),
    ('(call "a" (%init_peer_id% "f") [])', False),
]


@pytest.mark.parametrize(("text", "accepted"), ORACLE_VERDICTS)
def test_agrees_with_aquavm(text: str, accepted: bool) -> None:
    if accepted:
        parse(text)
    else:
        with pytest.raises(ParseError):
            parse(text)


def nested(depth: int) -> str:
    return "(seq (null) " * (depth - 1) + "(null)" + ")" * (depth - 1)


def test_deep_nesting_is_bounded_with_a_parse_error() -> None:
    assert isinstance(parse(nested(MAX_DEPTH)), ast.Seq)
    with pytest.raises(ParseError) as error:
        parse(nested(MAX_DEPTH + 1))
    assert (error.value.column, error.value.message) == (
        12 * (MAX_DEPTH - 1) + 6,  # the `(null)` inside the 400th seq
        f"instructions nest deeper than {MAX_DEPTH} levels",
    )
