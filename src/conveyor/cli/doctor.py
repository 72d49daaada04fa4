"""``conveyor doctor``: check a deployment's configuration and services, in sentences.

Each check is read from the same ``CONVEYOR_*`` settings the server reads, so run it where (and
as whom) the server or a worker runs. It changes nothing: no migration, no file created.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from conveyor.config import Settings

Level = Literal["ok", "warning", "problem"]
MARKS = {"ok": "ok     ", "warning": "WARNING", "problem": "PROBLEM"}
TIMEOUT = 5.0


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    message: str


def doctor_command(
    url: Annotated[
        str | None, typer.Option(envvar="CONVEYOR_URL", help="Also check that a server answers at this URL.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check the configuration, the database, Redis, the workers and the server; say what is wrong."""
    from pydantic import ValidationError

    from conveyor.cli.remote import sentence
    from conveyor.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        findings = [Finding("configuration", "problem", sentence(exc.errors(include_url=False)))]
    else:
        findings = asyncio.run(examine(settings, url))
    if as_json:
        typer.echo(json.dumps([asdict(f) for f in findings], indent=2))
    else:
        for finding in findings:
            typer.echo(f"{MARKS[finding.level]}  {finding.message}")
        problems = sum(f.level == "problem" for f in findings)
        warnings = sum(f.level == "warning" for f in findings)
        typer.echo(f"\n{problems} problem(s), {warnings} warning(s).")
    raise typer.Exit(1 if any(f.level == "problem" for f in findings) else 0)


async def examine(settings: Settings, url: str | None) -> list[Finding]:
    findings = [*configuration(settings), await _bounded(database(settings), "database")]
    broker = await _bounded(redis(settings), "redis")
    findings.append(broker)
    if broker.level == "problem":
        findings.append(
            Finding("workers", "problem", "The workers cannot be asked while Redis cannot be reached.")
        )
    else:
        findings.append(await _bounded(workers(settings), "workers"))
    if url:
        findings.append(await server(url))
    return findings


async def _bounded(check: Awaitable[Finding], name: str) -> Finding:
    try:
        return await asyncio.wait_for(check, TIMEOUT * 2)
    except TimeoutError:
        return Finding(name, "problem", f"The {name} check got no answer within {TIMEOUT * 2:.0f} seconds.")


# Configuration ----------------------------------------------------------------------------------


def configuration(settings: Settings) -> list[Finding]:
    shared = settings.redis_url is not None or settings.executor == "celery"
    found = [_data_dir(settings)]
    for name, value, file in [
        ("jwt_secret", settings.jwt_secret, "jwt_secret"),
        ("secrets_key", settings.secrets_key, "secrets_key"),
    ]:
        variable = f"CONVEYOR_{name.upper()}"
        if value:
            found.append(Finding(name, "ok", f"{variable} is set."))
        elif shared:
            found.append(
                Finding(
                    name,
                    "problem",
                    f"{variable} is not set: each process would use its own {file} file, so tokens or "
                    f"secrets made by one are refused by the others; set the same value on every API "
                    "process and worker.",
                )
            )
        else:
            found.append(
                Finding(name, "ok", f"{variable} is not set: the one in {settings.data_dir / file} is used.")
            )
    if settings.environment == "production" and (settings.public_url or "").startswith("http://"):
        found.append(
            Finding("tls", "warning", f"CONVEYOR_PUBLIC_URL is {settings.public_url}: serve it over HTTPS.")
        )
    if settings.redis_url and settings.is_sqlite:
        found.append(
            Finding(
                "database",
                "warning",
                "Redis is set (several API processes) but the database is SQLite, which one machine "
                "only can share: use PostgreSQL.",
            )
        )
    return found


def _data_dir(settings: Settings) -> Finding:
    path = settings.data_dir.resolve()
    if not path.exists():
        parent = next(p for p in path.parents if p.exists())
        if os.access(parent, os.W_OK):
            return Finding(
                "data_dir", "ok", f"The data directory {path} does not exist yet; the server creates it."
            )
        return Finding(
            "data_dir", "problem", f"The data directory {path} does not exist and cannot be created."
        )
    if not os.access(path, os.W_OK):
        return Finding("data_dir", "problem", f"The data directory {path} is not writable by this user.")
    return Finding("data_dir", "ok", f"The data directory {path} is writable.")


