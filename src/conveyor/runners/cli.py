"""``conveyor worker``: a Celery worker that runs pipeline jobs for the servers."""

from __future__ import annotations

from typing import Annotated

import typer

from conveyor.config import Settings


def worker_command(
    concurrency: Annotated[int, typer.Option(min=1, help="Jobs this worker runs at once.")] = 2,
    queue: Annotated[str | None, typer.Option(help="Celery queue (CONVEYOR_CELERY_QUEUE).")] = None,
    name: Annotated[str | None, typer.Option(help="Worker node name (default conveyor@HOST).")] = None,
    labels: Annotated[
        str | None,
        typer.Option(
            help="Labels for jobs' runs-on, comma-separated (linux,gpu), besides self-hosted, the "
            "system and the architecture (default CONVEYOR_RUNNER_LABELS)."
        ),
    ] = None,
) -> None:
    """Run jobs from the Redis broker (CONVEYOR_REDIS_URL), writing state to CONVEYOR_DATABASE_URL."""
    from conveyor.logs import configure_logging
    from conveyor.runners.celery import run_worker
    from conveyor.runners.labels import runner_labels

    settings = Settings()
    if not settings.redis_url or settings.is_sqlite:
        typer.echo("a worker needs CONVEYOR_REDIS_URL and a PostgreSQL CONVEYOR_DATABASE_URL", err=True)
        raise typer.Exit(2)
    given = labels.split(",") if labels is not None else settings.runner_labels
    try:
        offered = runner_labels([label for label in given if label.strip()], local=False)
    except ValueError as exc:
        typer.echo(f"--labels: {exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging()
    run_worker(settings, concurrency=concurrency, queue=queue, name=name, labels=offered)
