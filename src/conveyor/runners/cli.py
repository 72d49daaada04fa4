"""``conveyor worker``: a Celery worker that runs pipeline jobs for the servers."""

from __future__ import annotations

from typing import Annotated

import typer

from conveyor.config import Settings

# What a worker must not hold: a step that escaped its sandbox would find them in its environment.
SERVER_CREDENTIALS = ("database_url", "secrets_key", "jwt_secret", "admin_password")


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
    """Run jobs from the Redis broker for the server at CONVEYOR_SERVER_URL (CONVEYOR_WORKER_TOKEN).

    The worker claims each job, and gets its secrets, from the server's worker API and reports
    through it: it needs CONVEYOR_REDIS_URL too, and no database URL or secrets key."""
    from conveyor.logs import configure_logging
    from conveyor.runners.celery import run_worker
    from conveyor.runners.labels import runner_labels

    settings = Settings()
    missing = [
        variable
        for variable, value in [
            ("CONVEYOR_REDIS_URL", settings.redis_url),
            ("CONVEYOR_SERVER_URL", settings.server_url),
            ("CONVEYOR_WORKER_TOKEN", settings.worker_token),
        ]
        if not value
    ]
    if missing:
        typer.echo(
            f"a worker needs {', '.join(missing)}: the broker, the server it reports to, and a worker "
            "token from `conveyor worker-tokens create`",
            err=True,
        )
        raise typer.Exit(2)
    held = [f"CONVEYOR_{field.upper()}" for field in SERVER_CREDENTIALS if getattr(settings, field)]
    if held:
        typer.echo(
            f"a worker must not hold {', '.join(held)}: it gets each job and its secrets from the "
            "server; remove them from the worker's environment",
            err=True,
        )
        raise typer.Exit(2)
    given = labels.split(",") if labels is not None else settings.runner_labels
    try:
        offered = runner_labels([label for label in given if label.strip()], local=False)
    except ValueError as exc:
        typer.echo(f"--labels: {exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging()
    run_worker(settings, concurrency=concurrency, queue=queue, name=name, labels=offered)
