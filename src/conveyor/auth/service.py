"""Accounts: login, token verification, users and API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conveyor.auth import security
from conveyor.auth.models import ApiToken, RefreshToken, User
from conveyor.auth.principal import Principal
from conveyor.auth.schemas import ApiTokenCreate, TokenResponse, UserCreate, UserUpdate
from conveyor.auth.throttle import LoginThrottle
from conveyor.db import get_or_404, new_id, utcnow
from conveyor.errors import Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized
from conveyor.events.bus import EventBus
from conveyor.events.schemas import Emission
from conveyor.notifications.schemas import ActivityKind
from conveyor.notifications.service import activity

# Re-exported for events/realtime/hub.py only, until the realtime layer takes an injected
# authenticator (issue 8, realtime half of item 4); everything else imports conveyor.projects.access.

BOOTSTRAP_ADMIN = "admin"


async def login(
    *,
    session: AsyncSession,
    bus: EventBus,
    codec: security.JwtCodec,
    throttle: LoginThrottle,
    address: str,
    username: str,
    password: str,
) -> TokenResponse:
    """An access token and the refresh token of a new session; 429 while failed attempts for
    the name or from the address make it wait."""
    wait = await throttle.wait(username, address)
    if wait:
        raise TooManyRequests(f"Too many failed sign-ins; try again in {wait} s.", retry_after=wait)
    user = await _user_by_name(session, username)
    if not security.verify_password(user.password_hash if user else None, password):
        await throttle.failed(username, address)
        raise Unauthorized("The username or password is wrong.")
    await throttle.succeeded(username)
    assert user is not None
    if not user.is_active:
        raise Unauthorized("This account is disabled.")
    return await _open_session(session, bus, codec, user, activity(user.id, ActivityKind.LOGIN, "Signed in"))


async def _open_session(
    session: AsyncSession,
    bus: EventBus,
    codec: security.JwtCodec,
    user: User,
    event: Emission,
    *,
    access_changed: bool = False,
) -> TokenResponse:
    now, refresh = utcnow(), security.new_refresh_token()
    record = RefreshToken(
        id=new_id(),
        user_id=user.id,
        token_hash=security.digest(refresh),
        expires_at=now + timedelta(seconds=codec.refresh_ttl_seconds),
        ends_at=now + timedelta(seconds=codec.session_max_seconds),
    )
    session.add(record)
    await bus.commit(session, event, access_changed_for=[user.id] if access_changed else ())
    return _tokens(codec, user, record, refresh, now)


async def refresh(*, session: AsyncSession, codec: security.JwtCodec, refresh_token: str) -> TokenResponse:
    """A new access token for a live session, whose idle expiry slides forward (never past its end)."""
    record = await _refresh_record(session, refresh_token)
    now = utcnow()
    if record is None or record.revoked_at is not None:
        raise Unauthorized("This session was signed out; sign in again.")
    if min(record.expires_at, record.ends_at) <= now:
        raise Unauthorized("This session has expired; sign in again.")
    user = await session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("This account is disabled.")
    record.expires_at = min(record.ends_at, now + timedelta(seconds=codec.refresh_ttl_seconds))
    await session.commit()
    return _tokens(codec, user, record, refresh_token, now)


async def logout(*, session: AsyncSession, bus: EventBus, refresh_token: str) -> None:
    """Revoke the session of this refresh token (done already, or unknown: nothing to do)."""
    record = await _refresh_record(session, refresh_token)
    if record is None or record.revoked_at is not None:
        return
    record.revoked_at = utcnow()
    await bus.commit(session, activity(record.user_id, ActivityKind.LOGOUT, "Signed out"))


def _tokens(
    codec: security.JwtCodec, user: User, record: RefreshToken, refresh_token: str, now: datetime
) -> TokenResponse:
    access, _ = codec.issue(user.id, security.password_stamp(user.password_hash))
    left = int((min(record.expires_at, record.ends_at) - now).total_seconds())
    return TokenResponse(
        access_token=access,
        expires_in=codec.ttl_seconds,
        refresh_token=refresh_token,
        refresh_expires_in=max(left, 0),
    )


async def _refresh_record(session: AsyncSession, token: str) -> RefreshToken | None:
    if not token.startswith(security.REFRESH_TOKEN_PREFIX):
        return None
    statement = select(RefreshToken).where(RefreshToken.token_hash == security.digest(token))
    return (await session.execute(statement)).scalar_one_or_none()


async def revoke_sessions(session: AsyncSession, user_id: str) -> None:
    """Sign the user out everywhere (a new password, a disabled account); the caller commits."""
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def authenticate(*, session: AsyncSession, codec: security.JwtCodec, token: str) -> Principal:
    """Turn a bearer token (JWT or API token) into a Principal, or raise Unauthorized."""
    if not isinstance(token, str) or not token:
        raise Unauthorized("missing token")
    if security.is_api_token(token):
        return await _authenticate_api_token(session, token)
    claims = codec.decode(token)
    user = await session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("invalid token: unknown or disabled user")
    stamp = security.password_stamp(user.password_hash)
    if claims.password_stamp != stamp:
        raise Unauthorized("invalid token: the password changed since it was issued")
    return Principal(
        user.id, user.username, user.is_admin, expires_at=claims.expires_at, password_stamp=stamp
    )


async def _authenticate_api_token(session: AsyncSession, token: str) -> Principal:
    record = (
        await session.execute(select(ApiToken).where(ApiToken.token_hash == security.digest(token)))
    ).scalar_one_or_none()
    now = utcnow()
    if record is None or record.revoked_at is not None:
        raise Unauthorized("invalid token: unknown or revoked API token")
    if record.expires_at is not None and record.expires_at <= now:
        raise Unauthorized("token expired")
    user = await session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("invalid token: unknown or disabled user")
    return Principal(
        user.id,
        user.username,
        user.is_admin,
        record.id,
        frozenset(record.scopes),
        record.expires_at,
    )


async def still_valid(
    session: AsyncSession, *, user_id: str, token_id: str | None, password_stamp: str | None = None
) -> bool:
    """Whether the user is active, the API token (if any) not revoked and the password (for a
    JWT's ``password_stamp``) unchanged."""
    user = await session.get(User, user_id)
    if user is None or not user.is_active:
        return False
    if token_id is None:
        return password_stamp is None or password_stamp == security.password_stamp(user.password_hash)
    record = await session.get(ApiToken, token_id)
    return record is not None and record.revoked_at is None


async def list_users(session: AsyncSession) -> list[User]:
    return list((await session.execute(select(User).order_by(User.username))).scalars())


async def get_user(session: AsyncSession, user_id: str) -> User:
    return await get_or_404(session, User, user_id, "user")


async def create_user(
    *, session: AsyncSession, bus: EventBus, data: UserCreate, actor: Principal | None
) -> User:
    user = User(
        id=new_id(),
        username=data.username,
        email=data.email,
        password_hash=security.hash_password(data.password),
        is_admin=data.is_admin,
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        raise Conflict(f"username {data.username!r} is taken") from None
    events = (
        [activity(actor.user_id, ActivityKind.USER_CREATED, f"Created user {user.username}")] if actor else []
    )
    await bus.commit(session, *events)
    return user


async def update_user(
    *, session: AsyncSession, bus: EventBus, user_id: str, data: UserUpdate, actor: Principal
) -> User:
    user = await get_user(session, user_id)
    if user.id == actor.user_id and (data.is_admin is False or data.is_active is False):
        raise Forbidden("admins cannot demote or disable themselves")
    if data.password is not None:
        user.password_hash = security.hash_password(data.password)
    if data.password is not None or data.is_active is False:
        await revoke_sessions(session, user.id)
    for field in ("email", "is_admin", "is_active"):
        value = getattr(data, field)
        if value is not None:
            setattr(user, field, value)
    event = activity(actor.user_id, ActivityKind.USER_UPDATED, f"Updated user {user.username}")
    await bus.commit(session, event, access_changed_for=[user.id])
    return user


async def set_password(*, session: AsyncSession, bus: EventBus, username: str, password: str) -> User:
    """A new password set by an operator (``conveyor admin reset-password``); signs the user out."""
    user = await _user_by_name(session, username)
    if user is None:
        raise NotFound(f"There is no user {username!r} in this database.")
    user.password_hash = security.hash_password(UserUpdate(password=password).password or "")
    await revoke_sessions(session, user.id)
    event = activity(user.id, ActivityKind.PASSWORD_RESET, "Password reset by an operator")
    await bus.commit(session, event, access_changed_for=[user.id])
    return user


async def change_password(
    *,
    session: AsyncSession,
    bus: EventBus,
    codec: security.JwtCodec,
    principal: Principal,
    current: str,
    new: str,
) -> TokenResponse:
    """The caller's own password: every earlier session and JWT stops working; the answer opens
    a new session."""
    user = await get_user(session, principal.user_id)
    if not security.verify_password(user.password_hash, current):
        raise Forbidden("The current password is wrong.")
    user.password_hash = security.hash_password(new)
    await revoke_sessions(session, user.id)
    event = activity(user.id, ActivityKind.PASSWORD_CHANGED, "Changed password")
    return await _open_session(session, bus, codec, user, event, access_changed=True)


async def delete_user(*, session: AsyncSession, bus: EventBus, user_id: str, actor: Principal) -> None:
    user = await get_user(session, user_id)
    if user.id == actor.user_id:
        raise Forbidden("admins cannot delete themselves")
    await session.delete(user)
    event = activity(actor.user_id, ActivityKind.USER_DELETED, f"Deleted user {user.username}")
    await bus.commit(session, event, access_changed_for=[user_id])


async def create_api_token(
    *, session: AsyncSession, bus: EventBus, principal: Principal, data: ApiTokenCreate
) -> tuple[ApiToken, str]:
    if "alerts:write" in data.scopes and not principal.is_admin:
        raise Forbidden("only admins may create tokens with the alerts:write scope")
    plaintext = security.new_api_token()
    expires_at = utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    token = ApiToken(
        id=new_id(),
        user_id=principal.user_id,
        name=data.name,
        prefix=plaintext[:8],
        token_hash=security.digest(plaintext),
        scopes=sorted(set(data.scopes)),
        expires_at=expires_at,
    )
    session.add(token)
    await bus.commit(
        session, activity(principal.user_id, ActivityKind.TOKEN_CREATED, f"Created API token {data.name}")
    )
    return token, plaintext


async def list_api_tokens(session: AsyncSession, principal: Principal) -> list[ApiToken]:
    statement = select(ApiToken).where(ApiToken.user_id == principal.user_id).order_by(ApiToken.created_at)
    return list((await session.execute(statement)).scalars())


async def revoke_api_token(
    *, session: AsyncSession, bus: EventBus, principal: Principal, token_id: str
) -> None:
    token = await session.get(ApiToken, token_id)
    if token is None or (token.user_id != principal.user_id and not principal.is_admin):
        raise NotFound(f"API token {token_id} not found")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    event = activity(token.user_id, ActivityKind.TOKEN_REVOKED, f"Revoked API token {token.name}")
    await bus.commit(session, event, access_changed_for=[token.user_id])


async def bootstrap_admin(*, session: AsyncSession, password: str | None) -> str | None:
    """Create the first admin if no user exists; return the password if it was generated."""
    if (await session.execute(select(User.id).limit(1))).first() is not None:
        return None
    generated = None if password else secrets.token_urlsafe(18)
    session.add(
        User(
            username=BOOTSTRAP_ADMIN,
            password_hash=security.hash_password(password or generated or ""),
            is_admin=True,
        )
    )
    try:
        await session.commit()
    except IntegrityError:  # another node starting at the same time created it first
        await session.rollback()
        return None
    return generated


async def _user_by_name(session: AsyncSession, username: str) -> User | None:
    return (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
