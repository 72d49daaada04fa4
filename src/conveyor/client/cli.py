"""``conveyor events``: page the event log, or follow the live stream."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console

from conveyor.client.api import ConveyorClient
from conveyor.client.errors import ConveyorClientError
from conveyor.client.models import Event, EventSelection
from conveyor.client.render import summary

DEFAULT_URL = "http://127.0.0.1:8000"
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


@dataclass(frozen=True)
class Options:
    url: str
    token: str | None
    username: str | None
    password: str | None
    selection: EventSelection
    after_seq: int | None
    limit: int
    as_json: bool

    def client(self) -> ConveyorClient:
        return ConveyorClient(self.url, token=self.token, username=self.username, password=self.password)


def events_command(
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Print live events until Ctrl-C.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON envelope per line.")] = False,
    url: Annotated[str, typer.Option(envvar="CONVEYOR_URL", help="Server URL.")] = DEFAULT_URL,
    token: Annotated[str | None, typer.Option(envvar="CONVEYOR_TOKEN", help="JWT or API token.")] = None,
    username: Annotated[str | None, typer.Option(envvar="CONVEYOR_USERNAME", help="Log in as.")] = None,
    password: Annotated[str | None, typer.Option(envvar="CONVEYOR_PASSWORD", help="Password.")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Only this category (repeatable).")] = None,
    event_type: Annotated[list[str] | None, typer.Option(help="Only this event type (repeatable).")] = None,
    project: Annotated[list[str] | None, typer.Option(help="Only this project id (repeatable).")] = None,
    min_priority: Annotated[str | None, typer.Option(help="LOW, MEDIUM or HIGH.")] = None,
    after_seq: Annotated[
        int | None, typer.Option(min=0, help="Start after this seq (with --follow: replay, then live).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="Most events printed from the log.")] = 100,
) -> None:
    """Print the event log (GET /api/v1/events), or with --follow the live stream."""
    try:
        selection = EventSelection(category, event_type, project, min_priority)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if username and password is None and token is None:
        password = typer.prompt(f"Password for {username}", hide_input=True)
    options = Options(url, token, username, password, selection, after_seq, limit, as_json)
    printer = _json_line if as_json else _summary_line(Console(highlight=False))
    _run(_follow(options, printer) if follow else _page(options, printer))


async def _page(options: Options, printer: Callable[[Event], None]) -> None:
    printed, last_seq = 0, options.after_seq or 0
    async with options.client() as conveyor:
        log = conveyor.event_log(
            after_seq=last_seq, page_size=min(options.limit, 1000), selection=options.selection
        )
        async for event in log:
            printer(event)
            printed, last_seq = printed + 1, event.seq
            if printed == options.limit:
                _status(f"more may follow: --after-seq {last_seq}")
                return


async def _follow(options: Options, printer: Callable[[Event], None]) -> None:
    _report_reconnections()
    async with (
        options.client() as conveyor,
        conveyor.stream(options.selection, after_seq=options.after_seq) as stream,
    ):
        welcome = await stream.wait_authenticated()
        _status(f"following {options.url} as {welcome['user']['username']} from seq {stream.last_seq}")
        async for event in stream:
            printer(event)


def _run(work: Coroutine[Any, Any, None]) -> None:
    try:
        asyncio.run(work)
    except KeyboardInterrupt:
        _status("stopped")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except ConveyorClientError as exc:
        _status(f"error: {exc}")
        raise typer.Exit(EXIT_ERROR) from None


def _json_line(event: Event) -> None:
    print(json.dumps(event.envelope, separators=(",", ":")), flush=True)


def _summary_line(console: Console) -> Callable[[Event], None]:
    def show(event: Event) -> None:
        console.print(summary(event), soft_wrap=True)

    return show


def _report_reconnections() -> None:
    """Say on stderr when the stream loses its connection (it reconnects and resumes by itself)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    stream_log = logging.getLogger("conveyor.client.stream")
    stream_log.addHandler(handler)
    stream_log.setLevel(logging.INFO)


def _status(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
