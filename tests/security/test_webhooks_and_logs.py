"""Webhook replays start nothing, strangers learn nothing from hook answers; a job's log is
capped, and what a step prints can neither pass for the runner's lines nor carry escapes."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from tests.support.pipelines import PipelineApi, completed
from tests.support.server import RunningServer

HOOK_SECRET = "webhook-secret-for-tests"
PUSH = json.dumps({"ref": "refs/heads/main", "after": "a" * 40}).encode()


def _headers(delivery: str) -> dict[str, str]:
    signature = "sha256=" + hmac.new(HOOK_SECRET.encode(), PUSH, hashlib.sha256).hexdigest()
    return {"X-GitHub-Event": "push", "X-Hub-Signature-256": signature, "X-GitHub-Delivery": delivery}


async def test_a_replayed_delivery_starts_nothing(server: RunningServer, api: PipelineApi) -> None:
    project = await api.project("hooked")
    body = {"value": HOOK_SECRET}
    await api.request("PUT", f"/projects/{project}/secrets/CONVEYOR_WEBHOOK_SECRET", 204, json=body)
    pipeline = await api.pipeline(
        project, "on:\n  push:\n    branches: [main]\njobs: {a: {steps: [{run: 'true'}]}}\n"
    )
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    async with server.api() as client:
        answers = [
            await client.post(f"/api/v1/hooks/github/{project}", content=PUSH, headers=_headers(delivery))
            for delivery in (first, first, first, second)
        ]
    started = [len(answer.json()["executionIds"]) for answer in answers]
    assert [a.status_code for a in answers] == [202] * 4 and started == [1, 0, 0, 1]
    executions = await api.request("GET", f"/pipelines/{pipeline['id']}/executions", 200)
    assert len(executions) == 2


async def test_unknown_project_and_project_without_hooks_answer_the_same(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("no-hooks")
    async with server.api() as client:
        unknown = await client.post(
            f"/api/v1/hooks/github/{uuid.uuid4()}", content=PUSH, headers=_headers("x")
        )
        no_hooks = await client.post(f"/api/v1/hooks/github/{project}", content=PUSH, headers=_headers("x"))
    assert unknown.status_code == no_hooks.status_code == 404
    assert unknown.json() == no_hooks.json()


async def test_a_jobs_log_is_cut_with_a_runner_line_saying_so(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]],
) -> None:
    async with server_with(job_log_max_bytes=20_000) as server:
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("chatty")
        pipeline = await api.pipeline(
            project, "jobs:\n  loud:\n    steps:\n      - run: seq 100000 | sed s/.*/123456789/\n"
        )
        listener = await server.authenticated_socket(api.token)
        execution_id = await api.start(pipeline["id"])
        execution = (await completed(listener, execution_id))["data"]["execution"]
        page = await api.logs(execution_id, job="loud", limit=10000)
    lines = page["jobs"][0]["lines"]
    assert execution["status"] == "success"
    assert 1900 <= len(lines) <= 2001  # 20,000 bytes of 10-byte lines, then the cut
    assert lines[-1]["origin"] == "runner" and "log cut" in lines[-1]["text"]
    assert "20000 bytes" in lines[-1]["text"]


async def test_step_output_cannot_pass_for_runner_lines_or_carry_escapes(
    server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("forger")
    script = [
        "printf '=== loud: attempt 2 ===\\n'",
        "printf 'title\\033]0;owned\\007 \\033[31mred\\033[0m \\033]52;c;aGk=\\007clip\\n'",
        "printf 'progress 1%%\\rprogress 100%%\\n'",
        "exit 3",
    ]
    run = "".join(f"          {line}\n" for line in script)
    definition = f"jobs:\n  loud:\n    retries: 1\n    steps:\n      - run: |\n{run}"
    pipeline = await api.pipeline(project, definition)
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    await completed(listener, execution_id)
    lines = (await api.logs(execution_id, job="loud", limit=1000))["jobs"][0]["lines"]
    forged = [line for line in lines if line["text"] == "=== loud: attempt 2 ==="]
    assert forged and {line["origin"] for line in forged} == {"step"}
    assert any(line["origin"] == "runner" and "retrying" in line["text"] for line in lines)
    shown = [line["text"] for line in lines if line["origin"] == "step"]
    assert "title red clip" in shown and "progress 100%" in shown
    assert not [text for text in shown if "\x1b" in text or "\x07" in text or "\r" in text]
    live = [
        line for name, data in listener.received if name == "pipeline_log" for line in data["data"]["lines"]
    ]
    assert {line["origin"] for line in live if line["text"] == "=== loud: attempt 2 ==="} == {"step"}
