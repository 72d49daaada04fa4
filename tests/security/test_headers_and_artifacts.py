"""Every response carries the security headers; artifact names a step chose cannot break the
download, and a stored artifact path never leaves the workspace."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer


@pytest.mark.parametrize(
    "path",
    ["/", "/healthz", "/api/v1/projects", "/api/v1/openapi.json", "/socket.io/?EIO=4&transport=polling"],
)
async def test_every_response_has_the_security_headers(server: RunningServer, path: str) -> None:
    async with server.api() as client:
        response = await client.get(path)
    assert response.status_code < 500
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


NAMES = ["a\r\nSet-Cookie: x=1.txt", "пример 例.txt", 'q"uote;%.txt']


async def test_artifact_names_are_encoded_and_paths_stay_inside(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("files")
    script = "\n".join(
        [
            "          ln -s .. up",
            "          printf one > \"$(printf 'a\\r\\nSet-Cookie: x=1.txt')\"",
            "          printf two > 'пример 例.txt'",
            "          printf three > 'q\"uote;%.txt'",
        ]
    )
    definition = f"jobs:\n  files:\n    artifacts: ['*.txt', 'up/**']\n    steps:\n      - run: |\n{script}\n"
    pipeline = await api.pipeline(project, definition)
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    execution = (await completed(listener, execution_id))["data"]["execution"]
    assert execution["status"] == "success", execution
    artifacts = await api.request("GET", f"/executions/{execution_id}/artifacts", 200)
    assert sorted(a["path"] for a in artifacts) == sorted(NAMES)
    assert not [a for a in artifacts if ".." in a["path"].split("/")]
    async with server.api(api.token) as client:
        for artifact in artifacts:
            response = await client.get(f"/api/v1/executions/{execution_id}/artifacts/{artifact['id']}")
            assert response.status_code == 200
            disposition = response.headers["content-disposition"]
            assert (
                "\r" not in disposition and "\n" not in disposition and "set-cookie" not in response.headers
            )
            encoded = disposition.split("filename*=UTF-8''", 1)[1]
            assert unquote(encoded) == artifact["path"]
