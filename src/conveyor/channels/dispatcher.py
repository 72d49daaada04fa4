"""The notification dispatcher: reads the event log after its cursor and tells the people an
event concerns (``user_notification``), queues the project's webhooks, sends e-mail and notes
the commit status each execution sets on its forge (``forge/service.py``). (``user_activity`` is
recorded by each service with the change itself: ``notifications.activity``.)

Every node runs it; batches are claimed through ``events/readers.py``, so each event is
dispatched once. It works behind the events, never on their path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.aio import Periodic, spawn
from conveyor.architecture import service as architecture
from conveyor.auth.roles import Role
from conveyor.channels import email, people
from conveyor.channels.models import ProjectWebhook, WebhookDelivery
from conveyor.channels.schemas import DeliveryStatus, WebhookKind
from conveyor.channels.webhooks import deliver_due, slack_message
from conveyor.config import Settings
from conveyor.db import Database, new_id, utcnow
from conveyor.events import readers
from conveyor.events.bus import EventBus
from conveyor.events.catalog import EventPriority, EventType
from conveyor.events.models import EventRecord
from conveyor.events.schemas import Emission
from conveyor.forge import service as forge
from conveyor.notifications import service as notifications
from conveyor.notifications.schemas import NotificationKind
from conveyor.projects.models import Project
from conveyor.projects.secrets import SecretCipher
from conveyor.status import FAILED_ON_ITS_OWN, Status

log = structlog.get_logger(__name__)
CURSOR = "notifications"
_T = EventType
T = TypeVar("T")


@dataclass
class Batch:
    """What one batch of events produces, written in one transaction (mail goes after it)."""

    session: AsyncSession
    emissions: list[Emission] = field(default_factory=list)
    mails: list[tuple[str, str, str]] = field(default_factory=list)  # (to, subject, body)
    diagrams: list[tuple[str, str]] = field(default_factory=list)  # (project id, ref) to analyse
    # Reads that many events of a batch repeat (the admins, whose preferences mute what), made
    # once: nothing else writes them in this transaction. A burst of alerts costs two queries.
    known: dict[Hashable, Any] = field(default_factory=dict)

    async def once(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        if key not in self.known:
            self.known[key] = await read()
        found: T = self.known[key]
        return found


Handler = Callable[[Batch, EventRecord], Awaitable[None]]


class Dispatcher:
    def __init__(self, *, db: Database, bus: EventBus, settings: Settings, cipher: SecretCipher) -> None:
        self.db, self.bus, self.settings, self.cipher = db, bus, settings, cipher
        self.handlers: dict[str, Handler] = {
            _T.PIPELINE_EXECUTION_COMPLETED: self._execution_completed,
            _T.PIPELINE_EXECUTION_STARTED: self._execution_started,
            _T.DEBUG_PATCH_GENERATED: self._patch_generated,
            _T.SECURITY_VULNERABILITY_DETECTED: self._vulnerability,
            _T.SYSTEM_ALERT: self._alert,
        }
        if email.configured(settings):  # notifications go out by e-mail too
            self.handlers[_T.USER_NOTIFICATION] = self._mail
        self.loop = Periodic("conveyor-dispatcher", self.tick, interval=settings.notify_interval_seconds)

    def start(self) -> None:
        self.loop.start()

    async def stop(self) -> None:
        await self.loop.stop()

    async def tick(self) -> None:
        while await self.dispatch():
            pass
        await deliver_due(self.db, self.settings, self.cipher)
        await forge.send_due(self.db, self.cipher, self.settings)

    async def dispatch(self) -> bool:
        """Handle the next batch of events; True if there may be more to handle at once: the
        batch was full or wrote events it handles itself (a notification to e-mail). Under a
        steady stream the next tick takes the rest."""
        async with self.db.write_session() as session:
            claimed = await readers.claim(session, CURSOR, list(self.handlers))
            if not claimed.looked_at:
                return False
            batch = Batch(session)
            for record in claimed.records:
                await self.handlers[record.event_type](batch, record)
            await self.bus.commit(session, *batch.emissions)
        for to, subject, body in batch.mails:
            await email.send(self.settings, to, subject, body)
        for project_id, ref in batch.diagrams:
            spawn(self._diagram(project_id, ref), name=f"architecture-{project_id}")
        return claimed.looked_at >= readers.WINDOW or any(
            item.spec.event_type in self.handlers for item in batch.emissions
        )

    async def _diagram(self, project_id: str, ref: str) -> None:
        await architecture.auto_diagram(db=self.db, bus=self.bus, project_id=project_id, ref=ref)

    # Handlers --------------------------------------------------------------------------------

    async def _execution_completed(self, batch: Batch, record: EventRecord) -> None:
        execution = record.data.get("execution", {})
        await forge.record_status(batch.session, execution, self.settings.public_url)
        project_id, status = str(execution.get("projectId")), execution.get("status")
        title = f"Run #{execution.get('number')} of {execution.get('ref') or 'the pipeline'}"
        if status in FAILED_ON_ITS_OWN:
            await self._queue(batch, project_id, WebhookKind.RUN_FAILED, f"{title} {status}", execution)
            return
        if status != Status.SUCCESS:
            return
        await self._auto_diagram(batch, project_id, execution.get("ref"))
        previous = await people.previous_run(
            batch.session, str(execution.get("pipelineId")), execution["number"]
        )
        if previous is None or previous.status not in FAILED_ON_ITS_OWN:
            return
        actors = [a for a in (execution.get("actorId"), previous.actor_id) if a]
        concerned = actors or await people.members(batch.session, project_id, Role.OWNER)
        text = f"{title} succeeded after #{previous.number} {previous.status}"
        await self._notify(batch, concerned, NotificationKind.RUN_FIXED, text, "", project_id)
        await self._queue(batch, project_id, WebhookKind.RUN_FIXED, text, execution)

    async def _auto_diagram(self, batch: Batch, project_id: str, ref: str | None) -> None:
        """Diagram each successful run of the default branch when the project asks for it."""
        project = await batch.session.get(Project, project_id)
        branch = (ref or "").removeprefix("refs/heads/")
        if project is None or not project.repo_url or branch != project.default_branch:
            return
        if (await architecture.get_settings(batch.session, project_id)).auto:
            batch.diagrams.append((project_id, branch))

    async def _execution_started(self, batch: Batch, record: EventRecord) -> None:
        execution = record.data.get("execution", {})
        await forge.record_status(batch.session, execution, self.settings.public_url)

    async def _patch_generated(self, batch: Batch, record: EventRecord) -> None:
        if record.project_id is None:
            return
        patch = record.data.get("patch", {})
        name = patch.get("title") or patch.get("summary") or record.data.get("patchId")
        title = f"A patch awaits review: {name}"
        concerned = await people.members(batch.session, record.project_id, Role.MAINTAINER)
        await self._notify(batch, concerned, NotificationKind.PATCH_REVIEW, title, "", record.project_id)
        await self._queue(batch, record.project_id, WebhookKind.PATCH_REVIEW, title, record.data)

    async def _vulnerability(self, batch: Batch, record: EventRecord) -> None:
        vulnerability = record.data.get("vulnerability", {})
        if record.project_id is None or str(vulnerability.get("severity")).lower() != "critical":
            return
        title = f"Critical vulnerability: {vulnerability.get('title', '')}"
        await self._queue(batch, record.project_id, WebhookKind.CRITICAL_VULNERABILITY, title, vulnerability)

    async def _alert(self, batch: Batch, record: EventRecord) -> None:
        alert = record.data.get("alert", {})
        if alert.get("status") != "open":
            return
        priority = EventPriority.HIGH if alert.get("severity") == "critical" else EventPriority.MEDIUM
        title = f"Alert: {alert.get('title', '')}"
        admins = await batch.once("admins", lambda: people.admins(batch.session))
        await self._notify(
            batch, admins, NotificationKind.SYSTEM_ALERT, title, str(alert.get("message", "")), None, priority
        )

    async def _mail(self, batch: Batch, record: EventRecord) -> None:
        note = record.data.get("notification", {})
        if not email.configured(self.settings) or record.user_id is None:
            return
        if not await notifications.email_wanted(batch.session, record.user_id, str(note.get("kind"))):
            return
        address = await people.email_of(batch.session, record.user_id)
        if address:
            batch.mails.append((address, f"[Conveyor] {note.get('title', '')}", str(note.get("body", ""))))

    # Outputs ---------------------------------------------------------------------------------

    async def _notify(
        self,
        batch: Batch,
        user_ids: list[str],
        kind: NotificationKind,
        title: str,
        body: str,
        project_id: str | None,
        priority: EventPriority = EventPriority.MEDIUM,
    ) -> None:
        wanted = await batch.once(
            ("receivers", kind, *user_ids),
            lambda: notifications.receivers(batch.session, user_ids, kind.value),
        )
        for user_id in wanted:
            batch.emissions.append(
                notifications.notify(
                    batch.session,
                    user_id=user_id,
                    kind=kind.value,
                    title=title[:200],
                    body=body,
                    priority=priority,
                    project_id=project_id,
                )
            )

    async def _queue(
        self, batch: Batch, project_id: str, kind: WebhookKind, text: str, details: dict[str, Any]
    ) -> None:
        hooks = select(ProjectWebhook).where(ProjectWebhook.project_id == project_id)
        now = utcnow()
        for hook in (await batch.session.execute(hooks)).scalars():
            if kind.value not in hook.kinds:
                continue
            payload = slack_message(text, {"kind": kind.value, "projectId": project_id, "subject": details})
            batch.session.add(
                WebhookDelivery(
                    id=new_id(),
                    webhook_id=hook.id,
                    kind=kind.value,
                    payload=payload,
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
