"""``conveyor serve``, ``user``, ``db`` and ``asyncapi``: a node and its database."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer

T = TypeVar("T")

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)


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
    username: str,
    admin: Annotated[bool, typer.Option("--admin", help="Make the user a global admin.")] = False,
    email: Annotated[str | None, typer.Option()] = None,
    password: Annotated[
        str,
        typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="CONVEYOR_NEW_PASSWORD"),
    ] = "",
) -> None:
    """Create a user directly in the database."""
    from conveyor.auth.schemas import UserCreate
    from conveyor.auth.service import create_user
    from conveyor.config import Settings
    from conveyor.db import Database
    from conveyor.events.bus import EventBus

    async def run() -> str:
        db = Database(Settings().resolved_database_url)
        await db.migrate()
        data = UserCreate(username=username, password=password, email=email, is_admin=admin)
        async with db.write_session() as session:
            user = await create_user(session=session, bus=EventBus(), data=data, actor=None)
        await db.dispose()
        return user.id

    user_id = _run_or_exit(run())
    typer.echo(json.dumps({"id": user_id, "username": username, "isAdmin": admin}))


def asyncapi() -> None:
    """Print the AsyncAPI document of the live API, generated from the event catalog."""
    from conveyor.events.asyncapi import build_document

    typer.echo(json.dumps(build_document(), indent=2, sort_keys=True))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the configured database."""
    from conveyor.config import Settings
    from conveyor.db import Database

    async def run() -> None:
        db = Database(Settings().resolved_database_url)
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
    from conveyor.errors import ConveyorError

    try:
        return asyncio.run(coro)
    except ConveyorError as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None
