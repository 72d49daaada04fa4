"""What every command that talks to a server shares: the auth options, the client, the errors.

``@remote`` gives a command ``--url``, ``--token``, ``--username`` and ``--password`` (and their
``CONVEYOR_*`` variables) and hands it a ``Remote``. Without any of them the URL and token that
``conveyor login`` stored are used. Failures print one sentence on stderr and exit 2.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from conveyor.cli import config

if TYPE_CHECKING:
    from conveyor.client.api import ConveyorClient

T = TypeVar("T")
DEFAULT_URL = "http://127.0.0.1:8000"
EXIT_ERROR = 2

AUTH_OPTIONS: dict[str, Any] = {
    "url": Annotated[
        str | None,
        typer.Option(
            envvar="CONVEYOR_URL", help=f"Server URL (else the one of `conveyor login`, else {DEFAULT_URL})."
        ),
    ],
    "token": Annotated[
        str | None,
        typer.Option(envvar="CONVEYOR_TOKEN", help="API token or access token.", show_default=False),
    ],
    "username": Annotated[str | None, typer.Option(envvar="CONVEYOR_USERNAME", help="Sign in as this user.")],
    "password": Annotated[
        str | None,
        typer.Option(envvar="CONVEYOR_PASSWORD", help="Password of --username (asked if missing)."),
    ],
}


class CliError(Exception):
    """A failure told to the user as one sentence."""


@dataclass(frozen=True)
class Remote:
    url: str
    token: str | None
    username: str | None
    password: str | None
    from_login: bool = False

    @classmethod
    def resolve(
        cls, url: str | None, token: str | None, username: str | None, password: str | None
    ) -> Remote:
        stored = config.load()
        if username and password is None and token is None:
            password = typer.prompt(f"Password for {username}", hide_input=True)
        if token is None and username is None and (url is None or url == stored.get("url")):
            return cls(stored.get("url") or DEFAULT_URL, stored.get("token"), None, None, bool(stored))
        return cls(url or stored.get("url") or DEFAULT_URL, token, username, password)

    def client(self) -> ConveyorClient:
        from conveyor.client.api import ConveyorClient

        return ConveyorClient(self.url, token=self.token, username=self.username, password=self.password)

    def call(self, work: Callable[[ConveyorClient], Awaitable[T]]) -> T:
        """Run ``work`` with a client; a failure becomes a sentence and exit code 2."""

        async def run() -> T:
            async with self.client() as client:
                return await work(client)

        return self.run(run())

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        from conveyor.client.errors import ConveyorClientError

        try:
            return asyncio.run(work)
        except ConveyorClientError as exc:
            fail(self.explain(exc))
        except CliError as exc:
            fail(str(exc))

    def explain(self, exc: Exception) -> str:
        from conveyor.client.errors import ConveyorAPIError, ConveyorAuthError, ConveyorConnectionError

        if isinstance(exc, ConveyorConnectionError):
            cause = str(exc.__cause__ or "").strip()
            where = f"{self.url} ({cause})" if cause else self.url
            return f"Cannot reach a Conveyor server at {where}; is it running? (set --url or CONVEYOR_URL)."
        if isinstance(exc, ConveyorAuthError) or (isinstance(exc, ConveyorAPIError) and exc.status == 401):
            detail = getattr(exc, "detail", None) or getattr(exc, "message", "")
            if not (self.token or self.username):
                return (
                    f"You are not signed in to {self.url}: run `conveyor login`, or set CONVEYOR_TOKEN "
                    "(or CONVEYOR_USERNAME and CONVEYOR_PASSWORD)."
                )
            return f"The server at {self.url} refused the credentials: {sentence(detail)}"
        if isinstance(exc, ConveyorAPIError):
            if exc.status == 403:
                return f"You are not allowed to do that: {sentence(exc.detail)}"
            if exc.status >= 500:
                return f"The server at {self.url} failed ({exc.status}): {sentence(exc.detail)}"
            return sentence(exc.detail)
        return sentence(str(exc))


def sentence(text: object) -> str:
    """A server's ``detail`` (a string, or pydantic's list of errors) as one sentence."""
    if isinstance(text, list):
        text = "; ".join(_validation_error(item) for item in text)
    words = str(text).strip() or "unknown error"
    words = words[0].upper() + words[1:]
    return words if words.endswith((".", "!", "?")) else words + "."


def _validation_error(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path"))
    return f"{where}: {item.get('msg', '')}" if where else str(item.get("msg", ""))


def fail(message: str) -> NoReturn:
    print(message, file=sys.stderr, flush=True)
    raise typer.Exit(EXIT_ERROR)


def remote(command: Callable[..., T]) -> Callable[..., T]:
    """Add the auth options to ``command``'s parameters; it receives them as ``remote: Remote``."""
    signature = inspect.signature(command, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.name != "remote"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)
        for name, annotation in AUTH_OPTIONS.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        options = {name: kwargs.pop(name, None) for name in AUTH_OPTIONS}
        return command(*args, remote=Remote.resolve(**options), **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*kept, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in [*kept, *added]}
    return wrapper


# Output -----------------------------------------------------------------------------------------

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (as the REST API returns it).")]


def print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, sort_keys=True), flush=True)


def print_table(columns: Sequence[str], rows: Iterable[Sequence[object]], *, empty: str) -> None:
    from rich.console import Console
    from rich.table import Table

    rows = list(rows)
    console = Console(highlight=False)
    if not rows:
        console.print(empty)
        return
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)
