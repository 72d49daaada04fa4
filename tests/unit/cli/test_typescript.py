"""``conveyor typescript`` writes the dashboard's event and REST types; the committed REST types
are what openapi-typescript makes of the server's OpenAPI document today."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from conveyor.app import openapi_document
from conveyor.cli import app
from conveyor.cli.typescript import GeneratorMissing, render_rest
from conveyor.events.typescript import render
from tests.support.backends import unavailable

WEB_DIR = Path(__file__).parents[3] / "web"
GENERATED = WEB_DIR / "src" / "services" / "api.generated.ts"


@pytest.fixture(scope="module")
def rest_types() -> str:
    try:
        return render_rest(WEB_DIR)
    except GeneratorMissing as exc:
        unavailable("openapi-typescript", exc)
        raise


def test_committed_rest_types_are_up_to_date(rest_types: str) -> None:
    assert GENERATED.read_text() == rest_types, (
        "web/src/services/api.generated.ts is stale: run `conveyor typescript` at the repository root"
    )


def test_rest_types_follow_the_openapi_document(rest_types: str) -> None:
    document = openapi_document()
    for path in document["paths"]:
        assert f'    "{path}": {{' in rest_types
    # Wire names, and fields with defaults are sent (so required) in what the server returns.
    assert "        ProjectRead: {" in rest_types
    assert '            role: components["schemas"]["Role"] | null;' in rest_types


def test_cli_writes_both_files(tmp_path: Path, rest_types: str) -> None:
    events, rest = tmp_path / "events.generated.ts", tmp_path / "api.generated.ts"
    args = ["typescript", "--output", str(events), "--rest-output", str(rest), "--web", str(WEB_DIR)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert events.read_text() == render()
    assert rest.read_text() == rest_types


def test_cli_refuses_a_missing_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["typescript", "--output", str(tmp_path / "nowhere" / "x.ts")])
    assert result.exit_code == 2


def test_cli_says_what_is_missing_without_node_modules(tmp_path: Path) -> None:
    args = ["typescript", "-o", str(tmp_path / "e.ts"), "--rest-output", "-", "--web", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "npm ci" in result.output
