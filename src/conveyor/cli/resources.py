"""``conveyor projects|pipelines list|create``, ``conveyor tokens create|list|revoke`` and
``conveyor worker-tokens create|list|revoke``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from conveyor.cli.remote import CliError, JsonOption, Remote, print_json, print_table, remote

if TYPE_CHECKING:
    from conveyor.client.api import ConveyorClient

projects_app = typer.Typer(help="Projects on a Conveyor server.", no_args_is_help=True)
pipelines_app = typer.Typer(help="Pipelines of the projects on a Conveyor server.", no_args_is_help=True)
tokens_app = typer.Typer(help="Your API tokens, for scripts and CI.", no_args_is_help=True)
worker_tokens_app = typer.Typer(
    help="Worker tokens (admins): what `conveyor worker` shows the server to take and report jobs.",
    no_args_is_help=True,
)


@projects_app.command("list")
@remote
def projects_list(as_json: JsonOption = False, *, remote: Remote) -> None:
    """List the projects you can see, with your role in each."""
    projects: list[dict[str, Any]] = remote.call(lambda client: client.get("/projects"))
    if as_json:
        print_json(projects)
        return
    rows = [(p["name"], p.get("role"), p.get("repoUrl"), p.get("defaultBranch"), p["id"]) for p in projects]
    print_table(("NAME", "ROLE", "REPOSITORY", "BRANCH", "ID"), rows, empty="No projects yet.")


@projects_app.command("create")
@remote
def projects_create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Letters, digits, _ . -")],
    repo: Annotated[
        str | None, typer.Option(help="Git repository: a URL, or a path on the server's machine.")
    ] = None,
    branch: Annotated[str, typer.Option(help="Default branch, run when no --ref is given.")] = "main",
    as_json: JsonOption = False,
    *,
    remote: Remote,
) -> None:
    """Create a project (you become its owner)."""
    if repo and "://" not in repo and Path(repo).expanduser().is_dir():
        repo = str(Path(repo).expanduser().resolve())  # `--repo .` means this checkout
    body = {"name": name, "repoUrl": repo, "defaultBranch": branch}
    created = remote.call(lambda client: client.post("/projects", body))
    if as_json:
        print_json(created)
        return
    typer.echo(f"Created project {name} ({created['id']}).")


@pipelines_app.command("create")
@remote
def pipelines_create(
    pipeline: Annotated[str, typer.Argument(metavar="PROJECT/PIPELINE", help="Where and under which name.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The pipeline's YAML.")],
    as_json: JsonOption = False,
    *,
    remote: Remote,
) -> None:
    """Create a pipeline from a YAML file (checked first: errors name their line)."""
    from conveyor.cli import names

    if pipeline.count("/") != 1:
        raise typer.BadParameter("name it PROJECT/PIPELINE", param_hint="PROJECT/PIPELINE")
    project_ref, name = pipeline.split("/")

    async def create(client: ConveyorClient) -> dict[str, Any]:
        owner = await names.project(client, project_ref)
        body = {"name": name, "definition": file.read_text()}
        created: dict[str, Any] = await client.post(f"/projects/{owner['id']}/pipelines", body)
        return created

    created = remote.call(create)
    if as_json:
        print_json(created)
        return
    typer.echo(
        f"Created pipeline {pipeline} ({created['id']}); start it with `conveyor run-remote {pipeline}`."
    )


@pipelines_app.command("list")
@remote
def pipelines_list(
    project: Annotated[
        str | None, typer.Argument(metavar="PROJECT", help="Only this project (name or id).")
    ] = None,
    as_json: JsonOption = False,
    *,
    remote: Remote,
) -> None:
    """List the pipelines of a project, or of every project you can see."""
    pipelines = remote.call(lambda client: _pipelines(client, project))
    if as_json:
        print_json([pipeline for _, pipeline in pipelines])
        return
    rows = [
        (f"{name}/{p['name']}", p["id"], p.get("updatedAt", "")[:16].replace("T", " "))
        for name, p in pipelines
    ]
    print_table(("PIPELINE", "ID", "UPDATED"), rows, empty="No pipelines yet.")


async def _pipelines(client: ConveyorClient, project: str | None) -> list[tuple[str, dict[str, Any]]]:
    from conveyor.cli import names

    chosen = [await names.project(client, project)] if project else await client.get("/projects")
    return [
        (p["name"], pipeline)
        for p in chosen
        for pipeline in await client.get(f"/projects/{p['id']}/pipelines")
    ]


@tokens_app.command("create")
@remote
def tokens_create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="What the token is for, e.g. 'nightly job'.")],
    scope: Annotated[
        list[str] | None, typer.Option(help="api (the default) or alerts:write (admins); repeatable.")
    ] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="Days until it expires (default: never).")
    ] = None,
    as_json: JsonOption = False,
    *,
    remote: Remote,
) -> None:
    """Create an API token and print it (it is shown only this once)."""
    body: dict[str, Any] = {"name": name, "expiresInDays": expires_in_days}
    if scope:
        body["scopes"] = scope
    created = remote.call(lambda client: client.post("/auth/tokens", body))
    if as_json:
        print_json(created)
        return
    typer.echo(created["token"])
    typer.echo(f"Created API token {name!r} ({created['id']}); copy it now, it is not shown again.", err=True)


@tokens_app.command("list")
@remote
def tokens_list(as_json: JsonOption = False, *, remote: Remote) -> None:
    """List your API tokens (never the tokens themselves)."""
    tokens: list[dict[str, Any]] = remote.call(lambda client: client.get("/auth/tokens"))
    if as_json:
        print_json(tokens)
        return
    rows = [
        (
            t["name"],
            t["id"],
            f"{t['prefix']}...",
            ",".join(t["scopes"]),
            _day(t["expiresAt"]) or "never",
            _state(t),
        )
        for t in tokens
    ]
    print_table(("NAME", "ID", "STARTS", "SCOPES", "EXPIRES", "STATE"), rows, empty="No API tokens.")


@tokens_app.command("revoke")
@remote
def tokens_revoke(
    which: Annotated[str, typer.Argument(metavar="TOKEN", help="Its id or its name.")], *, remote: Remote
) -> None:
    """Revoke one of your API tokens: it stops working at once."""

    revoked = remote.call(
        lambda client: _revoke(client, "/auth/tokens", which, "API token", "tokens", "You have no")
    )
    typer.echo(f"Revoked API token {revoked['name']!r} ({revoked['id']}).")


async def _revoke(
    client: ConveyorClient, path: str, which: str, kind: str, command: str, none: str = "There is no"
) -> dict[str, Any]:
    """Revoke the one live token at ``path`` whose id or name is ``which``; the token."""
    tokens: list[dict[str, Any]] = await client.get(path)
    live = [t for t in tokens if which in (t["id"], t["name"]) and t["revokedAt"] is None]
    if len(live) != 1:
        several = f"{len(live)} live {kind}s are named {which!r}; revoke one by its id."
        raise CliError(several if live else f"{none} live {kind} {which!r} (`conveyor {command} list`).")
    await client.delete(f"{path}/{live[0]['id']}")
    return live[0]


@worker_tokens_app.command("create")
@remote
def worker_tokens_create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Which workers use it, e.g. 'build farm'.")],
    as_json: JsonOption = False,
    *,
    remote: Remote,
) -> None:
    """Create a worker token and print it (shown only this once): CONVEYOR_WORKER_TOKEN of workers."""
    created = remote.call(lambda client: client.post("/workers/tokens", {"name": name}))
    if as_json:
        print_json(created)
        return
    typer.echo(created["token"])
    typer.echo(
        f"Created worker token {name!r} ({created['id']}); give it to the workers as CONVEYOR_WORKER_TOKEN "
        "and copy it now, it is not shown again.",
        err=True,
    )


@worker_tokens_app.command("list")
@remote
def worker_tokens_list(as_json: JsonOption = False, *, remote: Remote) -> None:
    """List the worker tokens (never the tokens themselves)."""
    tokens: list[dict[str, Any]] = remote.call(lambda client: client.get("/workers/tokens"))
    if as_json:
        print_json(tokens)
        return
    rows = [
        (t["name"], t["id"], f"{t['prefix']}...", _day(t["lastUsedAt"]) or "never", _state(t)) for t in tokens
    ]
    print_table(("NAME", "ID", "STARTS", "LAST CLAIM", "STATE"), rows, empty="No worker tokens.")


@worker_tokens_app.command("revoke")
@remote
def worker_tokens_revoke(
    which: Annotated[str, typer.Argument(metavar="TOKEN", help="Its id or its name.")], *, remote: Remote
) -> None:
    """Revoke a worker token: the workers using it are refused from their next call."""
    revoked = remote.call(
        lambda client: _revoke(client, "/workers/tokens", which, "worker token", "worker-tokens")
    )
    typer.echo(f"Revoked worker token {revoked['name']!r} ({revoked['id']}).")


def _day(stamp: str | None) -> str:
    return stamp[:10] if stamp else ""


def _state(token: dict[str, Any]) -> str:
    return "revoked" if token["revokedAt"] else "live"