# Services -------------------------------------------------------------------------------------


async def database(settings: Settings) -> Finding:
    from sqlalchemy.engine import make_url

    url = make_url(settings.resolved_database_url)
    shown = url.render_as_string(hide_password=True)
    sqlite_file = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
    if sqlite_file and not await asyncio.to_thread(sqlite_file.exists):
        return Finding(
            "database",
            "problem",
            f"There is no database at {url.database}: start the server once (it migrates), or point "
            "CONVEYOR_DATA_DIR / CONVEYOR_DATABASE_URL at the existing one.",
        )
    try:
        current, head = await _revisions(settings.resolved_database_url)
    except Exception as exc:
        return Finding("database", "problem", f"The database {shown} cannot be reached: {_reason(exc)}")
    if current == head:
        return Finding(
            "database", "ok", f"The database {shown} answers and is at the latest migration ({head})."
        )
    return Finding(
        "database",
        "problem",
        f"The database {shown} is at migration {current or 'none'} but this version needs {head}: "
        "run `conveyor db upgrade` (the server also migrates when it starts).",
    )


async def _revisions(url: str) -> tuple[str | None, str | None]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.ext.asyncio import create_async_engine

    from conveyor.db import alembic_config

    engine = create_async_engine(url, connect_args={"timeout": TIMEOUT} if "asyncpg" in url else {})
    try:
        async with engine.connect() as connection:
            current = await connection.run_sync(
                lambda c: MigrationContext.configure(c).get_current_revision()
            )
    finally:
        await engine.dispose()
    return current, ScriptDirectory.from_config(alembic_config()).get_current_head()


async def redis(settings: Settings) -> Finding:
    if not settings.redis_url:
        return Finding(
            "redis",
            "ok",
            "Redis is not set: fine for one API process; several need CONVEYOR_REDIS_URL for live events.",
        )
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    shown = _hide_password(settings.redis_url)
    try:
        await client.ping()
    except Exception as exc:
        return Finding("redis", "problem", f"Redis at {shown} cannot be reached: {_reason(exc)}")
    finally:
        await client.aclose()
    return Finding("redis", "ok", f"Redis at {shown} answers.")


async def workers(settings: Settings) -> Finding:
    if settings.executor != "celery":
        return Finding("workers", "ok", "Jobs run on the server itself (CONVEYOR_EXECUTOR=local).")
    if not settings.redis_url or settings.is_sqlite:
        return Finding(
            "workers",
            "problem",
            "CONVEYOR_EXECUTOR is celery, which needs Redis (CONVEYOR_REDIS_URL, the broker) and "
            "PostgreSQL (CONVEYOR_DATABASE_URL) that workers on other machines can reach.",
        )
    from conveyor.runners.celery import create_celery

    app = create_celery(settings)
    replies = await asyncio.to_thread(app.control.ping, timeout=2.0)
    if not replies:
        return Finding(
            "workers",
            "problem",
            f"No Celery worker answered on {_hide_password(settings.redis_url)}: start `conveyor worker` "
            "on the worker machines (jobs wait in the queue until one does).",
        )
    names = ", ".join(sorted(name for reply in replies for name in reply))
    return Finding("workers", "ok", f"{len(replies)} Celery worker(s) answered: {names}.")


async def server(url: str) -> Finding:
    import httpx

    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            response = await client.get(f"{url.rstrip('/')}/readyz")
    except httpx.HTTPError as exc:
        return Finding("server", "problem", f"No server answers at {url}: {_reason(exc)}")
    if response.status_code != 200:
        return Finding(
            "server",
            "problem",
            f"The server at {url} is not ready ({response.status_code}): {response.text[:200]}",
        )
    return Finding("server", "ok", f"The server at {url} is ready.")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text if text.endswith(".") else text + "."


def _hide_password(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]
