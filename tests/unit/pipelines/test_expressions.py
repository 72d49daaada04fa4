from __future__ import annotations

import re
from pathlib import Path

import pytest

from conveyor.pipelines.spec.expressions import (
    Context,
    ExpressionError,
    hash_files,
    interpolate,
    parse_condition,
    parse_expression,
)

PASSED = Context(
    success=True,
    failure=False,
    matrix={"os": "Linux", "py": "3.12", "beta": "false"},
    conveyor={"ref": "release/2.0"},
)
FAILED = Context(
    success=False,
    failure=True,
    matrix={"os": "mac"},
    env={"DEPLOY": "yes"},
    conveyor={"event": "push"},
)
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
        ("gitlab.sha", "unknown name 'gitlab'; contexts: matrix, env, secrets"),
        ("success(1)", "unknown function success() with 1 argument(s)"),
        ("format()", "unknown function format() with 0 argument(s)"),
        ("toJSON(1, 2)", "unknown function toJSON() with 2 argument(s)"),
        ("matrix.", "the expression ends where a name was expected"),
        ("needs.a.outputs[1", "expected ']', found the end"),
        ("success() &&", "the expression ends where a value was expected"),
        ("(failure()", "expected ')', found the end"),
        ("failure() failure()", "unexpected 'failure'"),
        ("matrix.os = 'x'", "cannot read the expression at \"= 'x'\""),
        ("x" * 1001, "at most 1000 characters"),
    ],
)
def test_bad_conditions_say_what_is_wrong(condition: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse_condition(condition)


def test_references_are_collected_for_validation() -> None:
    parsed = parse_condition("matrix.os == 'linux' && env.X && conveyor.ref")
    assert parsed.references == {("matrix", "os"), ("env", "X"), ("conveyor", "ref")}
    assert not parsed.checks_status and parse_condition("!cancelled()").checks_status


def test_not_binds_tighter_than_comparisons_as_in_github() -> None:
    not_first = ("==", ("not", ("ref", "matrix", "a")), ("lit", "x"))
    assert parse_condition("!matrix.a == 'x'").tree == not_first
    assert parse_condition("!(matrix.a == 'x')").tree == ("not", ("==", ("ref", "matrix", "a"), ("lit", "x")))


CONTEXT = Context(
    matrix={"os": "linux"},
    env={"STAGE": "prod"},
    secrets={"TOKEN": "s3cret"},
    needs={"build": {"result": "success", "outputs": {"version": "1.2", "list": '["a", "b"]'}}},
    steps={"meta": {"outputs": {"tag": "v1", "my-name": "x"}, "outcome": "success"}},
    conveyor={"ref": "main", "run_number": 7.0, "actor": "ada"},
)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("v${{ needs.build.outputs.version }}-${{ conveyor.run_number }}", "v1.2-7"),
        ("${{ steps.meta.outputs.tag }} ${{ steps.meta.outputs['my-name'] }}", "v1 x"),
        ("${{ format('{0}/{1} {{literal}}', conveyor.actor, env.STAGE) }}", "ada/prod {literal}"),
        ("${{ join(fromJSON(needs.build.outputs.list), '+') }}", "a+b"),
        ("${{ fromJSON(needs.build.outputs.list)[1] }}", "b"),
        ('${{ fromJSON(\'{"a": {"b": 3}}\').a.b }}', "3"),
        ("${{ toJSON(matrix) }}", '{\n  "os": "linux"\n}'),
        ("${{ contains(fromJSON(needs.build.outputs.list), 'A') }}", "true"),
        ("${{ secrets.TOKEN }}${{ secrets.MISSING }}${{ needs.other.outputs.x }}", "s3cret"),
        ("${{ startsWith(conveyor.ref, 'ma') && 'yes' || 'no' }}", "yes"),
        ("no expression", "no expression"),
    ],
)
def test_templates_fill_every_context_and_function(template: str, expected: str) -> None:
    assert interpolate(template, CONTEXT) == expected


def test_one_evaluator_for_conditions_and_templates() -> None:
    assert parse_condition("steps.meta.outcome == 'success' && needs.build.result == 'success'").evaluate(
        CONTEXT
    )
    assert not parse_condition("needs.build.outputs.version == '2'").evaluate(CONTEXT)
    assert parse_expression("needs.build.outputs.version").references == {
        ("needs", "build", "outputs", "version")
    }


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("${{ fromJSON('not json') }}", "fromJSON(): not JSON"),
        ("${{ format('{1}', 'a') }}", "format(): {1} has no argument"),
        ("${{ hashFiles('*.txt') }}", "hashFiles() needs the job's workspace"),
    ],
)
def test_evaluation_errors_say_what_is_wrong(template: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        interpolate(template, CONTEXT)


def test_hash_files_hashes_matching_files_inside_the_workspace_only(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "requirements.txt").write_text("flask\n")
    (tmp_path / "requirements-dev.txt").write_text("pytest\n")
    first = hash_files(tmp_path, ["**/requirements*.txt"])
    assert len(first) == 64 and hash_files(tmp_path, ["nothing*"]) == ""
    (tmp_path / "requirements-dev.txt").write_text("pytest\nruff\n")
    assert hash_files(tmp_path, ["**/requirements*.txt"]) != first
    (tmp_path / "outside.txt").symlink_to("/etc/hostname")
    assert hash_files(tmp_path, ["outside.txt"]) == ""
    with pytest.raises(ExpressionError, match="reaches outside the workspace"):
        hash_files(tmp_path, ["../*"])
    assert interpolate("${{ hashFiles('a/*') }}", Context(workspace=tmp_path)) == hash_files(
        tmp_path, ["a/*"]
    )
