"""AIR text to syntax tree: lexer, parser, static validation and canonical rendering."""

from cloudless_runtime.air.syntax.errors import ParseError, ValidationError
from cloudless_runtime.air.syntax.parser import parse
from cloudless_runtime.air.syntax.render import instruction_text

__all__ = ["ParseError", "ValidationError", "instruction_text", "parse"]
