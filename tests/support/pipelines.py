"""Helpers for pipeline tests: real git repositories and a thin client for the pipeline API."""

from __future__ import annotations

import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.server import RunningServer
from tests.support.sockets import Listener


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def make_repo(path: Path, files: dict[str, str], *, branch: str = "main") -> Path:
    """A git repository with one commit of ``files`` on ``branch``."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", branch)
    git(path, "config", "user.email", "ci@example.com")
    git(path, "config", "user.name", "CI")
    commit(path, files, "initial")
    return path


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, content in files.items():
        target = repo / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip()


@dataclass
class PipelineApi:
    """One user's view of the pipeline API on a running server."""

    server: RunningServer
    token: str

    async def request(self, method: str, path: str, expect: int | None = None, **kwargs: Any) -> Any:
        async with self.server.api(self.token) as client:
            response = await client.request(method, f"/api/v1{path}", **kwargs)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        if response.content and response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response

    async def project(self, name: str, repo: Path | str | None = None, branch: str = "main") -> str:
        body = {"name": name, "repoUrl": str(repo) if repo else None, "defaultBranch": branch}
        project: dict[str, Any] = await self.request("POST", "/projects", 201, json=body)
        return str(project["id"])

    async def pipeline(self, project_id: str, definition: str, name: str = "ci") -> dict[str, Any]:
        body = {"name": name, "definition": dedent(definition)}
        result: dict[str, Any] = await self.request(
            "POST", f"/projects/{project_id}/pipelines", 201, json=body
        )
        return result

    async def start(self, pipeline_id: str, ref: str | None = None) -> str:
        body = {"ref": ref} if ref else {}
        result = await self.request("POST", f"/pipelines/{pipeline_id}/executions", 202, json=body)
        return str(result["executionId"])

    async def execution(self, execution_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("GET", f"/executions/{execution_id}", 200)
        return result

    async def logs(self, execution_id: str, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.request(
            "GET", f"/executions/{execution_id}/logs", 200, params=params
        )
        return result

    async def log_text(self, execution_id: str, job: str) -> list[str]:
        page = await self.logs(execution_id, job=job, limit=10000)
        return [line["text"] for line in page["jobs"][0]["lines"]]


async def completed(listener: Listener, execution_id: str, timeout: float = 30) -> dict[str, Any]:
    """The ``pipeline_execution_completed`` envelope of this execution."""
    _, envelope = await listener.next(
        lambda item: (
            item[0] == "pipeline_execution_completed" and item[1]["data"]["executionId"] == execution_id
        ),
        timeout,
    )
    result: dict[str, Any] = envelope
    return result


async def reached(listener: Listener, execution_id: str, status: str, timeout: float = 30) -> None:
    """Until an event says this execution has ``status``."""
    await listener.next(
        lambda item: (
            item[0].startswith("pipeline_execution_")
            and item[1]["data"].get("executionId") == execution_id
            and item[1]["data"].get("execution", {}).get("status") == status
        ),
        timeout,
    )


async def all_completed(
    listener: Listener, execution_ids: list[str], timeout: float = 30
) -> dict[str, dict[str, Any]]:
    """The ``pipeline_execution_completed`` envelopes of these executions, in whatever order they end."""
    waiting, found = set(execution_ids), {}
    while waiting:
        _, envelope = await listener.next(
            lambda item: (
                item[0] == "pipeline_execution_completed" and item[1]["data"]["executionId"] in waiting
            ),
            timeout,
        )
        execution_id = envelope["data"]["executionId"]
        found[execution_id] = envelope
        waiting.discard(execution_id)
    return found


def job_of(execution: dict[str, Any], key: str) -> dict[str, Any]:
    job: dict[str, Any] = next(j for j in execution["jobs"] if j["key"] == key)
    return job
