from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from conveyor.projects.models import ProjectSecret
from tests.support.pipelines import make_repo
from tests.support.server import RunningServer


async def test_creator_owns_the_project_and_others_cannot_see_it(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    _, bob = await server.create_user("bob")
    project_id = await server.create_project(alice, "web")
    async with server.api(alice) as client:
        mine = (await client.get("/api/v1/projects")).json()
    async with server.api(bob) as client:
        theirs = (await client.get("/api/v1/projects")).json()
        probe = await client.get(f"/api/v1/projects/{project_id}")
    assert [(p["name"], p["role"]) for p in mine] == [("web", "owner")]
    assert theirs == []
    assert probe.status_code == 404


async def test_admin_sees_every_project(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    await server.create_project(alice, "api")
    async with server.api(await server.admin_token()) as client:
        names = [p["name"] for p in (await client.get("/api/v1/projects")).json()]
    assert names == ["api"]


async def test_project_input_is_validated(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    await server.create_project(alice, "dup")
    async with server.api(alice) as client:
        bad = await client.post("/api/v1/projects", json={"name": "../etc"})
        dup = await client.post("/api/v1/projects", json={"name": "dup"})
        unknown_field = await client.post("/api/v1/projects", json={"name": "ok", "colour": "red"})
    assert bad.status_code == 422 and unknown_field.status_code == 422
    assert dup.status_code == 409


async def test_roles_gate_what_members_may_do(server: RunningServer) -> None:
    _, owner = await server.create_user("owner")
    viewer_id, viewer = await server.create_user("viewer")
    project_id = await server.create_project(owner, "core")
    async with server.api(owner) as client:
        put = await client.put(f"/api/v1/projects/{project_id}/members/{viewer_id}", json={"role": "viewer"})
    assert put.json() == {"userId": viewer_id, "username": "viewer", "role": "viewer"}
    async with server.api(viewer) as client:
        read = await client.get(f"/api/v1/projects/{project_id}")
        write = await client.patch(f"/api/v1/projects/{project_id}", json={"defaultBranch": "dev"})
        members = await client.put(
            f"/api/v1/projects/{project_id}/members/{viewer_id}", json={"role": "owner"}
        )
    assert read.status_code == 200 and read.json()["role"] == "viewer"
    assert write.status_code == 403 and "maintainer" in write.json()["detail"]
    assert members.status_code == 403


async def test_last_owner_cannot_leave(server: RunningServer) -> None:
    owner_id, owner = await server.create_user("owner")
    project_id = await server.create_project(owner, "solo")
    async with server.api(owner) as client:
        demote = await client.put(
            f"/api/v1/projects/{project_id}/members/{owner_id}", json={"role": "viewer"}
        )
        leave = await client.delete(f"/api/v1/projects/{project_id}/members/{owner_id}")
    assert demote.status_code == leave.status_code == 409


async def test_secrets_are_encrypted_at_rest_and_never_returned(server: RunningServer) -> None:
    _, owner = await server.create_user("owner")
    project_id = await server.create_project(owner, "vault")
    value = "s3cr3t-value-that-must-not-leak"
    async with server.api(owner) as client:
        put = await client.put(f"/api/v1/projects/{project_id}/secrets/DEPLOY_KEY", json={"value": value})
        listed = await client.get(f"/api/v1/projects/{project_id}/secrets")
        bad_name = await client.put(f"/api/v1/projects/{project_id}/secrets/bad-name", json={"value": "x"})
    assert put.status_code == 204 and bad_name.status_code == 422
    assert [s["name"] for s in listed.json()] == ["DEPLOY_KEY"] and value not in listed.text
    async with server.container.db.session() as session:
        stored = (await session.execute(select(ProjectSecret))).scalar_one()
    assert value.encode() not in stored.ciphertext
    assert server.container.cipher.decrypt(stored.ciphertext) == value


async def test_deleting_a_project_needs_the_owner(server: RunningServer) -> None:
    _, owner = await server.create_user("owner")
    maint_id, maintainer = await server.create_user("maint")
    project_id = await server.create_project(owner, "gone")
    async with server.api(owner) as client:
        await client.put(f"/api/v1/projects/{project_id}/members/{maint_id}", json={"role": "maintainer"})
    async with server.api(maintainer) as client:
        assert (await client.delete(f"/api/v1/projects/{project_id}")).status_code == 403
    async with server.api(owner) as client:
        assert (await client.delete(f"/api/v1/projects/{project_id}")).status_code == 204
        assert (await client.get(f"/api/v1/projects/{project_id}")).status_code == 404


async def test_the_repository_is_checked_when_a_project_is_saved(
    server: RunningServer, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", {"README": "x\n"})
    async with server.api(await server.admin_token()) as client:
        missing = await client.post(
            "/api/v1/projects", json={"name": "gone", "repoUrl": str(tmp_path / "nowhere")}
        )
        branch = await client.post(
            "/api/v1/projects", json={"name": "branch", "repoUrl": str(repo), "defaultBranch": "trunk"}
        )
        injected = await client.post(
            "/api/v1/projects", json={"name": "opt", "repoUrl": "--upload-pack=touch"}
        )
        transport = await client.post("/api/v1/projects", json={"name": "ext", "repoUrl": "ext::sh -c true"})
        listed = (await client.get("/api/v1/projects")).json()
        created = await client.post("/api/v1/projects", json={"name": "good", "repoUrl": str(repo)})
        project = created.json()["id"]
        moved = await client.patch(f"/api/v1/projects/{project}", json={"repoUrl": str(tmp_path / "nowhere")})
        renamed = await client.patch(f"/api/v1/projects/{project}", json={"defaultBranch": "trunk"})
        kept = (await client.get(f"/api/v1/projects/{project}")).json()
    assert missing.status_code == 422 and "cannot be reached" in missing.json()["detail"]
    assert branch.status_code == 422 and "has no branch 'trunk' (it has main)" in branch.json()["detail"]
    assert injected.status_code == 422 and transport.status_code == 422
    assert listed == [], "nothing refused was saved"
    assert created.status_code == 201
    assert moved.status_code == 422 and renamed.status_code == 422
    assert (kept["repoUrl"], kept["defaultBranch"]) == (str(repo), "main")
