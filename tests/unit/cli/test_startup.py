"""The ``conveyor`` command starts at once: what its entry point may import, and help in words."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conveyor.cli import COMMANDS, app

# The server, the database, the domains' tables, the live API and the workers: none of them is
# needed to print help, and a local run needs neither them nor the database.
SERVER = ["fastapi", "starlette", "uvicorn", "socketio", "engineio", "aiohttp", "celery", "sklearn"]
HEAVY = [*SERVER, "sqlalchemy", "alembic", "httpx", "conveyor.models", "conveyor.db", "conveyor.app"]
# A local run, whether its step succeeds or fails, needs the runner and the execution engine on
# its state store in memory; not the database (SQLAlchemy, aiosqlite, the tables, the event log's
# store and bus), nor any part of the domains whose events it never publishes
# (the debugging loop reads ended executions on a server; the catalog imports their read schemas
# when such a payload is first built), nor the built-in steps of later domains unless the
# pipeline uses one, nor what those pull in (metrics, the advisory index, cron); nor structlog
# until a line is logged (it loads rich's tracebacks and pygments), nor cryptography until a
# secret is decrypted, nor the XML parser unless a job keeps JUnit reports; nor pydantic-settings
# (Settings reads its CONVEYOR_* variables itself).
NOT_FOR_A_LOCAL_RUN = [
    *SERVER,
    "sqlalchemy",
    "aiosqlite",
    "conveyor.db",
    "conveyor.sqlite_driver",
    "conveyor.events.bus",
    "conveyor.events.store",
    "conveyor.executions.models",
    "conveyor.executions.sqlstore",
    "conveyor.executions.updates",
    "pydantic_settings",
    "dotenv",
    "structlog",
    "pygments",
    "psutil",
    "rich.traceback",
    "cryptography",
    "xml.etree",
    "alembic",
    "httpx",
    "conveyor.models",
    "conveyor.debug",
    "conveyor.security",
    "conveyor.architecture",
    "conveyor.system",
    "conveyor.forge",
    "conveyor.channels",
    "prometheus_client",
    "croniter",
]
PROBE = """
import json, sys
from conveyor.cli import main
sys.argv = ["conveyor", *json.loads(sys.argv[1])]
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\n@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def probe(*args: str, cwd: Path | None = None) -> tuple[object, set[str]]:
    """The exit code of ``conveyor ARGS`` and every module it imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, cwd=cwd, timeout=60
    )
    found = json.loads(done.stdout.rsplit("\n@@", 1)[1])
    return found["code"], set(found["modules"])


def imported_by(*args: str, cwd: Path | None = None) -> set[str]:
    return probe(*args, cwd=cwd)[1]


def loaded(modules: set[str], roots: list[str]) -> list[str]:
    return sorted(m for m in modules if any(m == r or m.startswith(r + ".") for r in roots))


@pytest.mark.parametrize("args", [(), ("--help",), ("executions", "--help"), ("run", "--help")])
def test_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    assert loaded(imported_by(*args), HEAVY) == []


@pytest.mark.parametrize(("step", "code"), [("true", 0), ("exit 3", 1)], ids=["succeeds", "fails"])
def test_a_local_run_imports_what_it_runs_and_nothing_of_the_server(
    tmp_path: Path, step: str, code: int
) -> None:
    (tmp_path / "one.yml").write_text(f"jobs:\n  a:\n    steps: [{{run: '{step}'}}]\n")
    exit_code, modules = probe("run", "one.yml", cwd=tmp_path)
    assert exit_code == code, "the probe ran the pipeline to its end"
    assert "conveyor.runners.local" in modules
    assert loaded(modules, NOT_FOR_A_LOCAL_RUN) == []


def test_the_listing_names_every_command_without_loading_it() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=200)
    assert result.exit_code == 0
    for name, lazy in COMMANDS.items():
        assert re.search(rf"│ {re.escape(name)} +{re.escape(lazy.help[:40])}", result.output), name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_registered_help_is_the_commands_own(name: str) -> None:
    command = COMMANDS[name].load(name)
    assert (command.help or "").split("\n")[0].strip() == COMMANDS[name].help


PYTHON_TYPES = re.compile(r"<(str|int|bool|float|path|list\[|int range|float range)|x[<>]=|\{[a-z_]+\}")


def every_help_command(prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, lazy in COMMANDS.items() if not prefix else []:
        command = lazy.load(name)
        paths += [(name, sub) for sub in getattr(command, "commands", {})] or [(name,)]
    return paths


@pytest.mark.parametrize("path", every_help_command(), ids=" ".join)
def test_help_shows_no_python_types(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert PYTHON_TYPES.search(result.output) is None, result.output
