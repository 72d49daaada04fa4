"""``conveyor typescript``: the dashboard's generated types, event and REST, in one command.

The event types come from the catalog (``events/typescript.py``); the REST types from the
OpenAPI document the server serves at ``/api/v1/openapi.json``, turned into TypeScript by
openapi-typescript (``web/scripts/openapi-types.mjs``, run with node from ``web/``). Tests fail
when either committed file differs from what these render.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from conveyor.app import openapi_document
from conveyor.events.typescript import DEFAULT_OUTPUT, render

WEB_DIR = Path("web")
REST_OUTPUT = WEB_DIR / "src" / "services" / "api.generated.ts"
REST_SCRIPT = Path("scripts") / "openapi-types.mjs"


class GeneratorMissing(RuntimeError):
    """node or web/node_modules is not there: the REST types cannot be rendered."""


def render_rest(web_dir: Path = WEB_DIR) -> str:
    """The REST types module: openapi-typescript's rendering of the server's OpenAPI document."""
    node = shutil.which("node")
    if node is None or not (web_dir / "node_modules" / "openapi-typescript").is_dir():
        raise GeneratorMissing(f"the REST types need node and `npm ci` in {web_dir}")
    result = subprocess.run(
        [node, str(REST_SCRIPT)],
        cwd=web_dir,
        input=json.dumps(openapi_document()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise GeneratorMissing(f"openapi-typescript failed: {result.stderr.strip()[-2000:]}")
    return result.stdout


def typescript_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Event types file to write, or - for standard output.")
    ] = DEFAULT_OUTPUT,
    rest_output: Annotated[
        Path, typer.Option("--rest-output", help="REST types file to write, or - for standard output.")
    ] = REST_OUTPUT,
    web_dir: Annotated[
        Path, typer.Option("--web", help="The dashboard's folder, with node_modules (npm ci).")
    ] = WEB_DIR,
) -> None:
    """Write the dashboard's TypeScript types: events from the catalog, REST from OpenAPI."""
    _write(output, render())
    try:
        rest = render_rest(web_dir)
    except GeneratorMissing as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    _write(rest_output, rest)


def _write(target: Path, text: str) -> None:
    if str(target) == "-":
        typer.echo(text, nl=False)
        return
    if not target.parent.is_dir():
        typer.echo(f"error: {target.parent} does not exist: run at the repository root or pass -o", err=True)
        raise typer.Exit(2)
    target.write_text(text)
    typer.echo(f"wrote {target}")
