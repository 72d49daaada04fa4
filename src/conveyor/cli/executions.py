"""``conveyor executions`` and ``conveyor run-remote``: runs of pipelines on a server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from conveyor.cli.local import EXIT_CODES
from conveyor.cli.remote import JsonOption, Remote, print_json, print_table, remote
from conveyor.status import FAILING, Status

if TYPE_CHECKING:
    from rich.console import Console

    from conveyor.client.api import ConveyorClient

LOG_PAGE = 1000

executions_app = typer.Typer(
    help="Executions (runs of pipelines) on a Conveyor server.", no_args_is_help=True
)
PipelineRef = Annotated[
    str,
    typer.Argument(
        metavar="PROJECT/PIPELINE", help="Names or ids; or a pipeline id alone.", show_default=False
    ),
]
ExecutionRef = Annotated[
    str,
    typer.Argument(
        metavar="EXECUTION", help="PROJECT/PIPELINE/NUMBER, or an execution id.", show_default=False
    ),
]
Ref = Annotated[str | None, typer.Option(help="Branch, tag or commit (default: the project's branch).")]
Follow = Annotated[
    bool, typer.Option("--follow", "-f", help="Print its logs until it ends; exit with its code.")
]


@executions_app.command("list")
@remote
def list_command(
    target: Annotated[
        str | None, typer.Argument(metavar="PROJECT[/PIPELINE]", help="Only this project or pipeline.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 20,
    as_json: JsonOption = False,
    *,
    remote: Remote,
) -> None:
    """List recent executions, newest first: of a pipeline, a project, or every project you can see."""
    runs, names = remote.call(lambda client: _recent(client, target, limit))
    if as_json:
        print_json(runs)
        return
    rows = [
        (
            f"{names[run['pipelineId']]}/{run['number']}",
            run["status"],
            run["ref"],
            (run["commitSha"] or "")[:10],
            run["trigger"],
            _when(run["createdAt"]),
            _duration(run),
        )
        for run in runs
    ]
    print_table(
        ("RUN", "STATUS", "REF", "COMMIT", "TRIGGER", "CREATED", "TOOK"), rows, empty="No executions yet."
    )


@executions_app.command("show")
@remote
def show_command(execution: ExecutionRef, as_json: JsonOption = False, *, remote: Remote) -> None:
    """Show an execution: its status, commit and jobs."""
    from conveyor.cli import names

    run = remote.call(lambda client: names.execution(client, execution))
    if as_json:
        print_json(run)
        return
    commit = run["commitSha"] or "-"
    print(f"{execution}: {run['status']} ({run['trigger']}, ref {run['ref'] or '-'}, commit {commit})")
    print_table(
        ("JOB", "STATUS", "TOOK", "ERROR"),
        [(job["key"], job["status"], _duration(job), job["error"]) for job in run["jobs"]],
        empty="No jobs.",
    )


@remote
def run_remote_command(
    pipeline: PipelineRef, ref: Ref = None, follow: Follow = False, *, remote: Remote
) -> None:
    """Start a pipeline on the server; print the execution's id (with --follow, its logs and its end)."""
    from conveyor.cli import names

    async def start(client: ConveyorClient) -> tuple[str, str]:
        found = await names.pipeline(client, pipeline)
        accepted = await client.post(f"/pipelines/{found['id']}/executions", {"ref": ref} if ref else {})
        return str(accepted["executionId"]), found["name"]

    execution_id, _ = remote.call(start)
    typer.echo(execution_id)
    if follow:
        _follow_to_the_end(remote, execution_id, pipeline if "/" in pipeline else None)


executions_app.command("start")(run_remote_command)


@executions_app.command("logs")
@remote
def logs_command(execution: ExecutionRef, follow: Follow = False, *, remote: Remote) -> None:
    """Print an execution's logs; with --follow, follow them live and exit with the pipeline's code."""
    if follow:
        _follow_to_the_end(remote, execution, execution.rsplit("/", 1)[0] if "/" in execution else None)
        return
    remote.call(lambda client: _logs(client, execution, False, _console()))


@executions_app.command("cancel")
@remote
def cancel_command(execution: ExecutionRef, *, remote: Remote) -> None:
    """Cancel a running execution."""
    execution_id = remote.call(lambda client: _post(client, execution, "cancel"))
    typer.echo(f"Cancel requested for {execution} ({execution_id}).")


@executions_app.command("retry")
@remote
def retry_command(execution: ExecutionRef, follow: Follow = False, *, remote: Remote) -> None:
    """Re-run the failed jobs of an execution."""
    execution_id = remote.call(lambda client: _post(client, execution, "retry"))
    typer.echo(f"Re-running the failed jobs of {execution} ({execution_id}).")
    if follow:
        _follow_to_the_end(remote, execution_id, execution.rsplit("/", 1)[0] if "/" in execution else None)


