"""``conveyor run`` (a pipeline file, no server) and ``conveyor executions`` (against a server)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from conveyor.status import Status

if TYPE_CHECKING:
    from rich.console import Console

    from conveyor.client.api import ConveyorClient

T = TypeVar("T")
EXIT_CODES = {
    Status.SUCCESS: 0,
    Status.SKIPPED: 0,
    Status.FAILED: 1,
    Status.TIMED_OUT: 124,
    Status.CANCELLED: 130,
}
EXIT_INVALID = 2
DEFAULT_URL = "http://127.0.0.1:8000"
LOG_PAGE = 1000

executions_app = typer.Typer(help="Executions on a Conveyor server.", no_args_is_help=True)
Url = Annotated[str, typer.Option(envvar="CONVEYOR_URL", help="Server URL.")]
Token = Annotated[str | None, typer.Option(envvar="CONVEYOR_TOKEN", help="JWT or API token.")]


def run_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Pipeline YAML.")],
    workspace: Annotated[Path, typer.Option(help="Directory the jobs run in.")] = Path(),
    parallel: Annotated[int, typer.Option(min=1, help="Jobs run at once.")] = 4,
) -> None:
    """Run a pipeline file on the local runner, without a server; exit with the pipeline's code."""
    from rich.console import Console

    from conveyor.cli.oneshot import run_pipeline_file
    from conveyor.cli.view import ExecutionView
    from conveyor.errors import ConveyorError
    from conveyor.pipelines.spec.validate import parse_definition

    console = Console(highlight=False)
    definition = file.read_text()
    try:
        parse_definition(definition)  # refuse a bad file before the live view starts
        with ExecutionView(console) as view:
            status = asyncio.run(
                run_pipeline_file(
                    definition,
                    name=file.stem,
                    workspace=workspace.resolve(),
                    max_parallel=parallel,
                    display=view,
                )
            )
    except ConveyorError as exc:
        typer.echo(f"{file}: {exc.detail}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    console.print(("" if console.is_terminal else "\n") + f"pipeline {file.name}: {status}")
    for failure in view.failures():
        console.print(failure)
    raise typer.Exit(EXIT_CODES[status])


@executions_app.command("start")
def start_command(
    pipeline_id: str,
    ref: Annotated[str | None, typer.Option(help="Branch, tag or commit (default: the project's).")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Then follow its logs.")] = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Start an execution of a pipeline; print its id (and with -f its logs, exiting with its code)."""

    async def start() -> str:
        async with _client(url, token) as client:
            accepted = await client.post(f"/pipelines/{pipeline_id}/executions", {"ref": ref} if ref else {})
        return str(accepted["executionId"])

    execution_id = _call(start())
    typer.echo(execution_id)
    if follow:
        status = _call(_logs(_client(url, token), execution_id, True, _console()))
        raise typer.Exit(EXIT_CODES.get(status, 0))


@executions_app.command("logs")
def logs_command(
    execution_id: str,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Stream until the execution ends.")] = False,
    url: Url = DEFAULT_URL,
    token: Token = None,
) -> None:
    """Print an execution's logs; with -f follow them live and exit with the pipeline's code."""
    console = _console()
    status = _call(_logs(_client(url, token), execution_id, follow, console))
    raise typer.Exit(EXIT_CODES.get(status, 0) if follow else 0)


@executions_app.command("cancel")
def cancel_command(execution_id: str, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Cancel a running execution."""

    async def cancel() -> None:
        async with _client(url, token) as client:
            await client.post(f"/executions/{execution_id}/cancel")

    _call(cancel())
    typer.echo(f"cancel requested for {execution_id}")


@executions_app.command("retry")
def retry_command(execution_id: str, url: Url = DEFAULT_URL, token: Token = None) -> None:
    """Re-run the failed jobs of an execution."""

    async def retry() -> None:
        async with _client(url, token) as client:
            await client.post(f"/executions/{execution_id}/retry")

    _call(retry())
    typer.echo(f"re-running the failed jobs of {execution_id}")


def _client(url: str, token: str | None) -> ConveyorClient:
    from conveyor.client.api import ConveyorClient

    return ConveyorClient(url, token=token)


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _call(work: Coroutine[Any, Any, T]) -> T:
    from conveyor.client.errors import ConveyorClientError

    try:
        return asyncio.run(work)
    except ConveyorClientError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        raise typer.Exit(EXIT_INVALID) from None


Printer = Callable[[str, str], None]


async def _logs(client: ConveyorClient, execution_id: str, follow: bool, console: Console) -> Status:
    from conveyor.cli.view import log_line
    from conveyor.client.models import EventSelection

    async with client:
        execution = await client.get(f"/executions/{execution_id}")
        keys = {job["id"]: job["key"] for job in execution["jobs"]}
        offsets: dict[str, int] = dict.fromkeys(keys, 0)

        def printer(job_id: str, text: str) -> None:
            console.print(log_line(keys.get(job_id, job_id[:8]), text), soft_wrap=True)

        if not follow:
            await _catch_up(client, execution_id, offsets, printer)
            return Status(execution["status"])
        selection = EventSelection(
            event_types=["pipeline_log", "pipeline_execution_completed"], project_ids=[execution["projectId"]]
        )
        async with client.stream(selection) as stream:
            await asyncio.wait_for(stream.wait_authenticated(), 30)
            return await _follow(client, stream, execution_id, offsets, printer)


async def _follow(
    client: ConveyorClient, stream: Any, execution_id: str, offsets: dict[str, int], printer: Printer
) -> Status:
    """Catch up from the REST log, then print live batches; gaps are filled from the REST log."""
    await _catch_up(client, execution_id, offsets, printer)
    execution = await client.get(f"/executions/{execution_id}")
    if Status(execution["status"]).done:
        await _catch_up(client, execution_id, offsets, printer)
        return Status(execution["status"])
    async for event in stream:
        data = event.data
        if data.get("executionId") != execution_id:
            continue
        if event.event_type == "pipeline_execution_completed":
            await _catch_up(client, execution_id, offsets, printer)
            return Status(data["execution"]["status"])
        job_id, start = data["jobId"], offsets.get(data["jobId"], 0)
        if data["offset"] > start:
            await _catch_up(client, execution_id, offsets, printer, only=job_id)
            continue
        for line in data["lines"]:
            if line["n"] >= offsets.get(job_id, 0):
                printer(job_id, line["text"])
                offsets[job_id] = line["n"] + 1
    from conveyor.client.errors import ConveyorClientError

    raise ConveyorClientError("the event stream ended before the execution did")


async def _catch_up(
    client: ConveyorClient,
    execution_id: str,
    offsets: dict[str, int],
    printer: Printer,
    only: str | None = None,
) -> None:
    for job_id in [only] if only else list(offsets):
        while True:
            params = {"job": job_id, "offset": offsets.get(job_id, 0), "limit": LOG_PAGE}
            page = await client.get(f"/executions/{execution_id}/logs", params=params)
            lines = page["jobs"][0]["lines"]
            for line in lines:
                printer(job_id, line["text"])
            offsets[job_id] = page["jobs"][0]["nextOffset"]
            if len(lines) < LOG_PAGE:
                break
