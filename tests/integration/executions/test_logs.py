from __future__ import annotations

import asyncio
from typing import Any

from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer
from tests.support.sockets import Listener

LINES = 3000


def log_batches(received: list[tuple[str, Any]], execution_id: str) -> list[dict[str, Any]]:
    return [
        data["data"]
        for name, data in received
        if name == "pipeline_log" and data["data"]["executionId"] == execution_id
    ]


async def test_every_line_is_kept_in_order_streamed_in_batches_and_paged(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("chatty")
    pipeline = await api.pipeline(
        project,
        f"jobs:\n  talk:\n    steps:\n      - run: for i in $(seq 1 {LINES}); do echo line-$i; done\n",
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    await completed(listener, execution_id)

    batches = log_batches(listener.received, execution_id)
    assert len(batches) > 1, "lines should arrive in several batches"
    streamed = [line for batch in batches for line in batch["lines"]]
    assert [line["n"] for line in streamed] == list(range(LINES))
    assert [line["text"] for line in streamed] == [f"line-{i}" for i in range(1, LINES + 1)]
    assert all(batch["offset"] == batch["lines"][0]["n"] for batch in batches)
    stamps = [line["ts"] for line in streamed]
    assert stamps == sorted(stamps)

    first = await api.logs(execution_id, job="talk", offset=0, limit=1000)
    page = first["jobs"][0]
    assert page["nextOffset"] == 1000 and not page["done"]
    rest = (await api.logs(execution_id, job="talk", offset=page["nextOffset"], limit=5000))["jobs"][0]
    assert [line["text"] for line in page["lines"] + rest["lines"]] == [line["text"] for line in streamed]
    assert rest["done"] and rest["nextOffset"] == LINES
    assert (await api.logs(execution_id))["jobs"][0]["jobId"] == batches[0]["jobId"]
    await api.request("GET", f"/executions/{execution_id}/logs", 404, params={"job": "nope"})


async def test_a_reconnecting_client_resumes_where_it_stopped(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("resume")
    pipeline = await api.pipeline(
        project,
        "jobs:\n  talk:\n    steps:\n      - run: for i in $(seq 1 40); do echo l$i; sleep 0.025; done\n",
    )
    first = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    _, envelope = await first.next(
        lambda item: item[0] == "pipeline_log" and item[1]["data"]["executionId"] == execution_id
    )
    last_seq = envelope["seq"]
    seen = envelope["data"]["lines"]
    await first.close()

    second = Listener(server.base_url)
    await second.connect()
    server._listeners.append(second)
    reply = await second.authenticate(api.token, lastSeq=last_seq)
    assert reply[0] == "authenticated"
    await completed(second, execution_id)
    resumed = [line for batch in log_batches(second.received, execution_id) for line in batch["lines"]]
    numbers = [line["n"] for line in seen + resumed]
    assert numbers == list(range(40)), "no line lost or repeated across the reconnect"


async def test_concurrent_executions_lose_no_line(server_with: Any) -> None:
    async with server_with(max_parallel_jobs=10) as server:
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("crowd")
        script = 'for i in $(seq 1 300); do echo "$CI_EXECUTION_ID $i"; done'
        pipeline = await api.pipeline(project, f"jobs:\n  talk:\n    steps:\n      - run: {script}\n")
        listener = await server.authenticated_socket(api.token)
        ids = await asyncio.gather(*(api.start(pipeline["id"]) for _ in range(10)))
        pending = set(ids)

        def last_to_complete(item: tuple[str, Any]) -> bool:
            if item[0] == "pipeline_execution_completed":
                assert item[1]["data"]["execution"]["status"] == "success"
                pending.discard(item[1]["data"]["executionId"])
            return not pending

        await listener.next(last_to_complete, timeout=60)
        for execution_id in ids:
            expected = [f"{execution_id} {i}" for i in range(1, 301)]
            streamed = [
                line["text"]
                for batch in log_batches(listener.received, execution_id)
                for line in batch["lines"]
            ]
            assert streamed == expected
            assert await api.log_text(execution_id, "talk") == expected


async def test_nul_bytes_in_output_lose_no_line(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("nul-output")
    pipeline = await api.pipeline(
        project, "jobs:\n  a:\n    steps:\n      - run: printf 'a\\0b\\nafter\\n'\n"
    )
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "success"
    assert await api.log_text(execution_id, "a") == ["a\ufffdb", "after"]


STEPPED = """
jobs:
  build:
    steps:
      - run: for i in 1 2 3 4 5; do echo prepare-$i; done
      - run: "true"
      - run: "echo compiling; echo 'error: Needle in main.c'; echo also needle here; exit 3"
"""


async def test_a_log_is_read_by_step_by_search_and_raw(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("stepped")
    pipeline = await api.pipeline(project, STEPPED)
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "failed"

    first = (await api.logs(execution_id, job="build", step=0, limit=3))["jobs"][0]
    assert [line["text"] for line in first["lines"]] == ["prepare-1", "prepare-2", "prepare-3"]
    assert not first["done"] and first["nextOffset"] == first["lines"][-1]["n"] + 1
    rest = (await api.logs(execution_id, job="build", step=0, offset=first["nextOffset"], limit=3))["jobs"][0]
    assert [line["text"] for line in rest["lines"]] == ["prepare-4", "prepare-5"] and rest["done"]

    silent = (await api.logs(execution_id, job="build", step=1))["jobs"][0]
    assert silent["lines"] == [] and silent["done"]

    found = (await api.logs(execution_id, job="build", search="NEEDLE"))["jobs"][0]
    assert [line["text"] for line in found["lines"]] == ["error: Needle in main.c", "also needle here"]
    assert {line["step"] for line in found["lines"]} == {2}
    literal = (await api.logs(execution_id, job="build", search="%"))["jobs"][0]
    assert literal["lines"] == [], "the search is a plain substring, not a LIKE pattern"

    async with server.api(api.token) as client:
        raw = await client.get(f"/api/v1/executions/{execution_id}/logs/raw", params={"job": "build"})
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("text/plain")
    assert "attachment" in raw.headers["content-disposition"]
    assert raw.text.splitlines() == await api.log_text(execution_id, "build")
    assert "prepare-1\nprepare-2\n" in raw.text
    await api.request("GET", f"/executions/{execution_id}/logs/raw", 404, params={"job": "nope"})
    await api.request("GET", f"/executions/{execution_id}/logs", 422, params={"step": -1})
