"""Whatever text arrives in a particle, parsing ends in a tree or a ParseError, never another exception.

Inputs are random text over AIR's alphabet and structural mutations (drop, duplicate, swap, replace
tokens) of valid scripts, which reach much deeper into the parser and validator than random text.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cloudless_runtime.air.syntax import ParseError, instruction_text, parse

from .scripts import SMOKE_SCRIPTS

EXTRA_SCRIPTS = [
    '(seq (ap ("k" 1) %m) (seq (canon "p" %m #%m) (fold #%m.$.k i (seq (ap i $s) (next i)) (null))))',
    '(seq (ap 1 $s) (fold $s i (xor (match i 1 (fail 1 "x")) (next i))))',
    '(new $s (seq (call "p" ("s" "f") [] x) (seq (canon x.$.[0] $s #$s) (fail #$s.$.[0]))))',
    "(xor (mismatch %timestamp% %ttl% (never)) (fail :error:))",
]
SCRIPTS = [*SMOKE_SCRIPTS.values(), *EXTRA_SCRIPTS]
TOKEN = re.compile(r'"[^"]*"|[()\[\]]|[^\s()\[\]]+')
ATOMS = [
    "(",
    ")",
    "[",
    "]",
    "(null)",
    "(next i)",
    "x",
    "i",
    "$s",
    "%m",
    "#c",
    "#cc",
    "#%m",
    "x.$.[i]!",
    "#cc.length",
    "1",
    "-1.5",
    '"s"',
    "%last_error%",
    ":error:.$.message",
    "seq",
    "fold",
    "call",
    "ap",
    "new",
    ".",
    "!",
    ";",
    '"',
]
ALPHABET = st.sampled_from('()[]"; \n\t.$#%!:-_+0123456789abcdeilnpqrsx')


def outcome(text: str) -> None:
    try:
        tree = parse(text)
    except ParseError as error:
        assert error.line >= 1 and error.column >= 1
        assert str(error).startswith(f"line {error.line}, column {error.column}: ")
    else:
        assert instruction_text(tree)  # every tree the parser returns can be rendered


@settings(max_examples=500, deadline=None)
@given(st.text(ALPHABET, max_size=80) | st.text(max_size=40))
def test_random_text(text: str) -> None:
    outcome(text)


@st.composite
def mutated_scripts(draw: st.DrawFn) -> str:
    tokens = TOKEN.findall(draw(st.sampled_from(SCRIPTS)))
    for _ in range(draw(st.integers(1, 4))):
        if not tokens:
            break
        k = draw(st.integers(0, len(tokens) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "replace"]))
        if action == "drop":
            del tokens[k]
        elif action == "duplicate":
            tokens.insert(k, tokens[k])
        elif action == "swap":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[k], tokens[j] = tokens[j], tokens[k]
        else:
            tokens[k] = draw(st.sampled_from(ATOMS))
    return " ".join(tokens)


@settings(max_examples=1000, deadline=None)
@given(mutated_scripts())
def test_mutated_scripts(text: str) -> None:
    outcome(text)


def test_the_unmutated_scripts_are_valid() -> None:
    for script in SCRIPTS:
        parse(script)
