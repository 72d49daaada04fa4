"""GET /pipelines/{id}/badge.svg: the latest finished run on a branch as a shields-style SVG,
public only when the project says so, cached briefly."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import httpx

from tests.support.pipelines import PipelineApi, all_completed
from tests.support.server import RunningServer

SVG = "{http://www.w3.org/2000/svg}"


async def badge(
    server: RunningServer, pipeline_id: str, token: str | None = None, **params: Any
) -> httpx.Response:
    async with server.api(token) as client:
        return await client.get(f"/api/v1/pipelines/{pipeline_id}/badge.svg", params=params)


def title(response: httpx.Response) -> str:
    root = ElementTree.fromstring(response.text)
    return str(root.findtext(f"{SVG}title"))


async def test_badges_show_each_branch_and_are_public_only_when_the_project_says_so(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("badged")
    definition = "jobs:\n  a:\n    steps: [{run: 'test \"$CI_COMMIT_REF_NAME\" = main'}]\n"
    pipeline = (await api.pipeline(project, definition, name="tests"))["id"]
    listener = await server.authenticated_socket(api.token)
    runs = [await api.start(pipeline, ref=ref) for ref in ("main", "feature")]
    await all_completed(listener, runs)
    fresh = (await api.pipeline(project, definition, name="never-ran"))["id"]

    assert (
        await badge(server, pipeline, branch="main")
    ).status_code == 404  # not public: strangers see nothing
    main = await badge(server, pipeline, api.token, branch="main")
    assert main.status_code == 200 and main.headers["content-type"] == "image/svg+xml"
    assert main.headers["cache-control"] == "private, max-age=60"
    assert title(main) == "tests: passing" and 'fill="#4c1"' in main.text
    feature = await badge(server, pipeline, api.token, branch="feature")
    assert title(feature) == "tests: failing" and 'fill="#e05d44"' in feature.text
    assert title(await badge(server, pipeline, api.token, branch="nope")) == "tests: no runs"
    assert title(await badge(server, pipeline, api.token)) == "tests: failing"  # no repository: latest run
    assert title(await badge(server, fresh, api.token)) == "never-ran: no runs"

    _, stranger = await server.create_user("stranger")
    assert (await badge(server, pipeline, stranger, branch="main")).status_code == 404
    assert (await badge(server, pipeline, "not-a-token")).status_code == 401
    await api.request("PATCH", f"/projects/{project}", 200, json={"publicBadges": True})
    public = await badge(server, pipeline, branch="main")
    assert public.status_code == 200 and title(public) == "tests: passing"
    assert public.headers["cache-control"] == "public, max-age=60"
    assert "default-src 'none'" in public.headers["content-security-policy"]
    assert (await badge(server, "no-such-pipeline")).status_code == 404
    assert (await badge(server, pipeline, branch="")).status_code == 422
    await server.close_listeners()
