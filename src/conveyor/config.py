"""Runtime settings, read from environment variables prefixed ``CONVEYOR_``."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_PREFIX = "CONVEYOR_"
PLACEHOLDER_SECRETS = {"changeme", "secret", "change-me", "changethis"}


class Settings(BaseModel):
    """Each field also comes from ``CONVEYOR_<FIELD>`` (any case); a value given to the
    constructor wins over the environment's. Lists arrive as the variable's text, split by the
    field's own validator. Read by hand rather than with pydantic-settings, whose import and
    per-field checks were ~7% of a local ``conveyor run``'s start (bench/results/cli_startup.md)."""

    model_config = ConfigDict(extra="ignore", validate_default=True)

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path(".conveyor")
    database_url: str | None = None
    redis_url: str | None = None
    redis_channel: str = "conveyor"
    executor: Literal["local", "celery"] = "local"

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None

    jwt_secret: str | None = None
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_ttl_seconds: int = Field(default=3600, ge=60)
    # A dashboard session: its refresh token lapses after this long unused (each renewal slides
    # it forward) and after session_max_seconds in any case.
    refresh_token_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    session_max_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    # Failed logins allowed per user name / per client address before each next one waits
    # twice as long as the last (up to login_max_wait_seconds).
    login_free_attempts: int = Field(default=5, ge=1)
    login_free_attempts_per_address: int = Field(default=20, ge=1)
    login_max_wait_seconds: float = Field(default=900.0, gt=0)
    admin_password: str | None = None
    secrets_key: str | None = None

    allowed_origins: list[str] = Field(default_factory=list)
    # Where a project's repoUrl may point (projects/repos.py): local paths under these
    # directories (colon-separated), internal hosts listed here (comma-separated).
    allowed_repo_roots: list[Path] = Field(default_factory=list)
    allowed_repo_hosts: list[str] = Field(default_factory=list)
    ws_auth_grace_seconds: float = Field(default=10.0, gt=0)
    ws_max_message_bytes: int = Field(default=16 * 1024, ge=256)
    ws_hard_max_message_bytes: int = Field(default=1024 * 1024, ge=1024)
    ws_rate_limit_per_second: float = Field(default=20.0, gt=0)
    ws_rate_limit_burst: int = Field(default=40, ge=1)
    ws_replay_page_size: int = Field(default=500, ge=1)
    # Bytes waiting to be sent to one WebSocket client before it counts as too slow and is dropped
    # (told to resume from its last seq).
    ws_send_buffer_bytes: int = Field(default=1024 * 1024, ge=16 * 1024)
    # Off by default, as in the Node.js socket.io server: ~500-byte events gain little from deflate
    # and it costs a third more CPU per delivery and ~37 KiB per connection (bench/results).
    ws_compression: bool = False
    event_gap_fill_seconds: float = Field(default=0.5, gt=0)
    event_retention_days: float = Field(default=30.0, ge=0)  # 0 keeps every event
    event_prune_interval_seconds: float = Field(default=3600.0, gt=0)

    max_parallel_jobs: int = Field(default=4, ge=1)
    workspaces_dir: Path | None = None
    keep_workspaces: bool = False
    job_heartbeat_seconds: float = Field(default=1.0, gt=0)
    job_lease_seconds: float = Field(default=10.0, gt=0)
    reaper_interval_seconds: float = Field(default=2.0, gt=0)
    redispatch_seconds: float = Field(default=300.0, gt=0)
    # How long a job may wait for a runner with its `runs-on` labels (or any runner) to exist
    # before it fails saying so; jobs waiting for a busy runner wait on.
    runner_wait_seconds: float = Field(default=900.0, gt=0)
    scheduler_interval_seconds: float = Field(default=10.0, gt=0)
    log_flush_seconds: float = Field(default=0.2, gt=0)
    log_batch_lines: int = Field(default=200, ge=1)
    # What one job's steps may print; past it a runner line says where the log was cut.
    job_log_max_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    artifact_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    artifact_restore_max_bytes: int = Field(default=1024 * 1024 * 1024, ge=1)
    cache_dir: Path | None = None  # shared by the server and every worker that can reach it
    cache_max_bytes: int = Field(default=10 * 1024 * 1024 * 1024, ge=1)  # per project
    celery_queue: str = "conveyor.jobs"
    # Labels this node's runner has besides its defaults (docs/pipelines.md, Runner labels):
    # the local runner's, or a worker's when `conveyor worker --labels` is not given.
    runner_labels: list[str] = Field(default_factory=list)
    # A `conveyor worker`: the server it takes jobs from and reports to (the worker API), and the
    # worker token an admin created (`conveyor worker-tokens create`). A worker needs no
    # database URL and no secrets key.
    server_url: str | None = None
    worker_token: str | None = Field(default=None, repr=False)

    # The debugging loop's LLM fixer: an OpenAI-compatible endpoint (its base URL, e.g.
    # http://host/v1), model and key; without a URL only the built-in fixers run.
    llm_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = Field(default=None, repr=False)
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
    # How steps are confined (docs/sandbox.md): "none" runs them as the server's own children.
    sandbox: Literal["bwrap", "none"] = "bwrap"
    sandbox_network: Literal["outbound", "none"] = "outbound"
    sandbox_uid: int = Field(default=65534, ge=1)  # the step's uid when the server runs as root
    sandbox_gid: int = Field(default=65534, ge=1)
    sandbox_readonly_paths: list[str] = Field(default_factory=list)
    scan_timeout_seconds: float = Field(default=600.0, gt=0)  # per scanner
    scan_max_parallel: int = Field(default=2, ge=1)
    scan_lease_seconds: float = Field(default=30.0, gt=0)

    metrics_interval_seconds: float = Field(default=10.0, gt=0)
    metrics_history: int = Field(default=360, ge=1)  # samples kept in memory for the charts
    status_interval_seconds: float = Field(default=15.0, gt=0)
    status_heartbeat_seconds: float = Field(default=300.0, gt=0)  # re-announce an unchanged status
    alert_disk_percent: float = Field(default=90.0, gt=0, le=100)
    alert_queued_jobs: int = Field(default=50, ge=1)
    alert_failure_rate: float = Field(default=0.5, gt=0, le=1)
    alert_failure_min_executions: int = Field(default=5, ge=1)

    notify_interval_seconds: float = Field(default=1.0, gt=0)
    debug_interval_seconds: float = Field(default=1.0, gt=0)  # how often ended executions are looked for
    webhook_retry_seconds: float = Field(default=5.0, gt=0)  # doubled after each failed attempt
    webhook_max_attempts: int = Field(default=5, ge=1)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)
    # Internal hosts (loopback, private, link-local...) webhooks may target (comma-separated); none.
    webhook_allowed_hosts: list[str] = Field(default_factory=list)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "conveyor@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False

    @model_validator(mode="before")
    @classmethod
    def _environment_first(cls, given: Any) -> Any:
        if not isinstance(given, dict):
            return given
        return {**environment_values(cls.model_fields), **given}

    @field_validator("allowed_repo_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: object) -> object:
        if isinstance(value, str):
            return [root for root in value.split(":") if root.strip()]
        return value

    @field_validator("allowed_repo_hosts", "webhook_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [host.strip() for host in value.split(",") if host.strip()]
        return value

    @field_validator("runner_labels", mode="before")
    @classmethod
    def _split_labels(cls, value: object) -> object:
        if isinstance(value, str):
            return [label.strip() for label in value.split(",") if label.strip()]
        return value

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("sandbox_readonly_paths", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        paths = [path for path in value.split(":") if path] if isinstance(value, str) else value
        if isinstance(paths, list) and not all(str(path).startswith("/") for path in paths):
            raise ValueError("CONVEYOR_SANDBOX_READONLY_PATHS holds absolute paths, separated by ':'")
        return paths

    @field_validator("data_dir", "workspaces_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        # Relative to where the process starts (./.conveyor by default), fixed once: workspaces,
        # the sandbox's binds and a step's working-directory need absolute paths.
        return value.expanduser().absolute() if value is not None else None

    @field_validator("jwt_secret")
    @classmethod
    def _refuse_placeholder(cls, value: str | None) -> str | None:
        if value is not None and (value.lower() in PLACEHOLDER_SECRETS or len(value) < 32):
            raise ValueError("CONVEYOR_JWT_SECRET must be at least 32 characters and not a placeholder")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'conveyor.db').resolve()}"

    def retry_delay(self, attempts: int) -> timedelta:
        """How long an outgoing call (webhook, commit status) waits after ``attempts`` failed ones."""
        return timedelta(seconds=self.webhook_retry_seconds * 2 ** max(attempts - 1, 0))

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_workspaces_dir(self) -> Path:
        return self.workspaces_dir or self.data_dir / "workspaces"

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir or self.data_dir / "caches"

    def secure_data_dir(self) -> None:
        """The data directory is its owner's alone: 0700, the files in it 0600 (tightened when an
        older version left them open). The SQLite database is created 0600 before SQLite opens
        it, so that its WAL and shared-memory files, which copy its mode, are too."""
        _private_directory(self.data_dir)
        for path in self.data_dir.iterdir():
            if path.is_file() and not path.is_symlink():
                path.chmod(0o600)
        from sqlalchemy.engine import make_url  # SQLAlchemy is heavy: not for `conveyor run`

        name = make_url(self.resolved_database_url).database if self.is_sqlite else None
        if name and name != ":memory:" and Path(name).parent.is_dir():
            os.close(os.open(name, os.O_CREAT | os.O_WRONLY, 0o600))

    @cached_property
    def resolved_jwt_secret(self) -> str:
        return self.jwt_secret or _read_or_create_key(self.data_dir / "jwt_secret")

    @cached_property
    def resolved_secrets_key(self) -> str:
        return self.secrets_key or _read_or_create_key(self.data_dir / "secrets_key")


def environment_values(fields: Iterable[str]) -> dict[str, str]:
    """``CONVEYOR_<FIELD>`` of each field set in the environment, its name in any case."""
    wanted = {f"{ENV_PREFIX}{name}".lower(): name for name in fields}
    return {wanted[key.lower()]: value for key, value in os.environ.items() if key.lower() in wanted}


def _private_directory(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _read_or_create_key(path: Path) -> str:
    """A random key generated once and kept in the data directory, readable by its owner only."""
    if path.exists():
        return path.read_text().strip()
    _private_directory(path.parent)
    key = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(key)
    return key
