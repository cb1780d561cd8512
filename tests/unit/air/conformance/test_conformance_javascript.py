"""JSON as JavaScript prints it; expected strings are node's output for the same values."""

from __future__ import annotations

import pytest

from cloudless_runtime.air.conformance.javascript import sort_key, stringify, truthy, type_name


@pytest.mark.parametrize(
    ("value", "js"),
    [
        (1.0, "1"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (0.0000012, "0.0000012"),
        (1e20, "100000000000000000000"),
        (123456789012345680000.0, "123456789012345680000"),
        (1e21, "1e+21"),
        (1.2345e21, "1.2345e+21"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (-2.5e-10, "-2.5e-10"),
        (float("inf"), "null"),
        (2**64, "18446744073709551616"),
        (True, "true"),
        (None, "null"),
    ],
)
def test_numbers_and_constants(value: object, js: str) -> None:
    assert stringify(value) == js


def test_compact_with_js_key_order() -> None:
    value = {"b": 1, "10": 2, "2": [3.0, {}], "01": 4, "a": None, "4294967295": 6, "4294967294": 7}
    assert stringify(value) == '{"2":[3,{}],"10":2,"4294967294":7,"b":1,"01":4,"a":null,"4294967295":6}'


def test_string_escapes() -> None:
    assert stringify(['\u0001\n\t"\\é\u2028', "\ud800x"]) == '["\\u0001\\n\\t\\"\\\\é\u2028","\\ud800x"]'


def test_truthiness() -> None:
    assert [truthy(v) for v in (None, False, 0, 0.0, "", float("nan"))] == [False] * 6
    assert [truthy(v) for v in ([], {}, "0", -1, True)] == [True] * 5


def test_type_names_tell_bool_from_number() -> None:
    assert [type_name(v) for v in (None, True, 1, 1.5, "", [], {})] == [
        "null",
        "boolean",
        "number",
        "number",
        "string",
        "array",
        "object",
    ]


def test_sort_key_is_utf16() -> None:
    assert sorted(["\U0001f600", "\uff5e", "a"], key=sort_key) == ["a", "\U0001f600", "\uff5e"]
