"""AquaVM's static checks; every verdict here was checked against AquaVM 0.62 (`node oracle.mjs`)."""

from __future__ import annotations

import pytest

from cloudless_runtime.air.syntax import ParseError, ValidationError, parse

AP_S = "(ap 1 $s)"


def refused(text: str) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        parse(text)
    return error.value


def test_validation_errors_are_parse_errors() -> None:
    assert issubclass(ValidationError, ParseError)


def test_undefined_variable_points_at_the_using_instruction() -> None:
    error = refused('(seq\n  (null)\n  (call "p" ("s" "f") [x]))')
    assert (error.line, error.column, error.message) == (3, 3, "variable 'x' wasn't defined")


@pytest.mark.parametrize(
    "definition",
    [
        '(call "p" ("s" "f") [] x)',
        "(ap 1 x)",
        '(canon "p" %m x)',
        "(new x (null))",
        "(fold [] x (null))",  # an iterator stays "defined" after its fold, as in AquaVM
    ],
)
def test_scalar_definitions(definition: str) -> None:
    parse(f"(seq {definition} (ap x y))")


@pytest.mark.parametrize(
    ("definition", "use"),
    [
        ('(call "p" ("s" "f") [] $s)', "(fold $s i (null))"),
        (AP_S, "(fold $s i (null))"),
        ('(canon "p" $s #c)', '(call "p" ("s" "f") [#c])'),
        ('(canon "p" %m #%m)', "(fold #%m i (null))"),
        ('(ap ("k" 1) %m)', "(fold %m i (null))"),
        ("(new #c (null))", '(call "p" ("s" "f") [#c])'),
    ],
)
def test_other_definitions(definition: str, use: str) -> None:
    parse(f"(seq {definition} {use})")


def test_a_call_cannot_use_its_own_output() -> None:
    assert refused('(call "p" ("s" "f") [x] x)').message == "variable 'x' wasn't defined"


def test_text_order_counts_even_across_par() -> None:
    parse("(par (ap 1 x) (ap x z))")
    assert refused("(par (ap x z) (ap 1 x))").column == 6


@pytest.mark.parametrize(
    "text",
    [
        '(call x ("s" "f") [])',
        '(call "p" (x "f") [])',
        '(call "p" ("s" x) [])',
        '(call "p" ("s" "f") [x])',
        "(match x 1 (null))",
        "(mismatch 1 x (null))",
        "(ap x y)",
        "(ap (x 1) %m)",
        "(fold x i (null))",
        "(fold $s i (null))",
        "(fold %m i (null))",
    ],
)
def test_uses_that_must_be_defined(text: str) -> None:
    assert "wasn't defined" in refused(text).message


@pytest.mark.parametrize(
    "text",
    [
        "(canon x $s #c)",  # neither canon's peer...
        '(canon "p" $s #c)',  # ...nor its source stream
        '(ap ("k" y) %m)',  # an ap-map value is never checked
        "(fail y)",  # an undefined fail operand is a run-time error (10003)
        "(fail y.$.[q])",
        "(ap %last_error%.$.[y] z)",  # accessors inside error lenses are not checked
    ],
)
def test_positions_aquavm_does_not_check(text: str) -> None:
    parse(text)


def test_scalars_in_lens_accessors_must_be_defined() -> None:
    assert refused("(seq (ap 1 x) (ap x.$.[y] z))").message == "variable 'y' wasn't defined"
    parse("(seq (ap 1 x) (seq (ap 0 y) (ap x.$.[y] z)))")


def test_only_the_first_unresolved_use_of_a_name_is_judged() -> None:
    # AquaVM meets uses bottom-up and re-checks only the first one it could not resolve then.
    assert refused("(fold i i (null))").message == "variable 'i' wasn't defined"
    parse("(fold i i (ap i.$.[i] y))")


def test_next_must_be_inside_its_fold() -> None:
    assert refused("(next i)").message == "iterable 'i' wasn't defined"
    assert refused("(seq (fold [] i (null)) (next i))").column == 25
    parse("(fold [] i (next i))")


def test_only_the_first_next_of_a_name_is_checked_for_a_fold() -> None:
    parse("(seq (fold [] i (next i)) (next i))")
    assert refused("(seq (next i) (fold [] i (next i)))").column == 6


def test_one_next_per_fold() -> None:
    error = refused("(seq (ap 1 $s) (fold $s i (xor (next i) (next i))))")
    assert (error.column, error.message) == (
        41,
        "multiple next instructions for iterator 'i' found for one fold, that is prohibited",
    )
    parse("(seq (fold [] i (next i)) (fold [] i (next i)))")


def test_nested_folds_cannot_share_an_iterator() -> None:
    error = refused("(fold [] i (fold [] j (fold [] i (null))))")
    assert (error.column, error.message) == (23, "multiple iterable values found for iterator name 'i'")
    parse("(fold [] i (seq (fold [] j (null)) (fold [] j (null))))")


def test_new_cannot_target_an_iterator() -> None:
    error = refused("(fold [] i (new i (null)))")
    assert (error.column, error.message) == (12, "new can't be applied to a 'i' because it's an iterator")
    parse("(fold [] i (new $i (null)))")


def test_fail_with_code_zero() -> None:
    error = refused('(seq (null) (fail 0 "x"))')
    assert (error.column, error.message) == (13, "error code 0 with fail is unsupported")
    parse('(fail 1 "x")')


@pytest.mark.parametrize(
    "text",
    [
        f"(seq {AP_S} (fold $s i (seq (next i) (null))))",
        f"(seq {AP_S} (fold $s i (par (next i) (null))))",
        f"(seq {AP_S} (fold $s i (seq (next i) (fold [] j (next j)))))",
        f"(seq {AP_S} (fold $s i (match 1 1 (seq (next i) (null)))))",
        "(seq (ap (1 2) %m) (fold %m i (seq (next i) (null))))",
    ],
)
def test_nothing_after_next_in_a_stream_fold(text: str) -> None:
    assert refused(text).message == "fold can not have instructions after next"


@pytest.mark.parametrize(
    "text",
    [
        "(fold [] i (seq (next i) (null)))",  # scalar folds may
        f"(seq {AP_S} (fold $s i (seq (null) (next i)) (null)))",
        f"(seq {AP_S} (fold $s i (xor (next i) (null))))",
        f"(seq {AP_S} (fold $s i (new x (seq (null) (next i)))))",
        f"(seq {AP_S} (fold $s i (seq (fold [] j (seq (next j) (null))) (next i))))",
    ],
)
def test_allowed_shapes_of_next(text: str) -> None:
    parse(text)


def test_after_next_suspicion_leaks_between_folds_with_the_same_iterator() -> None:
    # A scalar fold leaves `i` suspected; a later stream fold over `i` inherits it (AquaVM's quirk).
    error = refused('(seq (fold [] i (seq (next i) (null))) (seq (call "a" ("s" "f") [] $x) (fold $x i (null))))')
    assert (error.column, error.message) == (17, "fold can not have instructions after next")