def _follow_to_the_end(remote: Remote, execution: str, pipeline: str | None) -> None:
    """Print the logs until the run ends, then one closing line; exit with the pipeline's code."""
    console = _console()
    run = remote.call(lambda client: _logs(client, execution, True, console))
    console.print(_closing_line(run, pipeline), highlight=False)
    raise typer.Exit(EXIT_CODES.get(Status(run["status"]), 1))


def _closing_line(run: dict[str, Any], pipeline: str | None) -> str:
    """``attrs/ci/3 failed in 12.0s. test: exit code 1.`` (the name, else the id and number)."""
    name = f"{pipeline}/{run['number']}" if pipeline else f"Execution {run['id']} (#{run['number']})"
    took = _duration(run)
    line = f"{name} {run['status']}" + (f" in {took}" if took else "") + "."
    failed = [
        f"{job['key']}: {job['error'] or job['status']}" for job in run["jobs"] if job["status"] in FAILING
    ]
    return line + ("" if not failed else " " + "; ".join(failed) + ".")


async def _post(client: ConveyorClient, execution: str, action: str) -> str:
    from conveyor.cli import names

    found = await names.execution(client, execution)
    await client.post(f"/executions/{found['id']}/{action}")
    return str(found["id"])


async def _recent(
    client: ConveyorClient, target: str | None, limit: int
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The newest ``limit`` runs of the target, and each pipeline's PROJECT/PIPELINE name."""
    from conveyor.cli import names

    if target is not None and "/" in target:
        pipelines = [await names.pipeline(client, target)]
        projects = {pipelines[0]["projectId"]: target.split("/", 1)[0]}
    else:
        chosen = [await names.project(client, target)] if target else await client.get("/projects")
        projects = {p["id"]: p["name"] for p in chosen}
        pipelines = [p for pid in projects for p in await client.get(f"/projects/{pid}/pipelines")]
    runs = [
        run
        for pipeline in pipelines
        for run in await client.get(f"/pipelines/{pipeline['id']}/executions", params={"limit": limit})
    ]
    runs.sort(key=lambda run: run["createdAt"], reverse=True)
    return runs[:limit], {p["id"]: f"{projects[p['projectId']]}/{p['name']}" for p in pipelines}


def _when(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


def _duration(item: dict[str, Any]) -> str:
    if not item.get("startedAt") or not item.get("finishedAt"):
        return ""
    seconds = (
        datetime.fromisoformat(item["finishedAt"]) - datetime.fromisoformat(item["startedAt"])
    ).total_seconds()
    return f"{seconds:.1f}s" if seconds < 60 else f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


Printer = Callable[[str, str], None]


async def _logs(client: ConveyorClient, execution: str, follow: bool, console: Console) -> dict[str, Any]:
    """Print the logs (following them live if asked); the execution as it ended (or is now)."""
    from conveyor.cli import names
    from conveyor.cli.view import log_line
    from conveyor.client.models import EventSelection

    run = await names.execution(client, execution)
    execution_id = run["id"]
    keys = {job["id"]: job["key"] for job in run["jobs"]}
    offsets: dict[str, int] = dict.fromkeys(keys, 0)

    def printer(job_id: str, text: str) -> None:
        console.print(log_line(keys.get(job_id, job_id[:8]), text), soft_wrap=True)

    if not follow:
        await _catch_up(client, execution_id, offsets, printer)
        return run
    selection = EventSelection(
        event_types=["pipeline_log", "pipeline_execution_completed"], project_ids=[run["projectId"]]
    )
    async with client.stream(selection) as stream:
        await asyncio.wait_for(stream.wait_authenticated(), 30)
        await _follow(client, stream, execution_id, offsets, printer)
    ended: dict[str, Any] = await client.get(f"/executions/{execution_id}")
    return ended


async def _follow(
    client: ConveyorClient, stream: Any, execution_id: str, offsets: dict[str, int], printer: Printer
) -> None:
    """Catch up from the REST log, then print live batches; gaps are filled from the REST log."""
    from conveyor.client.errors import ConveyorClientError

    await _catch_up(client, execution_id, offsets, printer)
    execution = await client.get(f"/executions/{execution_id}")
    if Status(execution["status"]).done:
        await _catch_up(client, execution_id, offsets, printer)
        return
    async for event in stream:
        data = event.data
        if data.get("executionId") != execution_id:
            continue
        if event.event_type == "pipeline_execution_completed":
            await _catch_up(client, execution_id, offsets, printer)
            return
        job_id, start = data["jobId"], offsets.get(data["jobId"], 0)
        if data["offset"] > start:
            await _catch_up(client, execution_id, offsets, printer, only=job_id)
            continue
        for line in data["lines"]:
            if line["n"] >= offsets.get(job_id, 0):
                printer(job_id, line["text"])
                offsets[job_id] = line["n"] + 1
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
