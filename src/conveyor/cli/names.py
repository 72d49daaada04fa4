"""Names wherever ids are: ``PROJECT``, ``PROJECT/PIPELINE``, ``PROJECT/PIPELINE/NUMBER``.

Each part is a name or an id; a bare id of a pipeline or an execution works too. Resolved
through the REST API with the caller's rights, so a name the caller cannot see is not found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from conveyor.cli.remote import CliError

if TYPE_CHECKING:
    from conveyor.client.api import ConveyorClient

RECENT_RUNS = 200  # how far back a run number is looked up (the API's page limit)


async def project(client: ConveyorClient, ref: str) -> dict[str, Any]:
    projects: list[dict[str, Any]] = await client.get("/projects")
    for found in projects:
        if ref in (found["name"], found["id"]):
            return found
    raise CliError(f"There is no project {ref!r} that you can see (`conveyor projects list` shows them).")


async def pipeline(client: ConveyorClient, ref: str) -> dict[str, Any]:
    if "/" not in ref:
        return await _by_id(
            client, f"/pipelines/{ref}", f"There is no pipeline {ref!r}; name it PROJECT/PIPELINE."
        )
    project_ref, name = ref.split("/", 1)
    owner = await project(client, project_ref)
    pipelines: list[dict[str, Any]] = await client.get(f"/projects/{owner['id']}/pipelines")
    for found in pipelines:
        if name in (found["name"], found["id"]):
            return found
    listing = f"`conveyor pipelines list {owner['name']}`"
    raise CliError(f"Project {owner['name']!r} has no pipeline {name!r} ({listing} shows them).")


async def execution(client: ConveyorClient, ref: str) -> dict[str, Any]:
    if ref.count("/") != 2:
        return await _by_id(
            client, f"/executions/{ref}", f"There is no execution {ref!r}; name it PROJECT/PIPELINE/NUMBER."
        )
    pipeline_ref, number = ref.rsplit("/", 1)
    if not number.isdigit():
        raise CliError(f"{number!r} is not a run number; name an execution PROJECT/PIPELINE/NUMBER.")
    owner = await pipeline(client, pipeline_ref)
    runs = await client.get(f"/pipelines/{owner['id']}/executions", params={"limit": RECENT_RUNS})
    for found in runs:
        if found["number"] == int(number):
            full: dict[str, Any] = await client.get(f"/executions/{found['id']}")
            return full
    raise CliError(f"Pipeline {pipeline_ref} has no run number {number} among its latest {RECENT_RUNS}.")


async def _by_id(client: ConveyorClient, path: str, missing: str) -> dict[str, Any]:
    from conveyor.client.errors import ConveyorAPIError

    try:
        found: dict[str, Any] = await client.get(path)
    except ConveyorAPIError as exc:
        if exc.status in (404, 422):
            raise CliError(missing) from None
        raise
    return found
