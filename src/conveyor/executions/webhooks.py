"""Signed webhooks from GitHub (X-Hub-Signature-256) and GitLab (X-Gitlab-Token): pushes, and
pull requests (GitHub ``pull_request``) or merge requests (GitLab ``Merge Request Hook``).

The secret is the project secret ``CONVEYOR_WEBHOOK_SECRET`` (names starting ``CONVEYOR_``
never reach jobs). Each pipeline whose ``on.push`` matches the pushed ref starts, at the
pushed commit; each whose ``on.pull_request`` matches the request's base branch and action
starts at its head commit. A repository pipeline runs as that commit has its file (one that
does not validate fails a run of its own). Once per delivery id (``X-GitHub-Delivery``,
``X-Gitlab-Event-UUID``): a replayed delivery starts nothing. Other events (pings, issues, closed
requests) are answered and ignored; a delivery of a known event with a malformed payload is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.db import utcnow
from conveyor.errors import InvalidInput, NotFound, Unauthorized
from conveyor.events.bus import EventBus
from conveyor.executions import runs
from conveyor.executions.commits import pipelines_of_commit
from conveyor.executions.executor import Executor
from conveyor.executions.models import PushDelivery
from conveyor.executions.service import PullRequestRun, Trigger, resolve_commit
from conveyor.executions.sqlstore import SqlTx
from conveyor.pipelines.repository import RepositoryMirrors
from conveyor.pipelines.spec.model import PipelineSpec, PullRequestAction, PullRequestTrigger, PushTrigger
from conveyor.projects.models import ProjectSecret
from conveyor.projects.repository import MAX_COMMIT_MESSAGE_CHARS
from conveyor.projects.secrets import SecretCipher

WEBHOOK_SECRET = "CONVEYOR_WEBHOOK_SECRET"
ZERO_SHA = "0" * 40
MAX_REF_CHARS = 255
MAX_NAME_CHARS = 255
SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")  # SHA-1 or SHA-256
MAX_DELIVERY_ID_CHARS = 100
DELIVERY_MEMORY = timedelta(days=30)  # GitHub lets a delivery be redelivered for 30 days


class Provider(StrEnum):
    GITHUB = "github"
    GITLAB = "gitlab"


DELIVERY_HEADER = {Provider.GITHUB: "x-github-delivery", Provider.GITLAB: "x-gitlab-event-uuid"}


@dataclass(frozen=True)
class Push:
    ref: str
    sha: str
    changed: frozenset[str] | None = None  # None: the delivery did not list the changed files
    message: str | None = None
    author: str | None = None

    @property
    def branch(self) -> str | None:
        return self.ref.removeprefix("refs/heads/") if self.ref.startswith("refs/heads/") else None

    @property
    def tag(self) -> str | None:
        return self.ref.removeprefix("refs/tags/") if self.ref.startswith("refs/tags/") else None


@dataclass(frozen=True)
class PullRequest:
    """A pull or merge request opened, reopened or given new commits."""

    action: PullRequestAction
    ref: str  # where the forge keeps its head: refs/pull/N/head, refs/merge-requests/N/head
    sha: str  # the head commit
    run: PullRequestRun
    message: str | None = None
    author: str | None = None


Delivery = Push | PullRequest


async def receive_delivery(
    *,
    session: AsyncSession,
    bus: EventBus,
    executor: Executor,
    cipher: SecretCipher,
    mirrors: RepositoryMirrors,
    provider: Provider,
    project_id: str,
    headers: Mapping[str, str],
    body: bytes,
) -> list[str]:
    """Verify the delivery, then start the matching pipelines; returns the new execution ids."""
    secret = await _webhook_secret(session, cipher, project_id)
    _verify(provider, secret, headers, body)
    delivery = _parse(provider, headers, body)
    if delivery is None:
        return []
    if isinstance(delivery, PullRequest) and delivery.message is None:
        delivery = await _with_head_commit(session, project_id, delivery)
    if not await _first_delivery(session, project_id, headers.get(DELIVERY_HEADER[provider])):
        return []
    started = []
    branch = delivery.branch if isinstance(delivery, Push) else None
    pipelines = await pipelines_of_commit(
        session=session, bus=bus, mirrors=mirrors, project_id=project_id, sha=delivery.sha, branch=branch
    )
    for at_commit in pipelines:
        # a file that does not validate fails a run of its own: its triggers are unknown
        if at_commit.spec is not None and not delivery_matches(at_commit.spec, delivery):
            continue
        execution = await runs.start_execution(
            SqlTx(session, bus),
            executor=executor,
            pipeline=at_commit.pipeline,
            actor_id=None,
            trigger=Trigger.PUSH if isinstance(delivery, Push) else Trigger.PULL_REQUEST,
            ref=delivery.branch or delivery.ref if isinstance(delivery, Push) else delivery.ref,
            commit_sha=delivery.sha,
            commit_message=delivery.message,
            commit_author=delivery.author,
            pull_request=delivery.run if isinstance(delivery, PullRequest) else None,
            at_commit=at_commit,
        )
        started.append(execution.id)
    await session.commit()  # the delivery, when no pipeline started
    return started


def delivery_matches(spec: PipelineSpec, delivery: Delivery) -> bool:
    if isinstance(delivery, Push):
        return spec.on.push is not None and push_matches(spec.on.push, delivery)
    return spec.on.pull_request is not None and pull_request_matches(spec.on.pull_request, delivery)


async def _with_head_commit(session: AsyncSession, project_id: str, pull: PullRequest) -> PullRequest:
    """GitHub's pull_request payload names the head commit without its message: read it from the
    repository (before any write, so a slow repository holds no lock)."""
    commit = await resolve_commit(session, project_id, pull.ref)
    if commit is None or commit.sha != pull.sha:
        return pull
    return PullRequest(pull.action, pull.ref, pull.sha, pull.run, commit.message, commit.author)


async def _first_delivery(session: AsyncSession, project_id: str, delivery_id: str | None) -> bool:
    """Record the delivery; False when it was seen before (a replay). Deliveries without an id
    (old GitLab versions) cannot be told apart and always count as new."""
    if not delivery_id:
        return True
    if len(delivery_id) > MAX_DELIVERY_ID_CHARS:
        raise InvalidInput(f"a delivery id has at most {MAX_DELIVERY_ID_CHARS} characters")
    now = utcnow()
    await session.execute(
        delete(PushDelivery).where(
            PushDelivery.project_id == project_id, PushDelivery.received_at < now - DELIVERY_MEMORY
        )
    )
    session.add(PushDelivery(project_id=project_id, delivery_id=delivery_id, received_at=now))
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def _webhook_secret(session: AsyncSession, cipher: SecretCipher, project_id: str) -> str:
    """The project's webhook secret. An unknown project and one without webhooks get the same
    answer: a stranger learns nothing about which projects exist."""
    statement = select(ProjectSecret).where(
        ProjectSecret.project_id == project_id, ProjectSecret.name == WEBHOOK_SECRET
    )
    secret = (await session.execute(statement)).scalar_one_or_none()
    if secret is None:
        raise NotFound(f"no webhook is set up here (a project's {WEBHOOK_SECRET} secret enables them)")
    return cipher.decrypt(secret.ciphertext)


def _verify(provider: Provider, secret: str, headers: Mapping[str, str], body: bytes) -> None:
    if provider is Provider.GITHUB:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        given = headers.get("x-hub-signature-256", "")
    else:
        expected, given = secret, headers.get("x-gitlab-token", "")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise Unauthorized("webhook signature does not match")


def _parse(provider: Provider, headers: Mapping[str, str], body: bytes) -> Delivery | None:
    """The push or pull request, or None for deliveries that start nothing (pings, other events,
    deletions, closed requests)."""
    event = headers.get("x-github-event" if provider is Provider.GITHUB else "x-gitlab-event")
    if event in ("push", "Push Hook", "Tag Push Hook"):
        return _parse_push(_json(body))
    if provider is Provider.GITHUB and event == "pull_request":
        return _parse_github_pull_request(_json(body))
    if provider is Provider.GITLAB and event == "Merge Request Hook":
        return _parse_gitlab_merge_request(_json(body))
    return None


def _parse_push(payload: dict[str, Any]) -> Push | None:
    ref, sha = payload.get("ref"), payload.get("checkout_sha") or payload.get("after")
    if not isinstance(ref, str) or not isinstance(sha, str):
        raise InvalidInput("push payload needs 'ref' and 'after'")
    if len(ref) > MAX_REF_CHARS or len(sha) > 64:
        raise InvalidInput(f"push payload: a ref has at most {MAX_REF_CHARS} characters and a sha 64")
    if sha == ZERO_SHA:
        return None
    message, author = _head_commit(payload, sha)
    return Push(ref, sha, _changed_files(payload), message, author)


_GITHUB_ACTIONS = {action.value: action for action in PullRequestAction}


def _parse_github_pull_request(payload: dict[str, Any]) -> PullRequest | None:
    """GitHub's ``pull_request`` event; actions other than opened, synchronize and reopened
    (closed, labeled, edited...) start nothing."""
    action = _GITHUB_ACTIONS.get(str(payload.get("action")))
    pull = _object(payload, "pull_request")
    number = payload.get("number", pull.get("number"))
    head, base = _object(pull, "head", "pull_request."), _object(pull, "base", "pull_request.")
    if action is None:
        return None
    head_repo, base_repo = head.get("repo"), _object(base, "repo", "pull_request.base.")
    # a fork deleted since the request was opened has no repo left: treat it as a fork
    from_fork = not isinstance(head_repo, dict) or head_repo.get("id") != base_repo.get("id")
    user = pull.get("user")
    run = PullRequestRun(
        number=_number(number),
        title=_text(pull, "title", "pull_request.", MAX_NAME_CHARS, required=False),
        base_ref=_text(base, "ref", "pull_request.base.", MAX_REF_CHARS),
        head_ref=_text(head, "ref", "pull_request.head.", MAX_REF_CHARS),
        from_fork=from_fork,
    )
    author = user.get("login") if isinstance(user, dict) and isinstance(user.get("login"), str) else None
    sha = _sha(head.get("sha"), "pull_request.head.sha")
    return PullRequest(action, f"refs/pull/{run.number}/head", sha, run, None, author)


# GitLab's merge request actions; "update" counts only when it brings commits (``oldrev`` is set)
_GITLAB_ACTIONS = {"open": PullRequestAction.OPENED, "reopen": PullRequestAction.REOPENED}


def _parse_gitlab_merge_request(payload: dict[str, Any]) -> PullRequest | None:
    attributes = _object(payload, "object_attributes")
    name = attributes.get("action")
    action = _GITLAB_ACTIONS.get(str(name))
    if name == "update" and attributes.get("oldrev"):
        action = PullRequestAction.SYNCHRONIZE
    if action is None:
        return None
    last_commit = _object(attributes, "last_commit", "object_attributes.")
    number = _number(attributes.get("iid"))
    run = PullRequestRun(
        number=number,
        title=_text(attributes, "title", "object_attributes.", MAX_NAME_CHARS, required=False),
        base_ref=_text(attributes, "target_branch", "object_attributes.", MAX_REF_CHARS),
        head_ref=_text(attributes, "source_branch", "object_attributes.", MAX_REF_CHARS),
        from_fork=attributes.get("source_project_id") != attributes.get("target_project_id"),
    )
    message = last_commit.get("message")
    author = last_commit.get("author")
    name_of_author = author.get("name") if isinstance(author, dict) else None
    return PullRequest(
        action,
        f"refs/merge-requests/{number}/head",
        _sha(last_commit.get("id"), "object_attributes.last_commit.id"),
        run,
        message[:MAX_COMMIT_MESSAGE_CHARS] if isinstance(message, str) else None,
        name_of_author[:MAX_NAME_CHARS] if isinstance(name_of_author, str) else None,
    )


def _object(payload: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = payload.get(key)
    if not isinstance(value, dict):
        raise InvalidInput(f"webhook payload needs an object '{where}{key}'")
    return value


def _text(payload: dict[str, Any], key: str, where: str, limit: int, *, required: bool = True) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or (required and not value):
        if not required and value is None:
            return ""
        raise InvalidInput(f"webhook payload needs a text '{where}{key}'")
    if required and len(value) > limit:
        raise InvalidInput(f"webhook payload: '{where}{key}' has more than {limit} characters")
    return value[:limit]


def _number(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise InvalidInput("webhook payload needs the request's number (a positive integer)")
    return int(value)


def _sha(value: Any, where: str) -> str:
    if not isinstance(value, str) or not SHA.match(value):
        raise InvalidInput(f"webhook payload needs a commit sha '{where}' (40 or 64 hex digits)")
    return value


def _head_commit(payload: dict[str, Any], sha: str) -> tuple[str | None, str | None]:
    """The pushed commit's message and author, as GitHub (head_commit) or GitLab (commits) send them."""
    head = payload.get("head_commit")
    commits = payload.get("commits")
    if not isinstance(head, dict) and isinstance(commits, list):
        head = next((c for c in commits if isinstance(c, dict) and c.get("id") == sha), None)
    if not isinstance(head, dict):
        return None, None
    message, author = head.get("message"), head.get("author")
    name = author.get("name") if isinstance(author, dict) else None
    return (
        message[:MAX_COMMIT_MESSAGE_CHARS] if isinstance(message, str) else None,
        name[:MAX_NAME_CHARS] if isinstance(name, str) else None,
    )


