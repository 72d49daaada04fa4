from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from conveyor.auth.security import JwtCodec, digest, hash_password, new_api_token, verify_password
from conveyor.errors import Unauthorized

SECRET = "a-test-secret-that-is-long-enough-0123"


@pytest.fixture
def codec() -> JwtCodec:
    return JwtCodec(secret=SECRET, algorithm="HS256", ttl_seconds=60)


def encode(claims: dict[str, object], *, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def now() -> datetime:
    return datetime.now(UTC)


def test_issued_token_round_trips(codec: JwtCodec) -> None:
    token, expires_at = codec.issue("user-1", "stamp-1")
    claims = codec.decode(token)
    assert claims.user_id == "user-1" and claims.password_stamp == "stamp-1"
    assert abs((claims.expires_at - expires_at).total_seconds()) < 1


def test_expired_token(codec: JwtCodec) -> None:
    token = encode(
        {"sub": "u", "iat": now() - timedelta(hours=2), "exp": now() - timedelta(hours=1), "typ": "access"}
    )
    with pytest.raises(Unauthorized, match="expired"):
        codec.decode(token)


def test_wrongly_signed_token(codec: JwtCodec) -> None:
    token = encode(
        {"sub": "u", "iat": now(), "exp": now() + timedelta(minutes=5), "typ": "access"}, secret="x" * 40
    )
    with pytest.raises(Unauthorized, match="signature"):
        codec.decode(token)


def test_alg_none_is_refused(codec: JwtCodec) -> None:
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    body = {"sub": "u", "iat": int(time.time()), "exp": int(time.time()) + 300, "typ": "access"}
    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=")
    with pytest.raises(Unauthorized, match="algorithm not allowed"):
        codec.decode(f"{header.decode()}.{payload.decode()}.")


def test_other_algorithm_is_refused(codec: JwtCodec) -> None:
    token = encode(
        {"sub": "u", "iat": now(), "exp": now() + timedelta(minutes=5), "typ": "access"}, algorithm="HS512"
    )
    with pytest.raises(Unauthorized, match="algorithm not allowed"):
        codec.decode(token)


@pytest.mark.parametrize("missing", ["sub", "iat", "exp"])
def test_required_claims(codec: JwtCodec, missing: str) -> None:
    claims = {"sub": "u", "iat": now(), "exp": now() + timedelta(minutes=5), "typ": "access"}
    del claims[missing]
    with pytest.raises(Unauthorized, match=f"missing claim '{missing}'"):
        codec.decode(encode(claims))


def test_garbage_token(codec: JwtCodec) -> None:
    with pytest.raises(Unauthorized, match="malformed"):
        codec.decode("not-a-jwt")


def test_token_issued_in_the_future(codec: JwtCodec) -> None:
    token = encode(
        {"sub": "u", "iat": now() + timedelta(hours=1), "exp": now() + timedelta(hours=2), "typ": "access"}
    )
    with pytest.raises(Unauthorized):
        codec.decode(token)


def test_passwords_are_argon2_and_verify() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2")
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert not verify_password(None, "anything")


def test_api_tokens_are_random_and_digested() -> None:
    first, second = new_api_token(), new_api_token()
    assert first != second and first.startswith("cvy_")
    assert digest(first) != first and len(digest(first)) == 64
