"""Definitions from any maintainer are parsed within bounds, and bad text is a 4xx."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from conveyor.pipelines.spec.loader import MAX_NODES
from tests.support.pipelines import PipelineApi


async def send(api: PipelineApi, method: str, path: str, body: dict[str, str]) -> httpx.Response:
    async with api.server.api(api.token) as client:
        return await client.request(method, f"/api/v1{path}", json=body)


def alias_bomb(levels: int = 9) -> str:
    """~400 bytes that expand to 9**9 strings when every alias is followed."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        name, previous = chr(97 + level), chr(96 + level)
        lines.append(f"{name}: &{name} [{','.join(['*' + previous] * 9)}]")
    lines.append("jobs: {build: {steps: [{run: echo}]}}")
    return "\n".join(lines) + "\n"


async def test_an_alias_bomb_is_refused_quickly_and_the_server_keeps_answering(api: PipelineApi) -> None:
    project = await api.project("bombs")
    started = time.monotonic()
    create = asyncio.create_task(
        send(api, "POST", f"/projects/{project}/pipelines", {"name": "b", "definition": alias_bomb()})
    )
    # the event loop stays free while the definition is parsed
    health = await asyncio.wait_for(api.request("GET", "/projects", 200), 5)
    assert isinstance(health, list)
    response = await asyncio.wait_for(create, 10)
    assert response.status_code == 422
    assert f"expands to more than {MAX_NODES} values" in response.json()["detail"]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("definition", "reason"),
    [
        (
            'jobs:\n  a:\n    steps:\n      - run: "x\x07y"\n',
            "line 4: invalid YAML: control character #x0007",
        ),
        ("jobs:\n  a:\n    steps:\n      - run: x\x1by\n", "line 4: invalid YAML: control character #x001b"),
        ('jobs:\n  a:\n    steps:\n      - run: "\\ud800"\n', "line 4: unpaired surrogate"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\njobs: {}\n", "line 1: nested deeper than 64 levels"),
        ("a: &a [*a]\njobs: {x: {steps: [{run: *a}]}}\n", "nested deeper than 64 levels"),
        ("jobs: {}\n" + "#" * 300_000, "262144 characters"),
    ],
    ids=["bell", "escape", "surrogate", "deep", "recursive-alias", "long"],
)
async def test_hostile_yaml_is_a_4xx_with_its_reason(api: PipelineApi, definition: str, reason: str) -> None:
    project = await api.project("hostile")
    response = await send(
        api, "POST", f"/projects/{project}/pipelines", {"name": "h", "definition": definition}
    )
    assert response.status_code == 422, response.text
    assert reason in str(response.json()["detail"])
    pipeline = await api.request(
        "POST",
        f"/projects/{project}/pipelines",
        json={"name": "ok", "definition": "jobs: {a: {steps: [{run: echo}]}}\n"},
    )
    assert pipeline["name"] == "ok"
    update = await send(api, "PUT", f"/pipelines/{pipeline['id']}", {"definition": definition})
    assert update.status_code == 422 and reason in str(update.json()["detail"])