def _changed_files(payload: dict[str, Any]) -> frozenset[str] | None:
    """The files the pushed commits touch (GitHub and GitLab both list them per commit)."""
    commits = payload.get("commits")
    if not isinstance(commits, list) or not commits:
        return None
    changed: set[str] = set()
    for commit in commits:
        if not isinstance(commit, dict):
            return None
        for key in ("added", "modified", "removed"):
            files = commit.get(key)
            if isinstance(files, list):
                changed.update(f for f in files if isinstance(f, str))
    return frozenset(changed)


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise InvalidInput("webhook body is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidInput("webhook body must be a JSON object")
    return payload


def push_matches(trigger: PushTrigger, push: Push) -> bool:
    """GitHub's rules: ``*`` stops at ``/``, ``**`` does not; a branch filter alone ignores tag
    pushes and a tag filter alone branch pushes; path filters apply to branch pushes whose
    changed files the delivery lists."""
    branch_filtered = trigger.branches is not None or trigger.branches_ignore is not None
    tag_filtered = trigger.tags is not None or trigger.tags_ignore is not None
    if push.branch is not None:
        if tag_filtered and not branch_filtered:
            return False
        return _ref_passes(push.branch, trigger.branches, trigger.branches_ignore) and _paths_pass(
            trigger, push
        )
    if push.tag is not None:
        if branch_filtered and not tag_filtered:
            return False
        return _ref_passes(push.tag, trigger.tags, trigger.tags_ignore)
    return not branch_filtered and not tag_filtered


def pull_request_matches(trigger: PullRequestTrigger, pull: PullRequest) -> bool:
    """GitHub's rules: the action is one of ``types``, the base branch passes ``branches``."""
    return pull.action in trigger.types and _ref_passes(
        pull.run.base_ref, trigger.branches, trigger.branches_ignore
    )


def _ref_passes(name: str, wanted: list[str] | None, ignored: list[str] | None) -> bool:
    if wanted is not None:
        return _matches(wanted, name)
    return ignored is None or not _matches(ignored, name)


def _paths_pass(trigger: PushTrigger, push: Push) -> bool:
    if push.changed is None or (trigger.paths is None and trigger.paths_ignore is None):
        return True
    if trigger.paths is not None:
        return any(_matches(trigger.paths, path) for path in push.changed)
    ignored = trigger.paths_ignore or []
    return any(not _matches(ignored, path) for path in push.changed)


def _matches(patterns: list[str], name: str) -> bool:
    """The last pattern that matches decides: a plain one includes, a ``!`` one excludes."""
    matched = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        if _glob(pattern.removeprefix("!")).fullmatch(name):
            matched = not negated
    return matched


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    parts = re.split(r"(\*\*/|\*\*|\*|\?)", pattern)
    wildcards = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wildcards.get(part, re.escape(part)) for part in parts))
