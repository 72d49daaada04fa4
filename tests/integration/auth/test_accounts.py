from __future__ import annotations

from sqlalchemy import select

from conveyor.auth.models import ApiToken, User
from tests.support.server import ADMIN_PASSWORD, USER_PASSWORD, RunningServer


async def test_login_returns_a_bearer_jwt(server: RunningServer) -> None:
    async with server.api() as client:
        response = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
        )
    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2


async def test_wrong_password_and_unknown_user_look_the_same(server: RunningServer) -> None:
    async with server.api() as client:
        wrong = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "nope-nope"})
        unknown = await client.post("/api/v1/auth/login", json={"username": "ghost", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "The username or password is wrong."}


async def test_me_needs_a_valid_token(server: RunningServer) -> None:
    async with server.api() as client:
        missing = await client.get("/api/v1/auth/me")
        garbage = await client.get("/api/v1/auth/me", headers={"Authorization": "Bearer garbage"})
    assert missing.status_code == garbage.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    async with server.api(await server.admin_token()) as client:
        me = (await client.get("/api/v1/auth/me")).json()
    assert me["username"] == "admin" and me["isAdmin"] is True
    assert "passwordHash" not in me and "password_hash" not in me


async def test_users_are_admin_only(server: RunningServer) -> None:
    _, token = await server.create_user("alice")
    async with server.api(token) as client:
        listed = await client.get("/api/v1/users")
        created = await client.post("/api/v1/users", json={"username": "mallory", "password": "x" * 10})
    assert listed.status_code == created.status_code == 403
    async with server.api(await server.admin_token()) as client:
        names = [u["username"] for u in (await client.get("/api/v1/users")).json()]
    assert names == ["admin", "alice"]


async def test_user_input_is_validated_and_duplicates_refused(server: RunningServer) -> None:
    async with server.api(await server.admin_token()) as client:
        short = await client.post("/api/v1/users", json={"username": "bob", "password": "short"})
        bad_name = await client.post("/api/v1/users", json={"username": "bad name!", "password": "x" * 10})
        first = await client.post("/api/v1/users", json={"username": "bob", "password": "x" * 10})
        again = await client.post("/api/v1/users", json={"username": "bob", "password": "y" * 10})
    assert short.status_code == bad_name.status_code == 422
    assert first.status_code == 201
    assert again.status_code == 409 and "taken" in again.json()["detail"]


async def test_disabled_user_is_locked_out_at_once(server: RunningServer) -> None:
    user_id, token = await server.create_user("carol")
    async with server.api(await server.admin_token()) as client:
        response = await client.patch(f"/api/v1/users/{user_id}", json={"isActive": False})
    assert response.status_code == 200
    async with server.api(token) as client:
        assert (await client.get("/api/v1/auth/me")).status_code == 401
    async with server.api() as client:
        login = await client.post("/api/v1/auth/login", json={"username": "carol", "password": USER_PASSWORD})
    assert login.status_code == 401


async def test_admin_cannot_remove_themselves(server: RunningServer) -> None:
    async with server.api(await server.admin_token()) as client:
        me = (await client.get("/api/v1/auth/me")).json()
        demote = await client.patch(f"/api/v1/users/{me['id']}", json={"isAdmin": False})
        delete = await client.delete(f"/api/v1/users/{me['id']}")
    assert demote.status_code == delete.status_code == 403


async def test_api_tokens_are_stored_hashed_work_and_revoke(server: RunningServer) -> None:
    _, jwt_token = await server.create_user("dave")
    async with server.api(jwt_token) as client:
        created = (await client.post("/api/v1/auth/tokens", json={"name": "ci script"})).json()
        listed = (await client.get("/api/v1/auth/tokens")).json()
    plaintext = created["token"]
    assert plaintext.startswith("cvy_") and "token" not in listed[0]
    async with server.container.db.session() as session:
        stored = (await session.execute(select(ApiToken))).scalars().all()
    assert [t.token_hash for t in stored] != [plaintext] and plaintext not in repr(stored[0].__dict__)
    async with server.api(plaintext) as client:
        assert (await client.get("/api/v1/auth/me")).json()["username"] == "dave"
    async with server.api(jwt_token) as client:
        assert (await client.delete(f"/api/v1/auth/tokens/{created['id']}")).status_code == 204
    async with server.api(plaintext) as client:
        revoked = await client.get("/api/v1/auth/me")
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]


async def test_only_admins_mint_alert_tokens(server: RunningServer) -> None:
    _, token = await server.create_user("erin")
    async with server.api(token) as client:
        response = await client.post("/api/v1/auth/tokens", json={"name": "x", "scopes": ["alerts:write"]})
    assert response.status_code == 403


async def test_passwords_are_stored_as_argon2(server: RunningServer) -> None:
    await server.create_user("frank")
    async with server.container.db.session() as session:
        user = (await session.execute(select(User).where(User.username == "frank"))).scalar_one()
    assert user.password_hash.startswith("$argon2id$") and USER_PASSWORD not in user.password_hash
