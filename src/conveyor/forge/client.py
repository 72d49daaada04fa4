"""Commit statuses as GitHub and GitLab document them:

- GitHub (and GitHub Enterprise, API at ``https://HOST/api/v3``):
  ``POST {api}/repos/{owner}/{repo}/statuses/{sha}``, ``Authorization: Bearer <token>``,
  ``{state: pending|success|failure|error, target_url, description, context}``.
- GitLab: ``POST {base}/api/v4/projects/{id or url-encoded path}/statuses/{sha}``,
  ``PRIVATE-TOKEN: <token>``, ``{state: pending|running|success|failed|canceled, name, ref,
  target_url, description}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from conveyor.forge.schemas import CommitState, ForgeKind

GITHUB_API_VERSION = "2022-11-28"
_GITLAB_STATES = {
    CommitState.PENDING: "pending",
    CommitState.SUCCESS: "success",
    CommitState.FAILURE: "failed",
    CommitState.ERROR: "canceled",
}
# GitLab refuses to set the state a status already has; the status is there all the same
_GITLAB_ALREADY_SET = "Cannot transition status"


@dataclass(frozen=True)
class StatusRequest:
    kind: ForgeKind
    api_url: str
    repository: str
    sha: str
    ref: str | None
    context: str
    state: CommitState
    description: str
    target_url: str | None


@dataclass(frozen=True)
class Answer:
    code: int | None  # None: the forge was not reached
    error: str | None  # None: the forge has the status

    @property
    def unauthorized(self) -> bool:
        return self.code == 401

    @property
    def worth_retrying(self) -> bool:
        """Unreachable, overloaded or rate-limited: the same request may succeed later."""
        return self.code is None or self.code >= 500 or self.code in (403, 429)


def status_call(request: StatusRequest, token: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """The URL, headers and JSON body of the request that sets the status."""
    base = request.api_url.rstrip("/")
    if request.kind is ForgeKind.GITHUB:
        url = f"{base}/repos/{request.repository}/statuses/{request.sha}"
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": GITHUB_API_VERSION,
        }
        body: dict[str, Any] = {
            "state": request.state.value,
            "description": request.description,
            "context": request.context,
        }
    else:
        base = base if base.endswith("/api/v4") else f"{base}/api/v4"
        url = f"{base}/projects/{quote(request.repository, safe='')}/statuses/{request.sha}"
        headers = {"PRIVATE-TOKEN": token}
        body = {
            "state": _GITLAB_STATES[request.state],
            "name": request.context,
            "description": request.description,
        }
        if request.ref:
            body["ref"] = request.ref
    if request.target_url:
        body["target_url"] = request.target_url
    return url, {**headers, "User-Agent": "Conveyor"}, body


async def send_status(client: httpx.AsyncClient, request: StatusRequest, token: str) -> Answer:
    url, headers, body = status_call(request, token)
    try:
        response = await client.post(url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__)
    if response.is_success:
        return Answer(response.status_code, None)
    text = response.text[:300]
    if request.kind is ForgeKind.GITLAB and response.status_code == 400 and _GITLAB_ALREADY_SET in text:
        return Answer(response.status_code, None)
    return Answer(response.status_code, f"HTTP {response.status_code}: {text}".strip())
