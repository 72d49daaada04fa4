"""The ``conveyor`` command.

Every command is registered here by name, with its one-line help, and imported only when it
runs (``lazy.py``), so that ``conveyor --help`` and ``conveyor run`` start at once. A new
command: a function (or a ``typer.Typer`` for a group) in a module that imports only ``typer``
and the standard library at the top, and a row below.
"""

from __future__ import annotations

import gc
import os

import typer

from conveyor.cli.lazy import Lazy, LazyGroup

COMMANDS: dict[str, Lazy] = {
    # On a server (each takes --url, --token, --username, --password and their CONVEYOR_* variables)
    "login": Lazy(
        "conveyor.cli.login:login_command",
        "Sign in to a server; keep its URL and a new API token in your config directory (mode 0600).",
    ),
    "logout": Lazy(
        "conveyor.cli.login:logout_command",
        "Revoke the API token `conveyor login` created and forget it and the server URL.",
    ),
    "projects": Lazy("conveyor.cli.resources:projects_app", "Projects on a Conveyor server."),
    "pipelines": Lazy(
        "conveyor.cli.resources:pipelines_app", "Pipelines of the projects on a Conveyor server."
    ),
    "run-remote": Lazy(
        "conveyor.cli.executions:run_remote_command",
        "Start a pipeline on the server; print the execution's id (with --follow, its logs and its end).",
    ),
    "executions": Lazy(
        "conveyor.cli.executions:executions_app", "Executions (runs of pipelines) on a Conveyor server."
    ),
    "events": Lazy(
        "conveyor.cli.events:events_command",
        "Print the newest events of the log (GET /api/v1/events), or with --follow the live stream.",
    ),
    "tokens": Lazy("conveyor.cli.resources:tokens_app", "Your API tokens, for scripts and CI."),
    # Without a server
    "run": Lazy(
        "conveyor.cli.local:run_command",
        "Run a pipeline file on the local runner, without a server; exit with the pipeline's code.",
    ),
    "scan": Lazy(
        "conveyor.security.cli:scan_command",
        "Scan a checkout for vulnerable code, secrets and vulnerable dependencies (offline).",
    ),
    "debug": Lazy(
        "conveyor.debug.cli:debug_app",
        "Diagnose failed CI runs: find the errors in a log and classify the cause.",
    ),
    # Running a deployment
    "serve": Lazy(
        "conveyor.cli.server:serve",
        "Run the server: REST API, Socket.IO at /ws, migrations applied at start.",
    ),
    "worker": Lazy(
        "conveyor.runners.cli:worker_command",
        "Run jobs from the Redis broker for the server at CONVEYOR_SERVER_URL (CONVEYOR_WORKER_TOKEN).",
    ),
    "worker-tokens": Lazy(
        "conveyor.cli.resources:worker_tokens_app",
        "Worker tokens (admins): what `conveyor worker` shows the server to take and report jobs.",
    ),
    "user": Lazy("conveyor.cli.server:user_app", "Manage users."),
    "admin": Lazy(
        "conveyor.cli.server:admin_app", "Administration straight on the database (no server needed)."
    ),
    "db": Lazy("conveyor.cli.server:db_app", "Database migrations."),
    "doctor": Lazy(
        "conveyor.cli.doctor:doctor_command",
        "Check the configuration, the database, Redis, the workers and the server; say what is wrong.",
    ),
    # For developers
    "asyncapi": Lazy(
        "conveyor.cli.server:asyncapi",
        "Print the AsyncAPI document of the live API, generated from the event catalog.",
    ),
    "typescript": Lazy(
        "conveyor.cli.typescript:typescript_command",
        "Write the dashboard's TypeScript types: events from the catalog, REST from OpenAPI.",
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
    try:
        app()
    finally:
        gc.freeze()  # what is left dies with the process: no last collection over it
