"""``conveyor serve``, ``user``, ``admin``, ``db`` and ``asyncapi``: a node and its database.

The commands that open the database say which one on stderr (``CONVEYOR_DATABASE_URL``, else
SQLite in ``CONVEYOR_DATA_DIR``), so a command run in another directory cannot quietly write
to another database.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from conveyor.config import Settings
    from conveyor.db import Database

T = TypeVar("T")

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
admin_app = typer.Typer(
    help="Administration straight on the database (no server needed).", no_args_is_help=True
)
NewPassword = Annotated[
    str,
    typer.Option(
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="CONVEYOR_NEW_PASSWORD",
        help="The password (asked if not given).",
        show_default=False,
    ),
]


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (CONVEYOR_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CONVEYOR_PORT).")] = None,
) -> None:
    """Run the server: REST API, Socket.IO at /ws, migrations applied at start."""
    import uvicorn

    from conveyor.app import create_app
    from conveyor.config import Settings
    from conveyor.logs import configure_logging

    settings = Settings()
    configure_logging()
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        ws_per_message_deflate=settings.ws_compression,
        log_level="info",
        lifespan="on",
    )


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(metavar="USERNAME", help="Letters, digits, _ . -")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user a global admin.")] = False,
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    password: NewPassword = "",
) -> None:
    """Create a user directly in the database."""
    from conveyor.auth.schemas import UserCreate
    from conveyor.auth.service import create_user
    from conveyor.events.bus import EventBus

    async def run() -> str:
        db = open_database(must_exist=False)
        await db.migrate()
        data = UserCreate(username=username, password=password, email=email, is_admin=admin)
        async with db.write_session() as session:
            user = await create_user(session=session, bus=EventBus(), data=data, actor=None)
        await db.dispose()
        return user.id

    user_id = _run_or_exit(run())
    typer.echo(json.dumps({"id": user_id, "username": username, "isAdmin": admin}))


@admin_app.command("reset-password")
def reset_password(
    username: Annotated[str, typer.Argument(metavar="USERNAME", help="Whose password.")],
    password: NewPassword = "",
) -> None:
    """Set a user's password in the database (a forgotten admin password) and end their sessions."""
    from conveyor.auth.service import set_password
    from conveyor.events.bus import EventBus

    async def run() -> None:
        db = open_database(must_exist=True)
        await db.migrate()
        async with db.write_session() as session:
            await set_password(session=session, bus=EventBus(), username=username, password=password)
        await db.dispose()

    _run_or_exit(run())
    typer.echo(f"The password of {username} is set; their dashboard sessions are signed out.")


def open_database(*, must_exist: bool) -> Database:
    """The configured database, named on stderr; a missing SQLite file is an error or said."""
    from sqlalchemy.engine import make_url

    from conveyor.config import Settings
    from conveyor.db import Database

    settings = Settings()
    url = make_url(settings.resolved_database_url)
    typer.echo(f"Database: {url.render_as_string(hide_password=True)}{_source(settings)}", err=True)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        if must_exist:
            typer.echo(
                f"There is no database at {url.database}: run this where the server keeps its data, "
                "or set CONVEYOR_DATA_DIR or CONVEYOR_DATABASE_URL to the server's.",
                err=True,
            )
            raise typer.Exit(2)
        typer.echo(f"No database at {url.database} yet; creating it.", err=True)
    return Database(settings.resolved_database_url)


def _source(settings: Settings) -> str:
    if settings.database_url:
        return " (CONVEYOR_DATABASE_URL)"
    return f" (SQLite in CONVEYOR_DATA_DIR={settings.data_dir})"


def asyncapi() -> None:
    """Print the AsyncAPI document of the live API, generated from the event catalog."""
    from conveyor.events.asyncapi import build_document

    typer.echo(json.dumps(build_document(), indent=2, sort_keys=True))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the configured database."""

    async def run() -> None:
        db = open_database(must_exist=False)
        await db.migrate()
        await db.dispose()

    asyncio.run(run())
    typer.echo("database is at the latest revision")


@db_app.command("revision")
def db_revision(message: str) -> None:
    """(Developers) autogenerate a migration from the models, against a scratch SQLite database."""
    from alembic import command
    from sqlalchemy import create_engine

    from conveyor.db import alembic_config

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/scratch.db")
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
            command.revision(alembic_config(connection), message=message, autogenerate=True)


def _run_or_exit(coro: Coroutine[Any, Any, T]) -> T:
    from pydantic import ValidationError

    from conveyor.cli.remote import sentence
    from conveyor.errors import ConveyorError

    try:
        return asyncio.run(coro)
    except ConveyorError as exc:
        typer.echo(sentence(exc.detail), err=True)
    except ValidationError as exc:
        typer.echo(sentence(exc.errors(include_url=False)), err=True)
    raise typer.Exit(2)
