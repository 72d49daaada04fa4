"""What clients send and receive about a project's forge link and its commit statuses."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator

from conveyor.schemas import ApiModel

TOKEN_SECRET = "CONVEYOR_FORGE_TOKEN"  # a project secret: CONVEYOR_* never reach jobs
_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")
_GITLAB_PROJECT = re.compile(r"^(?:[0-9]{1,20}|[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+)$")


class ForgeKind(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"


class CommitState(StrEnum):
    """GitHub's commit status states (GitLab's are mapped when sent)."""

    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class ForgeLinkWrite(ApiModel):
    kind: ForgeKind
    api_url: str = Field(
        min_length=1,
        max_length=1000,
        description="GitHub: https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise; "
        "GitLab: the instance, https://gitlab.com",
    )
    repository: str = Field(
        min_length=1, max_length=255, description="GitHub: owner/name; GitLab: the project's id or path"
    )

    @field_validator("repository")
    @classmethod
    def _repository(cls, value: str) -> str:
        return value.strip()

    def check_repository(self) -> str | None:
        """Why ``repository`` does not name one on this kind of forge (None when it does)."""
        if self.kind is ForgeKind.GITHUB and not _GITHUB_REPOSITORY.match(self.repository):
            return "repository: a GitHub repository is owner/name"
        if self.kind is ForgeKind.GITLAB and not _GITLAB_PROJECT.match(self.repository):
            return "repository: a GitLab project is its numeric id or its path, group/name"
        return None


class ForgeLinkRead(ApiModel):
    project_id: str
    kind: ForgeKind
    api_url: str
    repository: str
    token_set: bool = Field(description="whether the project secret CONVEYOR_FORGE_TOKEN exists")
    status: Literal["ok", "broken"]
    broken_reason: str | None = None
    broken_at: datetime | None = None
    updated_at: datetime


class CommitStatusRead(ApiModel):
    execution_id: str
    sha: str
    context: str
    state: CommitState
    description: str
    target_url: str | None
    delivery: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    response_code: int | None
    error: str | None
    updated_at: datetime
