"""Execution errors classified by what `xor` may do with them, each with AquaVM's stable code.

Codes are "range start + position of the variant in AquaVM's enum" (catchable 10000.., uncatchable
20000..), so hosts and tests compare numbers, never message text.
"""

from __future__ import annotations

from typing import Any, Final

import orjson

LOCAL_SERVICE_ERROR: Final = 10000
MATCH_VALUES_NOT_EQUAL: Final = 10001
MISMATCH_VALUES_EQUAL: Final = 10002
VARIABLE_NOT_FOUND: Final = 10003
INCOMPATIBLE_TYPE: Final = 10004
FOLD_OVER_NON_ARRAY: Final = 10005
USER_ERROR: Final = 10006
LAMBDA_ERROR: Final = 10007
INVALID_ERROR_OBJECT: Final = 10008
NOT_INITIALIZED_AFTER_NEW: Final = 10009
LENGTH_OF_NON_ARRAY: Final = 10010
NON_STRING_TRIPLET: Final = 10011
STREAM_MAP_ERROR: Final = 10012

TRACE_ERROR: Final = 20000
GENERATION_COMPACTIFICATION: Final = 20001
FOLD_STATE_NOT_FOUND: Final = 20003
ITERABLE_SHADOWING: Final = 20004
MULTIPLE_ITERABLE_VALUES: Final = 20005
CALL_RESULT_NOT_CORRESPOND: Final = 20006
SHADOWING_NOT_ALLOWED: Final = 20007
SCALARS_STATE_CORRUPTED: Final = 20008
VALUE_FOR_CID_NOT_FOUND: Final = 20010
MALFORMED_CALL_SERVICE_FAILED: Final = 20012
STREAM_SIZE_LIMIT: Final = 20013
STREAM_MAP_KEY_ERROR: Final = 20014
CANON_STREAM_MAP_ERROR: Final = 20016
PARAMETERS_MISMATCH: Final = 20017


def json_text(value: Any) -> str:
    """serde_json's compact rendering, as AquaVM embeds values in messages."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


class ExecutionError(Exception):
    code: int

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class CatchableError(ExecutionError):
    """`xor` runs its right branch on these; they set `%last_error%` and `:error:`."""

    @property
    def joinable(self) -> bool:
        """An undefined variable means "wait", not "fail"."""
        return self.code == VARIABLE_NOT_FOUND

    @property
    def affects_last_error(self) -> bool:
        return self.code not in (MATCH_VALUES_NOT_EQUAL, MISMATCH_VALUES_EQUAL)


class UncatchableError(ExecutionError):
    """The run aborts; the peer keeps its previous data."""


def variable_not_found(name: str) -> CatchableError:
    return CatchableError(VARIABLE_NOT_FOUND, f"variable with name '{name}' wasn't defined during script execution")


def not_initialized_after_new(name: str) -> CatchableError:
    return CatchableError(
        NOT_INITIALIZED_AFTER_NEW, f"variable with name '{name}' was cleared by new and then wasn't set"
    )


def lambda_error(message: str) -> CatchableError:
    return CatchableError(LAMBDA_ERROR, message)


def shadowing(name: str) -> UncatchableError:
    return UncatchableError(
        SHADOWING_NOT_ALLOWED,
        f"trying to shadow variable '{name}', but shadowing is allowed only inside fold blocks",
    )


def trace_error(instruction: str, reason: str) -> UncatchableError:
    return UncatchableError(TRACE_ERROR, f"on instruction '{instruction}' trace handler encountered an error: {reason}")
