"""The ``conveyor`` command.

Every command is registered here by name, with its one-line help, and imported only when it
runs (``lazy.py``), so that ``conveyor --help`` and ``conveyor run`` start at once. A new
command: a function (or a ``typer.Typer`` for a group) in a module that imports only ``typer``
and the standard library at the top, and a row below.
"""

from __future__ import annotations

import os

import typer

from conveyor.cli.lazy import Lazy, LazyGroup

COMMANDS: dict[str, Lazy] = {
    "serve": Lazy(
        "conveyor.cli.server:serve",
        "Run the server: REST API, Socket.IO at /ws, migrations applied at start.",
    ),
    "worker": Lazy(
        "conveyor.runners.cli:worker_command",
        "Run jobs from the Redis broker (CONVEYOR_REDIS_URL), writing state to CONVEYOR_DATABASE_URL.",
    ),
    "run": Lazy(
        "conveyor.cli.executions:run_command",
        "Run a pipeline file on the local runner, without a server; exit with the pipeline's code.",
    ),
    "executions": Lazy("conveyor.cli.executions:executions_app", "Executions on a Conveyor server."),
    "events": Lazy(
        "conveyor.client.cli:events_command",
        "Print the event log (GET /api/v1/events), or with --follow the live stream.",
    ),
    "user": Lazy("conveyor.cli.server:user_app", "Manage users."),
    "db": Lazy("conveyor.cli.server:db_app", "Database migrations."),
    "debug": Lazy(
        "conveyor.debug.cli:debug_app",
        "Diagnose failed CI runs: find the errors in a log and classify the cause.",
    ),
    "asyncapi": Lazy(
        "conveyor.cli.server:asyncapi",
        "Print the AsyncAPI document of the live API, generated from the event catalog.",
    ),
    "typescript": Lazy(
        "conveyor.cli.typescript:typescript_command",
        "Write the dashboard's TypeScript types: events from the catalog, REST from OpenAPI.",
    ),
    "scan": Lazy(
        "conveyor.security.cli:scan_command",
        "Scan a checkout for vulnerable code, secrets and vulnerable dependencies (offline).",
    ),
    "advisories": Lazy(
        "conveyor.security.cli:advisories_app",
        "The advisory database (OSV) that dependency scans match against.",
    ),
}


class ConveyorGroup(LazyGroup):
    registry = COMMANDS


app = typer.Typer(cls=ConveyorGroup, no_args_is_help=True, add_completion=False)


@app.callback()
def conveyor() -> None:
    """Conveyor: self-hosted, AI-assisted CI/CD."""


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
