"""Tokens as AquaVM's lexer makes them, including its quirks, and where lexical errors point."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudless_runtime.air.syntax import ParseError, ast, lexer
from cloudless_runtime.air.syntax.lexer import Kind, Token, tokenize


def one(word: str) -> Token:
    tokens = tokenize(word)
    assert len(tokens) == 2, tokens
    assert tokens[1].kind is Kind.EOF
    return tokens[0]


def kinds(text: str) -> list[Kind]:
    return [token.kind for token in tokenize(text)]


def test_brackets_and_keywords() -> None:
    assert kinds("(seq [])") == [Kind.LPAREN, Kind.KEYWORD, Kind.LBRACKET, Kind.RBRACKET, Kind.RPAREN, Kind.EOF]


@pytest.mark.parametrize(
    "keyword",
    ["call", "canon", "ap", "seq", "par", "xor", "new", "fold", "next", "match", "mismatch", "fail", "null", "never"],
)
def test_keyword(keyword: str) -> None:
    assert one(keyword) == Token(Kind.KEYWORD, 0, len(keyword), keyword, keyword)


def test_string_literal_is_verbatim_without_escapes() -> None:
    token = one('"a (b) ;c \\"')
    assert (token.kind, token.name, token.end) == (Kind.STRING, "a (b) ;c \\", 12)


def test_adjacent_literals_are_two_tokens() -> None:
    assert [t.name for t in tokenize('"a""b"')[:2]] == ["a", "b"]


@pytest.mark.parametrize(
    ("word", "kind", "number"),
    [
        ("0", Kind.INT, 0),
        ("-7", Kind.INT, -7),
        ("+123", Kind.INT, 123),
        ("100000000000", Kind.INT, 100000000000),
        ("9223372036854775807", Kind.INT, 2**63 - 1),
        ("-9223372036854775808", Kind.INT, -(2**63)),
        ("1.25", Kind.FLOAT, 1.25),
        ("-1.5", Kind.FLOAT, -1.5),
        ("1.", Kind.FLOAT, 1.0),
        ("100000000.5", Kind.FLOAT, 100000000.5),  # 11 characters: the longest float allowed
    ],
)
def test_numbers(word: str, kind: Kind, number: float) -> None:
    token = one(word)
    assert (token.kind, token.number) == (kind, number)
    assert type(token.number) is (int if kind is Kind.INT else float)


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("9223372036854775808", "number too large"),
        ("1000000000.5", "float is too big"),
        ("-.5", "leading dot"),
        (".5", "leading dot"),
        ("1.2.3", "only digits or one dot"),
        ("1.5e3", "only digits or one dot"),
        ("-", "invalid integer"),
        ("٣", "invalid integer"),  # Unicode digits are numeric for Rust but not parsable
    ],
)
def test_bad_numbers(word: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        tokenize(word)


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("true", Kind.BOOL),
        ("false", Kind.BOOL),
        ("%init_peer_id%", Kind.INIT_PEER_ID),
        ("%timestamp%", Kind.TIMESTAMP),
        ("%ttl%", Kind.TTL),
        ("%last_error%", Kind.LAST_ERROR),
        (":error:", Kind.ERROR),
    ],
)
def test_constants(word: str, kind: Kind) -> None:
    token = one(word)
    assert (token.kind, token.lens) == (kind, None)


def test_error_values_take_a_lens() -> None:
    assert one("%last_error%.$.message").lens == ast.Lens((ast.FieldAccessor("message"),))
    assert one(":error:.$.error_code").lens == ast.Lens((ast.FieldAccessor("error_code"),))
    assert one(":error:.length").lens == ast.Length()


@pytest.mark.parametrize(
    ("word", "kind", "name"),
    [
        ("x", Kind.SCALAR, "x"),
        ("-relay-", Kind.SCALAR, "-relay-"),
        ("_x1", Kind.SCALAR, "_x1"),
        ("1abc", Kind.SCALAR, "1abc"),  # a digit then a letter: AquaVM falls back to a variable
        ("+x", Kind.SCALAR, "+x"),
        ("é", Kind.SCALAR, "é"),
        ("$s", Kind.STREAM, "$s"),
        ("%m", Kind.STREAM_MAP, "%m"),
        ("#c", Kind.CANON, "#c"),
        ("#$s", Kind.CANON, "#$s"),
        ("#%m", Kind.CANON_MAP, "#%m"),
        ("x%y", Kind.CANON_MAP, "x%y"),  # `%` at offset 1 makes any name a canon map
        ("$%y", Kind.CANON_MAP, "$%y"),
    ],
)
def test_variables(word: str, kind: Kind, name: str) -> None:
    token = one(word)
    assert (token.kind, token.name, token.lens) == (kind, name, None)


@pytest.mark.parametrize(
    ("word", "name", "lens"),
    [
        ("x.length", "x", ast.Length()),
        ("x.$.a", "x", ast.Lens((ast.FieldAccessor("a"),))),
        ("x.$.a.[0]!", "x", ast.Lens((ast.FieldAccessor("a"), ast.IndexAccessor(0)))),
        ("x.$[0][1]", "x", ast.Lens((ast.IndexAccessor(0), ast.IndexAccessor(1)))),
        ("x.$.a[0]", "x", ast.Lens((ast.FieldAccessor("a"), ast.IndexAccessor(0)))),
        ("x.$.[i]", "x", ast.Lens((ast.ScalarAccessor("i"),))),
        ("x.$[i]", "x", ast.Lens((ast.ScalarAccessor("i"),))),
        ("x.$.[-1]", "x", ast.Lens((ast.ScalarAccessor("-1"),))),  # `-1` is a name, not an index
        ("x.$.length", "x", ast.Lens((ast.FieldAccessor("length"),))),
        ("#cc.$.[0].path!", "#cc", ast.Lens((ast.IndexAccessor(0), ast.FieldAccessor("path")))),
        ("#$c.length", "#$c", ast.Length()),
        ("#%m.$.key", "#%m", ast.Lens((ast.FieldAccessor("key"),))),
    ],
)
def test_lenses(word: str, name: str, lens: ast.Lambda) -> None:
    token = one(word)
    assert (token.name, token.lens) == (name, lens)


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("#c.length", "a canon name should be non empty"),  # one-letter tagged names take no lens
        ("#c.$.[0]", "a canon name should be non empty"),
        ("$s.$.a", "a canon name should be non empty"),
        ("#$", "a canon name should be non empty"),
        ("$", "a tagged name should be non empty"),
        ("x.$", "doesn't contain any accessor"),
        ("x.$.a!.b", "invalid character in lambda"),  # `!` only as the last character
        ("x.$!", "unexpected symbol"),
        ("x.lengthx", "expected '.\\$' or '.length'"),
        ("x.$.0", "unexpected symbol"),
        ("x.$.[4294967296]", "too large"),
        ("x.$.a%", "lambda"),
        ("x!y", "only alphanumeric"),
        ("a$b", "only alphanumeric"),
    ],
)
def test_bad_variables(word: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        tokenize(word)


def test_error_lens_admits_flattening_anywhere() -> None:
    # `%last_error%` lenses skip the variable checks, so `!` mid-lens passes (as in AquaVM)
    assert one("%last_error%.$.a!.b").lens == ast.Lens((ast.FieldAccessor("a"), ast.FieldAccessor("b")))


def test_a_word_stops_at_an_unbalanced_bracket_only() -> None:
    tokens = tokenize("(ap x.$.[0]) y])")
    assert [t.text for t in tokens[:-1]] == ["(", "ap", "x.$.[0]", ")", "y", "]", ")"]


def test_comments_and_unicode_whitespace_are_skipped() -> None:
    tokens = tokenize("; header\n(null) ;trailing ( \u3000\n;\n")
    assert [t.text for t in tokens[:-1]] == ["(", "null", ")"]


def test_a_semicolon_inside_a_word_is_not_a_comment() -> None:
    with pytest.raises(ParseError, match="only alphanumeric"):
        tokenize("x;comment")


def test_positions_are_character_offsets() -> None:
    tokens = tokenize('("é" $s)')
    assert [(t.start, t.end) for t in tokens] == [(0, 1), (1, 4), (5, 7), (7, 8), (8, 8)]


def test_unclosed_quote_points_at_the_quote() -> None:
    with pytest.raises(ParseError) as error:
        tokenize('(seq\n  (call "peer) x')
    assert (error.value.line, error.value.column) == (2, 9)
    assert error.value.message == "this string literal has unclosed quote"
    assert str(error.value) == "line 2, column 9: this string literal has unclosed quote"


def test_bad_character_points_at_itself() -> None:
    with pytest.raises(ParseError) as error:
        tokenize("(null)\n (ap 1 é%x)")
    assert (error.value.line, error.value.column) == (2, 9)


WORD_CHARACTERS = "aZ_-09.$#%![]():!'\"é٣"


@settings(max_examples=400, deadline=None)
@given(st.text(WORD_CHARACTERS, min_size=1, max_size=12).filter(lambda w: w[0] not in '()[]"'))
def test_fast_paths_agree_with_aquavms_state_machine(word: str) -> None:
    """`classify` short-cuts common shapes; the ported state machine must give the same verdict."""

    def verdict(classify: Callable[[str, int, str], Token]) -> Token | None:
        try:
            return classify(word, 0, word)
        except ParseError:
            return None

    fast = verdict(lexer.classify)
    if fast is not None and fast.kind in (Kind.KEYWORD, Kind.BOOL):
        return
    if word.startswith((":error:", "%last_error%", "%init_peer_id%", "%timestamp%", "%ttl%")):
        return
    assert fast == verdict(lexer._classify_slowly)
