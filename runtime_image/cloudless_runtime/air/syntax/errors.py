"""Why a script was refused, and where.

AquaVM answers any lexical, grammatical or static-validation failure with ret_code 1 and nothing
executed, so a single exception family suffices. Positions are 1-based line and column (counted in
characters) because the message is meant for whoever wrote the script; `ValidationError` is kept
apart so callers and tests can tell "not AIR" from "AIR that AquaVM's validator refuses".
"""

from __future__ import annotations

from typing import Self


class ParseError(Exception):
    """The script is not valid AIR."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.message = message
        self.line = line
        self.column = column

    @classmethod
    def at(cls, text: str, offset: int, message: str) -> Self:
        """The error at character `offset` of `text`."""
        line = text.count("\n", 0, offset) + 1
        column = offset - text.rfind("\n", 0, offset)
        return cls(message, line, column)


class ValidationError(ParseError):
    """The script parses but fails AquaVM's static checks (`validator.rs`)."""
