"""AIR text to tokens, following AquaVM's lexer (`air_lexer.rs`, `call_variable_parser.rs`) to the letter.

AquaVM decides what a token *is* with a character-by-character state machine that has odd corners
(`x%y` is a canon map, `1abc` a scalar, `#c.length` an error, `!` only as a lens's last character,
byte offsets in its rules). Accepting exactly what it accepts matters more than elegance, so the
state machine is ported as is (`_classify_slowly`). It is slow in Python, so the shapes real
scripts use (plain names, integers, short floats, names with a lens) are recognised first by
precompiled regexes whose verdicts agree with the state machine; the tests check that agreement.

Where AquaVM relies on Rust's Unicode predicates, Python's are used: `str.isalnum` misses the
combining marks Rust counts as alphabetic, so such names are refused here (AIR produced by Aqua is
ASCII).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import NamedTuple

from cloudless_runtime.air.syntax import ast
from cloudless_runtime.air.syntax.errors import ParseError


class Kind(enum.Enum):
    LPAREN = "("
    RPAREN = ")"
    LBRACKET = "["
    RBRACKET = "]"
    STRING = "string literal"
    INT = "integer"
    FLOAT = "float"
    BOOL = "boolean"
    KEYWORD = "keyword"
    INIT_PEER_ID = "%init_peer_id%"
    TIMESTAMP = "%timestamp%"
    TTL = "%ttl%"
    LAST_ERROR = "%last_error%"
    ERROR = ":error:"
    SCALAR = "scalar"
    STREAM = "stream"
    STREAM_MAP = "stream map"
    CANON = "canon stream"
    CANON_MAP = "canon stream map"
    EOF = "end of input"


class Token(NamedTuple):
    """One token; `name` is the keyword, the literal's text or the variable with its sigils."""

    kind: Kind
    start: int
    end: int
    text: str
    name: str = ""
    lens: ast.Lambda | None = None
    number: int | float = 0


KEYWORDS = frozenset(
    {
        "call",
        "canon",
        "ap",
        "seq",
        "par",
        "xor",
        "new",
        "fold",
        "next",
        "match",
        "mismatch",
        "fail",
        "null",
        "never",
    }
)
_SPECIALS = {
    "%init_peer_id%": Kind.INIT_PEER_ID,
    "%timestamp%": Kind.TIMESTAMP,
    "%ttl%": Kind.TTL,
}
_ERROR_PREFIXES = ((":error:", Kind.ERROR), ("%last_error%", Kind.LAST_ERROR))

# Rust's `char::is_whitespace` (Unicode White_Space); Python's `\s` also matches U+001C..U+001F.
_WS = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SKIP = re.compile(rf"(?:[{_WS}]+|;[^\n]*)+")
# A word after its first character: anything but whitespace and brackets, plus bracket pairs
# without nesting. If it stops in front of `(` or `[`, the exact bracket-counting scan decides.
_WORD_REST = re.compile(rf"(?:[^{_WS}()\[\]]+|\[[^{_WS}()\[\]]*\]|\([^{_WS}()\[\]]*\))+")
_IS_WS = re.compile(rf"[{_WS}]")

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?[0-9]+\.[0-9]*")
_NAME_FAST = re.compile(r"(#[$%]?|[$%])?(?(1)[A-Za-z0-9_-]+|(?:[A-Za-z_]|-[A-Za-z_-])[A-Za-z0-9_-]*)")
_ACCESSOR = re.compile(r"(?:\.?\[(?:([0-9]+)|((?![0-9])[\w-]+))\]|\.((?![0-9])[\w-]+))!?")

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_U32_MAX = 2**32 - 1
_MAX_FLOAT_LEN = 11  # AquaVM's determinism guard: a float token has at most 11 bytes
_LENS_PUNCTUATION = frozenset("$@[]():?.*,\"'")

_SIGIL_KINDS = {
    "": Kind.SCALAR,
    "$": Kind.STREAM,
    "%": Kind.STREAM_MAP,
    "#": Kind.CANON,
    "#$": Kind.CANON,
    "#%": Kind.CANON_MAP,
}


