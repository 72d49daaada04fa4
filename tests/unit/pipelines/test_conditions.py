from __future__ import annotations

import re

import pytest

from conveyor.pipelines.spec.conditions import ConditionError, Context, parse_condition

PASSED = Context(
    success=True, failure=False, matrix={"os": "Linux", "py": "3.12", "beta": "false"}, ref="release/2.0"
)
FAILED = Context(success=False, failure=True, matrix={"os": "mac"}, env={"DEPLOY": "yes"}, event="push")
CANCELLED = Context(success=False, failure=False, cancelled=True)


@pytest.mark.parametrize(
    ("condition", "passed", "failed", "cancelled"),
    [
        ("success()", True, False, False),
        ("${{ failure() }}", False, True, False),
        ("always()", True, True, True),
        ("always", True, True, True),  # the bare words older definitions stored
        ("failure", False, True, False),
        ("cancelled()", False, False, True),
        ("!cancelled()", True, True, False),
        ("matrix.os == 'linux'", True, False, False),  # implicit success() &&, case-insensitive text
        ("failure() && matrix.os == 'mac'", False, True, False),
        ("always() && matrix.os != 'mac'", True, False, True),
        ("matrix.py == 3.12", True, False, False),
        ("matrix.py >= 3.11 && matrix.py < 4", True, False, False),
        ("matrix.os > 'KERNEL'", True, False, False),  # text order, ignoring case
        ("matrix.os <= 2", False, False, False),  # 'Linux' is not a number
        ("matrix.py != '3.12'", False, False, False),
        ("startsWith(conveyor.ref, 'release/')", True, False, False),
        ("contains(conveyor.ref, '2.0') || failure()", True, True, False),
        ("failure() && env.DEPLOY == 'yes' && conveyor.event == 'push'", False, True, False),
        ("(success() || failure()) && !(matrix.os == 'mac')", True, False, False),
        ("matrix.missing", False, False, False),
        ("matrix.beta", False, False, False),  # a YAML false in the matrix is false, as in GitHub
        ("!matrix.beta && matrix.beta == false", True, False, False),
        ("true", True, False, False),
        ("'it''s' == 'IT''S'", True, False, False),
    ],
)
def test_conditions_evaluate_as_in_github_actions(
    condition: str, passed: bool, failed: bool, cancelled: bool
) -> None:
    parsed = parse_condition(condition)
    assert [parsed.evaluate(c) for c in (PASSED, FAILED, CANCELLED)] == [passed, failed, cancelled]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("", "an empty condition"),
        ("sometimes", "unknown name 'sometimes'"),
        ("secrets.TOKEN == 'x'", "unknown value secrets.TOKEN"),
        ("conveyor.sha", "unknown value conveyor.sha"),
        ("success(1)", "unknown function success() with 1 argument(s)"),
        ("format('{0}', 1)", "unknown function format()"),
        ("success() &&", "the condition ends where a value was expected"),
        ("(failure()", "expected ')', found the end"),
        ("failure() failure()", "unexpected 'failure'"),
        ("matrix.os = 'x'", "cannot read the condition at \"= 'x'\""),
        ("x" * 1001, "at most 1000 characters"),
    ],
)
def test_bad_conditions_say_what_is_wrong(condition: str, message: str) -> None:
    with pytest.raises(ConditionError, match=re.escape(message)):
        parse_condition(condition)


def test_references_are_collected_for_validation() -> None:
    parsed = parse_condition("matrix.os == 'linux' && env.X && conveyor.ref")
    assert parsed.references == {("matrix", "os"), ("env", "X"), ("conveyor", "ref")}
    assert not parsed.checks_status and parse_condition("!cancelled()").checks_status


def test_not_binds_tighter_than_comparisons_as_in_github() -> None:
    not_first = ("==", ("not", ("ref", "matrix", "a")), ("lit", "x"))
    assert parse_condition("!matrix.a == 'x'").tree == not_first
    assert parse_condition("!(matrix.a == 'x')").tree == ("not", ("==", ("ref", "matrix", "a"), ("lit", "x")))
