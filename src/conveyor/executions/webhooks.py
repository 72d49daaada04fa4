"""Signed push webhooks from GitHub (X-Hub-Signature-256) and GitLab (X-Gitlab-Token).

The secret is the project secret ``CONVEYOR_WEBHOOK_SECRET`` (names starting ``CONVEYOR_``
never reach jobs). Each pipeline whose ``on.push`` matches the pushed ref starts, at the
pushed commit, once per delivery id (``X-GitHub-Delivery``, ``X-Gitlab-Event-UUID``): a replayed
delivery starts nothing.
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
from conveyor.executions.executor import Executor
from conveyor.executions.models import PushDelivery
from conveyor.executions.service import Trigger, start_execution
from conveyor.pipelines.models import Pipeline
from conveyor.pipelines.spec import parse_definition
from conveyor.pipelines.spec.model import PushTrigger
from conveyor.projects.models import ProjectSecret
from conveyor.projects.secrets import SecretCipher

WEBHOOK_SECRET = "CONVEYOR_WEBHOOK_SECRET"
ZERO_SHA = "0" * 40
MAX_REF_CHARS = 255
MAX_COMMIT_MESSAGE_CHARS = 4000  # as stored with the execution
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


async def receive_push(
    *,
    session: AsyncSession,
    bus: EventBus,
    executor: Executor,
    cipher: SecretCipher,
    provider: Provider,
    project_id: str,
    headers: Mapping[str, str],
    body: bytes,
) -> list[str]:
    """Verify the delivery, then start the matching pipelines; returns the new execution ids."""
    secret = await _webhook_secret(session, cipher, project_id)
    _verify(provider, secret, headers, body)
    push = _parse(provider, headers, body)
    if push is None or not await _first_delivery(session, project_id, headers.get(DELIVERY_HEADER[provider])):
        return []
    started = []
    for pipeline in await _pipelines(session, project_id):
        trigger = parse_definition(pipeline.definition).on.push
        if trigger is not None and push_matches(trigger, push):
            execution = await start_execution(
                session=session,
                bus=bus,
                executor=executor,
                pipeline=pipeline,
                actor_id=None,
                trigger=Trigger.PUSH,
                ref=push.branch or push.ref,
                commit_sha=push.sha,
                commit_message=push.message,
                commit_author=push.author,
            )
            started.append(execution.id)
    await session.commit()  # the delivery, when no pipeline started
    return started


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


def _parse(provider: Provider, headers: Mapping[str, str], body: bytes) -> Push | None:
    """The push, or None for deliveries that start nothing (pings, other events, deletions)."""
    if provider is Provider.GITHUB:
        is_push = headers.get("x-github-event") == "push"
    else:
        is_push = headers.get("x-gitlab-event") in ("Push Hook", "Tag Push Hook")
    if not is_push:
        return None
    payload = _json(body)
    ref, sha = payload.get("ref"), payload.get("checkout_sha") or payload.get("after")
    if not isinstance(ref, str) or not isinstance(sha, str):
        raise InvalidInput("push payload needs 'ref' and 'after'")
    if len(ref) > MAX_REF_CHARS or len(sha) > 64:
        raise InvalidInput(f"push payload: a ref has at most {MAX_REF_CHARS} characters and a sha 64")
    if sha == ZERO_SHA:
        return None
    message, author = _head_commit(payload, sha)
    return Push(ref, sha, _changed_files(payload), message, author)


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
        name[:255] if isinstance(name, str) else None,
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


async def _pipelines(session: AsyncSession, project_id: str) -> list[Pipeline]:
    statement = select(Pipeline).where(Pipeline.project_id == project_id).order_by(Pipeline.name)
    return list((await session.execute(statement)).scalars())


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
