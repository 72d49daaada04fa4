"""E-mail through SMTP, when ``CONVEYOR_SMTP_HOST`` is set."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import structlog

from conveyor.config import Settings

log = structlog.get_logger(__name__)
SMTP_TIMEOUT_SECONDS = 10.0


def configured(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def _send(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


async def send(settings: Settings, to: str, subject: str, body: str) -> bool:
    """Send one message; a failure is logged (without the body) and reported, never raised."""
    try:
        await asyncio.to_thread(_send, settings, to, subject, body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("e-mail not sent", error=type(exc).__name__, host=settings.smtp_host)
        return False
    return True