def tokenize(text: str) -> list[Token]:
    """All tokens of `text`, ending with an EOF token."""
    tokens: list[Token] = []
    append = tokens.append
    skip = _SKIP.match
    word_rest = _WORD_REST.match
    pos = 0
    n = len(text)
    while True:
        blank = skip(text, pos)
        if blank is not None:
            pos = blank.end()
        if pos >= n:
            break
        ch = text[pos]
        if ch == "(":
            append(Token(Kind.LPAREN, pos, pos + 1, ch))
            pos += 1
        elif ch == ")":
            append(Token(Kind.RPAREN, pos, pos + 1, ch))
            pos += 1
        elif ch == "[":
            append(Token(Kind.LBRACKET, pos, pos + 1, ch))
            pos += 1
        elif ch == "]":
            append(Token(Kind.RBRACKET, pos, pos + 1, ch))
            pos += 1
        elif ch == '"':
            end = text.find('"', pos + 1)
            if end < 0:
                raise ParseError.at(text, pos, "this string literal has unclosed quote")
            append(Token(Kind.STRING, pos, end + 1, text[pos : end + 1], text[pos + 1 : end]))
            pos = end + 1
        else:
            rest = word_rest(text, pos + 1)
            end = pos + 1 if rest is None else rest.end()
            if end < n and text[end] in "([":
                end = _word_end(text, pos + 1)
            append(classify(text[pos:end], pos, text))
            pos = end
    append(Token(Kind.EOF, n, n, ""))
    return tokens


def _word_end(text: str, pos: int) -> int:
    """AquaVM's `advance_to_token_end`: stop at whitespace or at an unbalanced `)` or `]`."""
    rounds = squares = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == "(":
            rounds += 1
        elif ch == ")":
            rounds -= 1
        elif ch == "[":
            squares += 1
        elif ch == "]":
            squares -= 1
        if rounds < 0 or squares < 0 or _IS_WS.match(ch):
            break
        pos += 1
    return pos


def classify(word: str, start: int, text: str) -> Token:
    """The token for one word (anything but a bracket or a string literal) found at `start`."""
    if word in KEYWORDS:
        return Token(Kind.KEYWORD, start, start + len(word), word, word)
    kind = _SPECIALS.get(word)
    if kind is not None:
        return Token(kind, start, start + len(word), word)
    if word in ("true", "false"):
        return Token(Kind.BOOL, start, start + len(word), word, word)
    for prefix, kind in _ERROR_PREFIXES:
        if word.startswith(prefix):
            lens = None
            if len(word) > len(prefix):
                lens = parse_lens(word[len(prefix) :], start + len(prefix), text)
            return Token(kind, start, start + len(word), word, prefix, lens)
    dot = word.find(".")
    name = word if dot < 0 else word[:dot]
    fast = _NAME_FAST.fullmatch(name)
    if fast is not None and (dot < 0 or dot > 2 or fast.group(1) is None):
        lens = None
        if dot >= 0:
            if "!" in word[dot:-1]:
                return _classify_slowly(word, start, text)  # raises: `!` must be the last character
            lens = parse_lens(word[dot:], start + dot, text)
        return Token(_SIGIL_KINDS[fast.group(1) or ""], start, start + len(word), word, name, lens)
    if _INT.fullmatch(word):
        return _integer(word, start, text)
    if _FLOAT.fullmatch(word) and len(word) <= _MAX_FLOAT_LEN:
        return Token(Kind.FLOAT, start, start + len(word), word, number=float(word))
    return _classify_slowly(word, start, text)


def _integer(word: str, start: int, text: str) -> Token:
    value = int(word)
    if not _I64_MIN <= value <= _I64_MAX:
        raise ParseError.at(text, start, "number too large to fit in target type")
    return Token(Kind.INT, start, start + len(word), word, number=value)


def _is_alphanumeric(ch: str) -> bool:
    return ch.isalnum() or ch in "_-"


def _is_numeric(ch: str) -> bool:
    """Rust's `char::is_numeric`: general category Nd, Nl or No."""
    return ch.isdigit() or unicodedata.category(ch) in ("Nd", "Nl", "No")


class _Tag(enum.Enum):
    """The sigils met so far (`MetTag`); the values are the sigils themselves."""

    NONE = ""
    STREAM = "$"
    STREAM_MAP = "%"
    CANON = "#"
    CANON_STREAM = "#$"
    CANON_MAP = "#%"


