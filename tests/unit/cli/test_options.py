"""Every command that talks to a server takes the same auth options; every list takes --json."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from conveyor.cli import COMMANDS, app

REMOTE = ["login", "projects", "pipelines", "run-remote", "executions", "events", "tokens", "worker-tokens"]


def leaves(name: str) -> list[tuple[str, ...]]:
    command = COMMANDS[name].load(name)
    return [(name, sub) for sub in getattr(command, "commands", {})] or [(name,)]


def help_of(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=250, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("path", [p for name in REMOTE for p in leaves(name)], ids=" ".join)
def test_remote_commands_share_the_auth_options(path: tuple[str, ...]) -> None:
    text = help_of(path)
    for option, variable in [
        ("--url", "CONVEYOR_URL"),
        ("--token", "CONVEYOR_TOKEN"),
        ("--username", "CONVEYOR_USERNAME"),
        ("--password", "CONVEYOR_PASSWORD"),
    ]:
        assert option in text and variable in text, (path, option)


@pytest.mark.parametrize(
    "path", [p for name in COMMANDS for p in leaves(name) if p[-1] == "list"], ids=" ".join
)
def test_every_list_has_json(path: tuple[str, ...]) -> None:
    assert "--json" in help_of(path)
