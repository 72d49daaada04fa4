"""Password hashing (argon2), JWT access tokens (algorithm pinned) and API token digests."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from conveyor.db import utcnow
from conveyor.errors import Unauthorized

API_TOKEN_PREFIX = "cvy_"
REFRESH_TOKEN_PREFIX = "cvr_"
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a missing user costs as long as a wrong
# password and user names cannot be probed by timing.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_stamp(password_hash: str) -> str:
    """Changes whenever the password does (the hash is salted): a JWT carries the stamp of the
    password it was issued under, so a new password ends every session opened before it."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    issued_at: datetime
    expires_at: datetime
    password_stamp: str | None = None


class JwtCodec:
    def __init__(
        self,
        *,
        secret: str,
        algorithm: str,
        ttl_seconds: int,
        refresh_ttl_seconds: int = 7 * 24 * 3600,
        session_max_seconds: int = 30 * 24 * 3600,
    ) -> None:
        self._secret = secret
        self._algorithm = algorithm
        self.ttl_seconds = ttl_seconds
        self.refresh_ttl_seconds = refresh_ttl_seconds
        self.session_max_seconds = session_max_seconds

    def issue(self, user_id: str, stamp: str) -> tuple[str, datetime]:
        now = utcnow()
        expires_at = now + timedelta(seconds=self.ttl_seconds)
        claims = {"sub": user_id, "iat": now, "exp": expires_at, "typ": "access", "pwd": stamp}
        return jwt.encode(claims, self._secret, algorithm=self._algorithm), expires_at

    def decode(self, token: str) -> AccessClaims:
        """Verify signature, algorithm, ``exp``, ``iat`` and ``sub``; raise Unauthorized."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[self._algorithm],
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("token expired") from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized("token not valid yet") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {_reason(exc)}") from None
        if claims.get("typ") != "access" or not isinstance(claims["sub"], str):
            raise Unauthorized("invalid token: not an access token")
        return AccessClaims(
            user_id=claims["sub"],
            issued_at=datetime.fromtimestamp(claims["iat"], tz=utcnow().tzinfo),
            expires_at=datetime.fromtimestamp(claims["exp"], tz=utcnow().tzinfo),
            password_stamp=claims.get("pwd") if isinstance(claims.get("pwd"), str) else None,
        )


def _reason(exc: jwt.InvalidTokenError) -> str:
    if isinstance(exc, jwt.InvalidSignatureError):
        return "signature verification failed"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "algorithm not allowed"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"missing claim {exc.claim!r}"
    if isinstance(exc, jwt.DecodeError):
        return "malformed token"
    return exc.__class__.__name__


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_refresh_token() -> str:
    return REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_api_token(token: str) -> bool:
    return token.startswith(API_TOKEN_PREFIX)