_TAG_KINDS = {tag: _SIGIL_KINDS[tag.value] for tag in _Tag}
_TAGS = {"$": _Tag.STREAM, "%": _Tag.STREAM_MAP, "#": _Tag.CANON}


def _classify_slowly(word: str, start: int, text: str) -> Token:
    """A port of `CallVariableParser`: a number, or a variable with an optional lens."""
    size = len(word.encode())
    first_dot = -1  # character index of the first dot
    non_numeric = False
    digit_met = False
    tag = _Tag.NONE
    offset = 0  # byte offset of `ch`, as AquaVM's rules count
    for index, ch in enumerate(word):
        here = start + index
        if not non_numeric:
            if index == 0 and ch in "+-":
                pass
            elif _is_numeric(ch):
                digit_met = True
            elif ch == "." and first_dot < 0:
                if offset == 0 or not digit_met:
                    raise ParseError.at(text, here, "leading dot without any symbols before")
                first_dot = index
            elif first_dot >= 0:
                raise ParseError.at(text, here, "a digit could contain only digits or one dot")
            else:
                non_numeric = True
        if non_numeric:
            deduced = _Tag.CANON_MAP if ch == "%" else tag
            if ch == "$" and tag is _Tag.CANON:
                deduced = _Tag.CANON_STREAM
            if offset == 1 and deduced in (_Tag.CANON_STREAM, _Tag.CANON_MAP):
                if size == 2:
                    raise ParseError.at(text, here, "a canon name should be non empty")
                tag = deduced
            elif offset == 0 and ch in _TAGS:
                if size == 1:
                    raise ParseError.at(text, here, "a tagged name should be non empty")
                tag = _TAGS[ch]
            elif first_dot < 0 and ch == ".":
                if tag is not _Tag.NONE and offset <= 2:
                    raise ParseError.at(text, here - 1, "a canon name should be non empty")
                first_dot = index
            elif first_dot >= 0:
                if not (_is_alphanumeric(ch) or ch in _LENS_PUNCTUATION or (ch == "!" and offset == size - 1)):
                    raise ParseError.at(text, here, "invalid character in lambda")
            elif not _is_alphanumeric(ch):
                raise ParseError.at(
                    text, here, "only alphanumeric, '_', and '-' characters are allowed in this position"
                )
        offset += len(ch.encode())
    end = start + len(word)
    if not non_numeric:
        if first_dot < 0:
            if not _INT.fullmatch(word):
                raise ParseError.at(text, start, f"invalid integer {word!r}")
            return _integer(word, start, text)
        if size > _MAX_FLOAT_LEN:
            raise ParseError.at(text, start, "this float is too big, a float could contain less than 12 digits")
        if not _FLOAT.fullmatch(word):
            raise ParseError.at(text, start, f"invalid float literal {word!r}")
        return Token(Kind.FLOAT, start, end, word, number=float(word))
    if first_dot < 0:
        return Token(_TAG_KINDS[tag], start, end, word, word)
    lens = parse_lens(word[first_dot:], start + first_dot, text)
    return Token(_TAG_KINDS[tag], start, end, word, word[:first_dot], lens)


def parse_lens(lens: str, start: int, text: str) -> ast.Lambda:
    """A port of AquaVM's lambda parser: `.length`, or `.$` and one or more accessors."""
    if lens == ".length":
        return ast.Length()
    if not lens.startswith(".$"):
        raise ParseError.at(text, start, f"invalid lambda {lens!r}: expected '.$' or '.length'")
    accessors: list[ast.Accessor] = []
    pos = 2
    n = len(lens)
    match = _ACCESSOR.match
    while pos < n:
        m = match(lens, pos)
        if m is None:
            raise ParseError.at(text, start + pos, f"invalid lambda {lens!r}: unexpected symbol for value accessor")
        index, scalar, field = m.groups()
        if field is not None:
            accessors.append(ast.FieldAccessor(field))
        elif scalar is not None:
            accessors.append(ast.ScalarAccessor(scalar))
        else:
            value = int(index)
            if value > _U32_MAX:
                raise ParseError.at(text, start + pos, f"array index {index} is too large")
            accessors.append(ast.IndexAccessor(value))
        pos = m.end()
    if not accessors:
        raise ParseError.at(text, start, "provided lambda expression doesn't contain any accessor")
    return ast.Lens(tuple(accessors))
