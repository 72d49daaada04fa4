"""A project's outgoing webhooks and their delivery log."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor import egress
from conveyor.auth.principal import Principal
from conveyor.channels.models import ProjectWebhook, WebhookDelivery
from conveyor.channels.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead
from conveyor.config import Settings
from conveyor.db import new_id, utcnow
from conveyor.errors import NotFound
from conveyor.projects.secrets import SecretCipher


async def create_webhook(
    *,
    session: AsyncSession,
    cipher: SecretCipher,
    settings: Settings,
    project_id: str,
    data: WebhookCreate,
    actor: Principal,
) -> WebhookCreated:
    await egress.check_url(data.url, egress.allowed_hosts(settings.webhook_allowed_hosts), "url")
    secret = data.secret or secrets.token_urlsafe(32)
    hook = ProjectWebhook(
        id=new_id(),
        project_id=project_id,
        url=data.url,
        secret_ciphertext=cipher.encrypt(secret),
        kinds=[k.value for k in data.kinds],
        created_by=actor.user_id,
        created_at=utcnow(),
    )
    session.add(hook)
    await session.commit()
    return WebhookCreated(**WebhookRead.model_validate(hook).model_dump(), secret=secret)


async def list_webhooks(session: AsyncSession, *, project_id: str) -> list[WebhookRead]:
    statement = select(ProjectWebhook).where(ProjectWebhook.project_id == project_id)
    return [
        WebhookRead.model_validate(h)
        for h in (await session.execute(statement.order_by(ProjectWebhook.created_at))).scalars()
    ]


async def _webhook(session: AsyncSession, project_id: str, webhook_id: str) -> ProjectWebhook:
    hook = await session.get(ProjectWebhook, webhook_id)
    if hook is None or hook.project_id != project_id:
        raise NotFound(f"webhook {webhook_id} not found")
    return hook


async def delete_webhook(*, session: AsyncSession, project_id: str, webhook_id: str) -> None:
    await session.delete(await _webhook(session, project_id, webhook_id))
    await session.commit()


async def list_deliveries(
    session: AsyncSession, *, project_id: str, webhook_id: str, limit: int
) -> list[DeliveryRead]:
    await _webhook(session, project_id, webhook_id)
    statement = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.created_at.desc())
        .limit(limit)
    )
    return [DeliveryRead.model_validate(d) for d in (await session.execute(statement)).scalars()]
