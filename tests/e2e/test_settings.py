"""Settings in a real browser: a project's repository (checked when saved), members and roles,
secrets by name, the webhook URL and secret, the forge link (broken by a 401, mended here) and
public badges; the user's API tokens; users for admins."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_dashboard import Browser, assert_fits_phone, browser, database_url, sign_in
from tests.support.forges import forge_stand_in
from tests.support.pipelines import PipelineApi, completed, make_repo
from tests.support.server import USER_PASSWORD, RunningServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "database_url"]  # fixtures shared with test_dashboard.py

PAGE_TEXT = "document.body.innerText"


async def test_project_settings_repository_members_secrets_and_webhook(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    api = PipelineApi(server, await server.admin_token())
    project = await api.project("web-settings")
    bob_id, _ = await server.create_user("bob")
    repo = make_repo(tmp_path / "repo", {"README": "x\n"})
    await sign_in(browser, server, f"/projects/{project}/settings")

    await browser.call("fill", selector="input[name=repoUrl]", value=str(tmp_path / "nowhere"))
    await browser.call("click", selector='form[aria-label="repository"] button[type=submit]')
    await browser.see('[role="alert"]', "cannot be reached")
    await browser.call("fill", selector="input[name=repoUrl]", value=str(repo))
    await browser.call("click", selector='form[aria-label="repository"] button[type=submit]')
    await browser.see("[role=status]", "The repository answered")
    assert (await api.request("GET", f"/projects/{project}", 200))["repoUrl"] == str(repo)

    await browser.call("select", selector="select[name=member]", value=bob_id)
    await browser.call("select", selector="select[name=role]", value="maintainer")
    await browser.call("click", selector="button", text="Add member")
    await browser.see('table[aria-label="members"] tr[data-user="bob"]')
    await browser.call("select", selector='select[aria-label="role of bob"]', value="viewer")
    await browser.see('table[aria-label="members"] tr[data-user="bob"][data-role="viewer"]')
    members = await api.request("GET", f"/projects/{project}/members", 200)
    assert {m["username"]: m["role"] for m in members}["bob"] == "viewer"

    await browser.call("fill", selector="input[name=secretName]", value="DEPLOY_TOKEN")
    await browser.call("fill", selector="input[name=secretValue]", value="very-secret-value")
    await browser.call("click", selector="button", text="Set secret")
    await browser.see('ul[aria-label="secrets"] li', "DEPLOY_TOKEN")
    assert "very-secret-value" not in await browser.call("evaluate", expression=PAGE_TEXT)
    await browser.call("click", selector='button[aria-label="delete DEPLOY_TOKEN"]')
    await browser.see(".empty", "No secrets yet")

    hook = await browser.call("text", selector='[data-testid="github-hook"]')
    assert hook == f"{server.base_url}/api/v1/hooks/github/{project}"
    await browser.call("click", selector="button", text="Create a secret")
    await browser.see('[data-testid="webhook-secret"] code')
    secret = await browser.call("text", selector='[data-testid="webhook-secret"] code')
    body = b'{"zen": "ping"}'
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    async with server.api() as client:
        good = await client.post(
            hook, content=body, headers={"X-GitHub-Event": "ping", "X-Hub-Signature-256": signature}
        )
        bad = await client.post(
            hook, content=body, headers={"X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=0"}
        )
    assert (good.status_code, bad.status_code) == (202, 401)

    # At phone width every section still fits and its controls are in reach.
    await assert_fits_phone(
        browser,
        'form[aria-label="repository"] button[type=submit]',
        'table[aria-label="members"]',
        "input[name=secretName]",
        '[data-testid="github-hook"]',
        ".menu-toggle",
    )
    assert await browser.call("consoleErrors") == [] or all(
        "422" in e for e in await browser.call("consoleErrors")
    )


async def test_api_tokens_and_users(server: RunningServer, browser: Browser) -> None:
    await sign_in(browser, server, "/")
    await browser.call("click", selector="a.user")
    await browser.call("fill", selector="input[name=tokenName]", value="ci-bot")
    await browser.call("click", selector="button", text="Create token")
    await browser.see('[data-testid="new-token"] code', "cvy_")
    token = await browser.call("text", selector='[data-testid="new-token"] code')
    async with server.api(token) as client:
        assert (await client.get("/api/v1/auth/me")).json()["username"] == "admin"
    await browser.see('table[aria-label="api tokens"] tr[data-token="ci-bot"]', "never used")
    await browser.call("click", selector='tr[data-token="ci-bot"] button', text="Revoke")
    await browser.see(".empty", "No API tokens")
    async with server.api(token) as client:
        assert (await client.get("/api/v1/auth/me")).status_code == 401

    await browser.call("fill", selector="input[name=newUsername]", value="carol")
    await browser.call("fill", selector="input[name=newPassword]", value=USER_PASSWORD)
    await browser.call("click", selector="button", text="Create user")
    await browser.see('table[aria-label="users"] tr[data-user="carol"]', "active")
    assert await server.login("carol", USER_PASSWORD)
    await browser.call("click", selector='tr[data-user="carol"] button', text="Disable")
    await browser.see('table[aria-label="users"] tr[data-user="carol"]', "disabled")
    async with server.api() as client:
        refused = await client.post(
            "/api/v1/auth/login", json={"username": "carol", "password": USER_PASSWORD}
        )
    assert refused.status_code == 401

    await assert_fits_phone(
        browser,
        "input[name=tokenName]",
        'table[aria-label="users"] tr[data-user="carol"] button',
        ".menu-toggle",
    )


async def test_a_broken_forge_link_says_so_and_is_mended_from_the_settings_page(
    server_with: Any, browser: Browser, tmp_path: Path
) -> None:
    settings = {"notify_interval_seconds": 3600.0, "allowed_repo_hosts": ["127.0.0.1"]}
    repo = make_repo(tmp_path / "repo", {"README": "x\n"})
    async with server_with(**settings) as server, forge_stand_in("the-right-token") as github:
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()  # the cursor starts at the log's head
        api = PipelineApi(server, await server.admin_token())
        project = await api.project("forge-linked", repo)
        link = {"kind": "github", "apiUrl": github.url, "repository": "acme/app"}
        await api.request(
            "PUT", f"/projects/{project}/secrets/CONVEYOR_FORGE_TOKEN", 204, json={"value": "expired-token"}
        )
        await api.request("PUT", f"/projects/{project}/forge", 200, json=link)
        pipeline = await api.pipeline(project, "jobs:\n  a:\n    steps: [{run: 'true'}]\n", name="build")
        listener = await server.authenticated_socket(api.token)
        await completed(listener, await api.start(pipeline["id"]))
        await dispatcher.tick()
        assert (await github.next_call()).answered == 401

        await sign_in(browser, server, f"/projects/{project}/settings")
        await browser.see('[data-testid="forge-status"][role="alert"]', "401 Unauthorized")
        await browser.see('table[aria-label="commit statuses"] tr[data-delivery="failed"]', "conveyor/build")
        secrets = await browser.call("count", selector='ul[aria-label="secrets"] code')
        assert secrets == 0  # the token is shown as the forge's, not among the jobs' secrets
        await browser.call("fill", selector="input[name=forgeToken]", value="the-right-token")
        await browser.call("click", selector='form[aria-label="forge link"] button[type=submit]')
        await browser.see('[data-testid="forge-status"]', "Linked to acme/app on GitHub")

        await completed(listener, await api.start(pipeline["id"]))
        await dispatcher.tick()
        sent = await github.next_call()
        assert sent.answered == 201 and sent.headers["Authorization"] == "Bearer the-right-token"
        await browser.call("click", selector="input[name=publicBadges]")
        await browser.see("input[name=publicBadges]:checked")
        assert (await api.request("GET", f"/projects/{project}", 200))["publicBadges"] is True
        assert await browser.call("consoleErrors") == []
        await server.close_listeners()
