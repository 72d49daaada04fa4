"""``conveyor events``: the newest events of the log, a page after a seq, or the live stream."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from conveyor.cli.remote import Remote, fail, remote

if TYPE_CHECKING:
    from conveyor.client.api import ConveyorClient
    from conveyor.client.models import Event, EventSelection

EXIT_INTERRUPTED = 130


@remote
def events_command(
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Print live events until Ctrl-C.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON envelope per line.")] = False,
    category: Annotated[list[str] | None, typer.Option(help="Only this category (repeatable).")] = None,
    event_type: Annotated[list[str] | None, typer.Option(help="Only this event type (repeatable).")] = None,
    project: Annotated[list[str] | None, typer.Option(help="Only this project id (repeatable).")] = None,
    min_priority: Annotated[str | None, typer.Option(help="LOW, MEDIUM or HIGH.")] = None,
    after_seq: Annotated[
        int | None,
        typer.Option(min=0, help="Events after this seq, oldest first (with --follow: replay, then live)."),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=1000, help="How many events from the log (the newest).")
    ] = 100,
    *,
    remote: Remote,
) -> None:
    """Print the newest events of the log (GET /api/v1/events), or with --follow the live stream."""
    from conveyor.client.models import EventSelection

    try:
        selection = EventSelection(category, event_type, project, min_priority)
    except ValueError as exc:
        fail(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
    printer = _json_line if as_json else _summary_line()
    try:
        if follow:
            remote.call(lambda client: _follow(client, remote, selection, after_seq, printer))
        else:
            remote.call(lambda client: _page(client, selection, after_seq, limit, printer))
    except KeyboardInterrupt:
        _status("Stopped.")
        raise typer.Exit(EXIT_INTERRUPTED) from None


async def _page(
    client: ConveyorClient,
    selection: EventSelection,
    after_seq: int | None,
    limit: int,
    printer: Callable[[Event], None],
) -> None:
    """Without --after-seq, the newest ``limit`` events; with it, the next ``limit`` after it."""
    page = await client.list_events(
        after_seq=after_seq or 0, limit=limit, selection=selection, latest=after_seq is None
    )
    for event in page.events:
        printer(event)
    if len(page.events) < limit:
        return
    if after_seq is None:
        _status(f"The newest {limit} events; older ones with --after-seq (e.g. --after-seq 0).")
    else:
        _status(f"More may follow: --after-seq {page.events[-1].seq}")


async def _follow(
    client: ConveyorClient,
    remote: Remote,
    selection: EventSelection,
    after_seq: int | None,
    printer: Callable[[Event], None],
) -> None:
    _report_reconnections()
    async with client.stream(selection, after_seq=after_seq) as stream:
        welcome = await stream.wait_authenticated()
        _status(f"Following {remote.url} as {welcome['user']['username']} from seq {stream.last_seq}.")
        async for event in stream:
            printer(event)


def _json_line(event: Event) -> None:
    print(json.dumps(event.envelope, separators=(",", ":")), flush=True)


def _summary_line() -> Callable[[Event], None]:
    from rich.console import Console

    from conveyor.client.render import summary

    console = Console(highlight=False)

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
