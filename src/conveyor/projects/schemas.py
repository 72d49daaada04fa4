from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, field_validator

from conveyor.auth.roles import Role
from conveyor.schemas import ApiModel

ProjectName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
EnvironmentName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")]
SecretName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]


class ProjectCreate(ApiModel):
    name: ProjectName
    repo_url: str | None = Field(default=None, max_length=1000)
    default_branch: str = Field(default="main", min_length=1, max_length=255)
    github_workflows: bool = Field(
        default=False,
        description="Also run the repository's .github/workflows/*.yml (docs/github-actions.md).",
    )


class ProjectUpdate(ApiModel):
    repo_url: str | None = Field(default=None, max_length=1000)
    default_branch: str | None = Field(default=None, min_length=1, max_length=255)
    public_badges: bool | None = Field(
        default=None, description="pipeline badges (GET /pipelines/{id}/badge.svg) readable without login"
    )
    github_workflows: bool | None = None
    protected_environments: Annotated[
        list[EnvironmentName] | None, AfterValidator(lambda v: list(dict.fromkeys(v)) if v else v)
    ] = Field(
        default=None,
        max_length=50,
        description="environments whose jobs wait for a maintainer's approval before they run",
    )


class ProjectRead(ApiModel):
    id: str
    name: str
    repo_url: str | None
    default_branch: str
    public_badges: bool = False
    github_workflows: bool = False
    protected_environments: Annotated[list[str], BeforeValidator(lambda v: v or [])] = []
    created_at: datetime
    role: Role | None = None


class MemberPut(ApiModel):
    role: Role


class MemberRead(ApiModel):
    user_id: str
    username: str
    role: Role


MIN_SECRET_LENGTH = 6


class SecretPut(ApiModel):
    value: str = Field(max_length=64 * 1024)

    @field_validator("value")
    @classmethod
    def _maskable(cls, value: str) -> str:
        if len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"a secret must be at least {MIN_SECRET_LENGTH} characters: shorter values cannot be "
                "masked in logs without hiding ordinary output"
            )
        return value


class SecretRead(ApiModel):
    name: str
    updated_at: datetime
