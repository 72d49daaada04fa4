"""Sending webhook deliveries: signed POSTs, retried with backoff, each attempt in the log.

Deliveries are rows written by the dispatcher in the transaction of their cause; this loop
sends the due ones afterwards, so an endpoint that is down never holds up an event. Every
connection goes through ``egress.guarded_client``: never to an internal address.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from conveyor import egress
from conveyor.channels import outbound
from conveyor.channels.models import ProjectWebhook, WebhookDelivery
from conveyor.channels.schemas import DeliveryStatus
from conveyor.config import Settings
from conveyor.db import Database, take_due, utcnow
from conveyor.projects.secrets import SecretCipher

SIGNATURE_HEADER = "X-Conveyor-Signature"
BATCH = 50


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def slack_message(text: str, details: dict[str, Any]) -> dict[str, Any]:
    """Slack's incoming-webhook shape (``text``), with Conveyor's own fields beside it."""
    return {"text": text, "username": "Conveyor", "conveyor": details}


def backoff(settings: Settings, attempts: int) -> timedelta:
    return settings.retry_delay(attempts)


async def deliver_due(
    db: Database, settings: Settings, cipher: SecretCipher, now: datetime | None = None
) -> int:
    """Send every delivery due at ``now``; return how many were attempted."""
    now = now or utcnow()
    async with db.session() as session:
        due = (
            select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING.value, WebhookDelivery.next_attempt_at <= now
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(BATCH)
        )
        rows = list((await session.execute(due)).tuples())
    if not rows:
        return 0  # no client (and its TLS context, milliseconds to build) every second for nothing
    attempted = 0
    allowed = egress.allowed_hosts(settings.webhook_allowed_hosts)
    async with outbound.guarded_client(allowed, timeout=settings.webhook_timeout_seconds) as client:
        for delivery_id, due_at in rows:
            if await _claim(db, settings, delivery_id, due_at, now):
                await _attempt(db, settings, cipher, client, delivery_id)
                attempted += 1
    return attempted


async def _claim(
    db: Database, settings: Settings, delivery_id: str, due_at: datetime | None, now: datetime
) -> bool:
    """Take the delivery for one attempt (another node that read it too skips it)."""
    lease = now + timedelta(seconds=settings.webhook_timeout_seconds * 2)
    return await take_due(db, WebhookDelivery, delivery_id, due_at, lease)


async def _attempt(
    db: Database, settings: Settings, cipher: SecretCipher, client: httpx.AsyncClient, delivery_id: str
) -> None:
    async with db.session() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        hook = await session.get(ProjectWebhook, delivery.webhook_id) if delivery else None
        if delivery is None or hook is None:
            return
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        url, secret, kind = hook.url, cipher.decrypt(hook.secret_ciphertext), delivery.kind
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
        "X-Conveyor-Event": kind,
        "X-Conveyor-Delivery": delivery_id,
    }
    code: int | None = None
    error: str | None = None
    try:
        response = await client.post(url, content=body, headers=headers)
        code = response.status_code
        if not response.is_success:
            error = f"HTTP {code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    await _record(db, settings, delivery_id, code, error)


async def _record(
    db: Database, settings: Settings, delivery_id: str, code: int | None, error: str | None
) -> None:
    async with db.write_session() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return
        now = utcnow()
        delivery.attempts += 1
        delivery.response_code, delivery.error = code, error
        if error is None:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                DeliveryStatus.DELIVERED.value,
                now,
                None,
            )
        elif delivery.attempts >= settings.webhook_max_attempts:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED.value, None
        else:
            delivery.next_attempt_at = now + backoff(settings, delivery.attempts)
        await session.commit()
