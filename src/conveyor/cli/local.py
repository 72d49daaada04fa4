"""``conveyor run``: a pipeline file on the local runner, without a server (``oneshot.py``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from conveyor.cli.lazy import collection_paused
from conveyor.status import Status

EXIT_CODES = {
    Status.SUCCESS: 0,
    Status.SKIPPED: 0,
    Status.FAILED: 1,
    Status.TIMED_OUT: 124,
    Status.CANCELLED: 130,
}
EXIT_INVALID = 2


def run_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Pipeline YAML.")],
    workspace: Annotated[Path, typer.Option(help="Directory the jobs run in.")] = Path(),
    parallel: Annotated[int, typer.Option(min=1, help="Jobs run at once.")] = 4,
) -> None:
    """Run a pipeline file on the local runner, without a server; exit with the pipeline's code."""
    with collection_paused():
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
