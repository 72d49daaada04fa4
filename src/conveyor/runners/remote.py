"""A remote worker's link to the server: the worker API (``/api/v1/workers/...``) with a worker
token, as GitLab and GitHub runners talk to theirs. The worker holds no database URL or secrets
key: it gets each job's plan and secrets from the server and reports through it."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from conveyor.executions.claims import (
    ArtifactFile,
    ArtifactSource,
    Claim,
    Heartbeat,
    Line,
    StepChange,
    StoredArtifact,
    TestCase,
)
from conveyor.pipelines.builtins import BuiltinJob, WorkerApiError
from conveyor.pipelines.spec.plan import JobPlan
from conveyor.status import Status
from conveyor.workers.schemas import (
    HeartbeatReply,
    JobAssignment,
    LineWire,
    StepChangeWire,
    StoredArtifactWire,
    TestCaseWire,
    TestSummary,
)

log = structlog.get_logger(__name__)
API_PREFIX = "/api/v1/workers"
BATCH_BYTES = 1024 * 1024  # log text per report request (the route takes up to 8 MiB of JSON)
UPLOAD_CHUNK_BYTES = 1024 * 1024
# A server restarting (a deploy) must not cost the jobs running on workers: calls that can be
# repeated are tried again for about this long.
RETRY_SECONDS = (0.5, 1, 2, 4, 8, 15)
RETRIED_STATUSES = {502, 503, 504}


class RemoteError(WorkerApiError):
    """The server refused a call (a 4xx or 5xx with its reason) or could not be reached."""


def client(server_url: str, token: str, *, timeout: float = 60.0) -> httpx.AsyncClient:
    # The system's trust store (and SSL_CERT_FILE / SSL_CERT_DIR), as ConveyorClient uses.
    return httpx.AsyncClient(
        base_url=server_url.rstrip("/") + API_PREFIX,
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
        verify=ssl.create_default_context(),
    )


@dataclass
class ApiLink:
    http: httpx.AsyncClient
    runner: str
    labels: frozenset[str] | None = None

    async def claim(self, job_id: str) -> tuple[Claim, dict[str, str]] | None:
        """The job and its secrets, or None when it is no longer waiting (taken, cancelled...)."""
        response = await self._send(
            "POST", f"/jobs/{job_id}/claim", json=self._claim_body(), ok=frozenset({409})
        )
        if response.status_code == 409:
            log.info("job not claimed", job=job_id, reason=_detail(response))
            return None
        assignment = JobAssignment.model_validate(response.json())
        return _claim(assignment), assignment.secrets

    def _claim_body(self) -> dict[str, Any]:
        return {"runner": self.runner, "labels": None if self.labels is None else sorted(self.labels)}

    async def report(self, claim: Claim, *, lines: Sequence[Line], steps: Sequence[StepChange]) -> bool:
        """Lines in requests of about ``BATCH_BYTES``; the step changes go with the last one."""
        batches = _batches(lines) or [[]]
        for index, batch in enumerate(batches):
            body = {
                "runner": self.runner,
                "lines": [_dump(LineWire(**vars(line))) for line in batch],
                "steps": [_dump(StepChangeWire(**vars(step))) for step in steps]
                if index == len(batches) - 1
                else [],
            }
            # not tried again here: the reporter keeps the batch and sends it with the next one
            response = await self._send("POST", f"/jobs/{claim.job_id}/report", json=body, retry=False)
            if not response.json()["held"]:
                return False
        return True

    async def restart(self, claim: Claim) -> bool:
        response = await self._send("POST", f"/jobs/{claim.job_id}/restart", json={"runner": self.runner})
        return bool(response.json()["held"])

    async def finish(
        self,
        claim: Claim,
        *,
        status: Status,
        exit_code: int | None,
        error: str | None,
        outputs: dict[str, str] | None,
        caches: list[dict[str, object]] | None,
    ) -> bool:
        body = {
            "runner": self.runner,
            "status": status.value,
            "exitCode": exit_code,
            "error": error,
            "outputs": outputs,
            "caches": caches,
        }
        response = await self._send("POST", f"/jobs/{claim.job_id}/finish", json=body)
        return bool(response.json()["held"])

    async def heartbeat(self, claim: Claim, *, pgid: int | None) -> Heartbeat:
        body = {"runner": self.runner, "pgid": pgid}
        response = await self._send("POST", f"/jobs/{claim.job_id}/heartbeat", json=body, retry=False)
        reply = HeartbeatReply.model_validate(response.json())
        return Heartbeat(held=reply.held, cancel=reply.cancel)

    async def record_commit(self, claim: Claim, sha: str) -> None:
        await self._send("POST", f"/jobs/{claim.job_id}/commit", json={"runner": self.runner, "sha": sha})

    async def store_artifacts(self, claim: Claim, files: Sequence[ArtifactFile]) -> None:
        runner = {"runner": self.runner}
        await self._send("DELETE", f"/jobs/{claim.job_id}/artifacts", params=runner)
        for file in files:
            await self._send(
                "PUT",
                f"/jobs/{claim.job_id}/artifacts",
                params={**runner, "path": file.path},
                upload=file,
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(file.size)},
            )

    async def store_test_results(self, claim: Claim, cases: Sequence[TestCase]) -> dict[str, int]:
        body = {"runner": self.runner, "cases": [_dump(TestCaseWire(**vars(case))) for case in cases]}
        response = await self._send("POST", f"/jobs/{claim.job_id}/tests", json=body)
        return TestSummary.model_validate(response.json()).model_dump()

    async def source_artifacts(self, claim: Claim, source_job_id: str) -> list[StoredArtifact]:
        path = f"/jobs/{claim.job_id}/sources/{source_job_id}/artifacts"
        response = await self._send("GET", path, params={"runner": self.runner})
        wires = [StoredArtifactWire.model_validate(item) for item in response.json()]
        return [StoredArtifact(w.id, w.job_id, w.path, w.size, w.sha256) for w in wires]

    async def artifact_content(self, claim: Claim, artifact: StoredArtifact) -> AsyncIterator[bytes]:
        path = f"/jobs/{claim.job_id}/sources/{artifact.job_id}/artifacts/{artifact.id}"
        request = self.http.build_request("GET", path, params={"runner": self.runner})
        response = await self.http.send(request, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                raise RemoteError(f"GET {path}: {response.status_code} {_detail(response)}")
            async for chunk in response.aiter_bytes():
                yield chunk
        finally:
            await response.aclose()

    def builtin_job(self, claim: Claim) -> BuiltinJob | None:
        api = JobApi(self, claim.job_id)
        return BuiltinJob(
            claim.project_id, claim.execution_id, claim.job_id, claim.ref, claim.commit_sha, api
        )

    async def _send(
        self,
        method: str,
        path: str,
        *,
        ok: frozenset[int] = frozenset(),
        retry: bool = True,
        upload: ArtifactFile | None = None,
        **options: Any,
    ) -> httpx.Response:
        """The answer of a 2xx (or a status in ``ok``); RemoteError with the server's reason else.
        Transport errors and 502/503/504 are tried again (``retry``) for about half a minute."""
        waits = list(RETRY_SECONDS) if retry else []
        while True:
            try:
                # a file is read again from its start on each try
                body = None if upload is None else _read(upload)
                response = await self.http.request(method, path, content=body, **options)
            except httpx.TransportError as exc:
                if not waits:
                    raise RemoteError(f"{method} {path}: the server cannot be reached: {exc!r}") from None
            else:
                if response.is_success or response.status_code in ok:
                    return response
                if response.status_code not in RETRIED_STATUSES or not waits:
                    raise RemoteError(f"{method} {path}: {response.status_code} {_detail(response)}")
            await asyncio.sleep(waits.pop(0))


@dataclass
class JobApi:
    """The worker API scoped to one claimed job, for built-in steps (``WorkerApi``): each call
    names this runner, so the server answers only while it still holds the job."""

    link: ApiLink
    job_id: str

    async def call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        where = f"/jobs/{self.job_id}/{path}"
        if method == "GET":
            response = await self.link._send(method, where, params={"runner": self.link.runner})
        else:
            response = await self.link._send(method, where, json={**(body or {}), "runner": self.link.runner})
        return response.json() if response.content else None


def _claim(assignment: JobAssignment) -> Claim:
    data = assignment.model_dump(exclude={"secrets", "plan", "artifact_sources"})
    sources = [ArtifactSource(**source.model_dump()) for source in assignment.artifact_sources]
    return Claim(**data, plan=JobPlan.model_validate(assignment.plan), artifact_sources=sources)


def _batches(lines: Sequence[Line]) -> list[list[Line]]:
    batches: list[list[Line]] = []
    size = BATCH_BYTES
    for line in lines:
        if size + len(line.text) > BATCH_BYTES and (not batches or batches[-1]):
            batches.append([])
            size = 0
        batches[-1].append(line)
        size += len(line.text)
    return batches


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", by_alias=True)
    return data


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        detail = None
    return str(detail or response.reason_phrase)


async def _read(file: ArtifactFile) -> AsyncIterator[bytes]:
    with file.source.open("rb") as stream:
        while chunk := await asyncio.to_thread(stream.read, UPLOAD_CHUNK_BYTES):
            yield chunk
