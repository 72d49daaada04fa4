from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from conveyor import egress
from conveyor.channels.models import ProjectWebhook
from conveyor.db import utcnow
from tests.support.pipelines import PipelineApi, completed
from tests.support.receivers import smtp_server, webhook_receiver
from tests.support.server import RunningServer

QUIET = {"notify_interval_seconds": 3600.0, "metrics_interval_seconds": 3600.0}


async def _call(server: RunningServer, token: str, method: str, path: str, **kwargs: Any) -> Any:
    async with server.api(token) as client:
        response = await client.request(method, f"/api/v1{path}", **kwargs)
    return response


async def test_preferences_default_to_everything_and_can_be_changed(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    initial = (await _call(server, alice, "GET", "/notifications/preferences")).json()
    assert initial["email"] is False and all(initial["kinds"].values()) and "run_fixed" in initial["kinds"]
    body = {"kinds": {"run_fixed": False}, "email": True}
    changed = (await _call(server, alice, "PUT", "/notifications/preferences", json=body)).json()
    assert changed["kinds"]["run_fixed"] is False and changed["kinds"]["system_alert"] is True
    assert changed["email"] is True
    again = await _call(
        server, alice, "PUT", "/notifications/preferences", json={"kinds": {"run_fixed": True}}
    )
    assert again.json()["kinds"]["run_fixed"] is True and again.json()["email"] is True
    bad = await _call(server, alice, "PUT", "/notifications/preferences", json={"kinds": {"nonsense": True}})
    assert bad.status_code == 422
    assert (await _call(server, alice, "GET", "/notifications/preferences")).json() == again.json()


async def test_alerts_reach_admins_who_mark_them_read(server_with: Any) -> None:
    async with server_with(**QUIET) as server:
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()  # the cursor starts at the log's head
        admin = await server.admin_token()
        _, bob = await server.create_user("bob")
        listener = await server.authenticated_socket(admin)
        await server.raise_alert("disk on fire", "critical")
        await dispatcher.tick()
        _, envelope = await listener.next_of("user_notification")
        note = envelope["data"]["notification"]
        assert note["kind"] == "system_alert" and note["title"] == "Alert: disk on fire"
        assert envelope["priority"] == "HIGH"
        assert (await _call(server, admin, "GET", "/notifications/unread-count")).json() == {"unread": 1}
        assert (await _call(server, bob, "GET", "/notifications/unread-count")).json() == {"unread": 0}
        await _call(server, admin, "POST", "/notifications/read-all")
        assert (await _call(server, admin, "GET", "/notifications/unread-count")).json() == {"unread": 0}
        await server.close_listeners()


async def test_who_did_what_to_a_run_is_recorded_with_the_change(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    bob_id, _ = await server.create_user("bob")
    api = PipelineApi(server, alice)
    project = await api.project("acts")
    listener = await server.authenticated_socket(alice)
    activity = await server.authenticated_socket(alice)
    pipeline = await api.pipeline(project, "jobs:\n  a:\n    steps: [{run: 'echo started; sleep 60'}]\n")
    execution = await api.start(pipeline["id"])

    async def cancel_once_running() -> int:
        await listener.next(
            lambda item: (
                item[0] == "pipeline_log"
                and item[1]["data"]["executionId"] == execution
                and any("started" in str(line) for line in item[1]["data"]["lines"])
            ),
            30,
        )
        response = await _call(server, alice, "POST", f"/executions/{execution}/cancel")
        await completed(listener, execution)
        return int(response.status_code)

    cancelled = await cancel_once_running()
    retry = await _call(server, alice, "POST", f"/executions/{execution}/retry")
    cancelled_again = await cancel_once_running()
    await _call(server, alice, "PUT", f"/projects/{project}/members/{bob_id}", json={"role": "viewer"})
    await _call(server, alice, "DELETE", f"/projects/{project}/members/{bob_id}")
    seen = []
    for _ in range(6):
        _, envelope = await activity.next_of("user_activity")
        seen.append(envelope["data"]["activity"])
    assert cancelled == retry.status_code == cancelled_again == 202
    assert [a["kind"] for a in seen] == [
        "triggered",
        "cancelled",
        "retried",
        "cancelled",
        "member_changed",
        "member_removed",
    ]
    assert all(a["projectId"] == project for a in seen)
    assert [a["executionId"] for a in seen[:4]] == [execution] * 4
    assert seen[1]["summary"] == "Cancelled run #1" and seen[2]["summary"] == "Retried run #1"
    assert seen[4]["memberId"] == bob_id and "viewer" in seen[4]["summary"]


@pytest.mark.unconfined  # the step reads a file the test writes
async def test_a_fixed_run_tells_its_people_and_the_signed_webhook(server_with: Any, tmp_path: Path) -> None:
    marker = tmp_path / "fixed"
    async with server_with(**QUIET) as server, webhook_receiver() as receiver:
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()
        _, alice = await server.create_user("alice")
        api = PipelineApi(server, alice)
        project = await api.project("fixme")
        hook = await _call(server, alice, "POST", f"/projects/{project}/webhooks", json={"url": receiver.url})
        assert hook.status_code == 201
        secret = hook.json()["secret"]
        async with server.container.db.session() as session:
            stored = await session.get(ProjectWebhook, hook.json()["id"])
        assert stored is not None and secret.encode() not in stored.secret_ciphertext
        assert server.container.cipher.decrypt(stored.secret_ciphertext) == secret  # encrypted at rest
        listener = await server.authenticated_socket(alice)
        pipeline = await api.pipeline(project, f"jobs:\n  a:\n    steps: [{{run: 'test -f {marker}'}}]\n")
        await completed(listener, await api.start(pipeline["id"]))
        marker.write_text("")
        await completed(listener, await api.start(pipeline["id"]))
        await dispatcher.tick()
        activity = [e["data"]["activity"] for name, e in listener.received if name == "user_activity"]
        assert [(a["kind"], a["projectId"]) for a in activity] == [("triggered", project)] * 2
        _, envelope = await listener.next(
            lambda item: (
                item[0] == "user_notification" and item[1]["data"]["notification"]["kind"] == "run_fixed"
            )
        )
        assert "succeeded after #1 failed" in envelope["data"]["notification"]["title"]
        kinds = []
        for _ in range(2):
            request = await asyncio.wait_for(receiver.requests.get(), 10)
            expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
            assert request.headers["X-Conveyor-Signature"] == expected
            payload = json.loads(request.body)
            assert payload["text"] and payload["conveyor"]["projectId"] == project
            kinds.append(request.headers["X-Conveyor-Event"])
        assert kinds == ["run_failed", "run_fixed"]
        listed = (await _call(server, alice, "GET", f"/projects/{project}/webhooks")).json()
        assert "secret" not in listed[0]
        deliveries = await _call(
            server, alice, "GET", f"/projects/{project}/webhooks/{listed[0]['id']}/deliveries"
        )
        assert [d["status"] for d in deliveries.json()] == ["delivered", "delivered"]
        await server.close_listeners()


@pytest.mark.unconfined  # the step reads a file the test writes
async def test_a_muted_kind_is_not_sent(server_with: Any, tmp_path: Path) -> None:
    marker = tmp_path / "fixed"
    async with server_with(**QUIET) as server:
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()
        _, alice = await server.create_user("alice")
        await _call(server, alice, "PUT", "/notifications/preferences", json={"kinds": {"run_fixed": False}})
        api = PipelineApi(server, alice)
        listener = await server.authenticated_socket(alice)
        pipeline = await api.pipeline(
            await api.project("muted"), f"jobs:\n  a:\n    steps: [{{run: 'test -f {marker}'}}]\n"
        )
        await completed(listener, await api.start(pipeline["id"]))
        marker.write_text("")
        await completed(listener, await api.start(pipeline["id"]))
        await dispatcher.tick()
        notes = (await _call(server, alice, "GET", "/notifications")).json()
        assert [n for n in notes if n["kind"] == "run_fixed"] == []
        await server.close_listeners()


async def test_a_webhook_that_is_down_is_retried_with_backoff_then_given_up(server_with: Any) -> None:
    settings = {**QUIET, "webhook_max_attempts": 2, "webhook_retry_seconds": 60.0}
    async with server_with(**settings) as server:
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()
        _, alice = await server.create_user("alice")
        api = PipelineApi(server, alice)
        project = await api.project("down")
        body = {"url": "http://127.0.0.1:9/hook", "kinds": ["run_failed"]}  # discard port: refused
        hook = (await _call(server, alice, "POST", f"/projects/{project}/webhooks", json=body)).json()
        listener = await server.authenticated_socket(alice)
        pipeline = await api.pipeline(project, "jobs:\n  a:\n    steps: [{run: 'false'}]\n")
        await completed(listener, await api.start(pipeline["id"]))
        await dispatcher.tick()
        path = f"/projects/{project}/webhooks/{hook['id']}/deliveries"
        [first] = (await _call(server, alice, "GET", path)).json()
        assert first["status"] == "pending" and first["attempts"] == 1 and "Connect" in first["error"]
        from conveyor.channels.webhooks import deliver_due

        assert (
            await deliver_due(server.container.db, server.settings, server.container.cipher) == 0
        )  # not due for a minute
        later = utcnow() + timedelta(minutes=2)
        assert (
            await deliver_due(server.container.db, server.settings, server.container.cipher, now=later) == 1
        )
        [given_up] = (await _call(server, alice, "GET", path)).json()
        assert given_up["status"] == "failed" and given_up["attempts"] == 2
        await server.close_listeners()


async def test_webhooks_refuse_bad_input_and_strangers(server: RunningServer) -> None:
    _, alice = await server.create_user("alice")
    _, mallory = await server.create_user("mallory")
    project = await server.create_project(alice, "guarded")
    path = f"/projects/{project}/webhooks"
    assert (await _call(server, alice, "POST", path, json={"url": "ftp://example.org/x"})).status_code == 422
    bad_kind = {"url": "http://example.org/x", "kinds": ["everything"]}
    assert (await _call(server, alice, "POST", path, json=bad_kind)).status_code == 422
    assert (
        await _call(server, mallory, "POST", path, json={"url": "http://example.org/x"})
    ).status_code == 404
    created = (await _call(server, alice, "POST", path, json={"url": "http://example.org/x"})).json()
    assert (await _call(server, mallory, "GET", f"{path}/{created['id']}/deliveries")).status_code == 404
    assert (await _call(server, alice, "DELETE", f"{path}/{created['id']}")).status_code == 204
    assert (await _call(server, alice, "GET", path)).json() == []


async def test_email_goes_to_people_who_asked_for_it(server_with: Any) -> None:
    async with (
        smtp_server() as smtp,
        server_with(**QUIET, smtp_host="127.0.0.1", smtp_port=smtp.port) as server,
    ):
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()
        body: dict[str, object] = {"username": "carol", "password": "user-password-for-tests"}
        body |= {"email": "carol@example.org", "isAdmin": True}
        await _call(server, await server.admin_token(), "POST", "/users", json=body)
        carol = await server.login("carol", "user-password-for-tests")
        await _call(server, carol, "PUT", "/notifications/preferences", json={"email": True})
        await server.raise_alert("queue stuck", "warning")
        await dispatcher.tick()
        sender, recipients, message = await asyncio.wait_for(smtp.messages.get(), 10)
        assert recipients == ["carol@example.org"] and sender == server.settings.smtp_from
        assert message["Subject"] == "[Conveyor] Alert: queue stuck"
        assert smtp.messages.empty()  # the admin without e-mail preference got none


async def test_webhooks_to_internal_addresses_are_refused_unless_allowed(
    server_with: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with server_with(**QUIET, webhook_allowed_hosts=[]) as server, webhook_receiver() as receiver:
        dispatcher = server.container.dispatcher
        await dispatcher.dispatch()
        _, alice = await server.create_user("alice")
        api = PipelineApi(server, alice)
        project = await api.project("inside")
        path = f"/projects/{project}/webhooks"
        refused = [
            await _call(server, alice, "POST", path, json={"url": url})
            for url in (receiver.url, "http://169.254.169.254/latest/meta-data/", "http://localhost:9/h")
        ]
        # DNS rebinding: the name is outside when saved, inside when the delivery connects.
        answers = {"hooks.example.test": ["93.184.216.34"]}

        async def dns(host: str) -> list[str]:
            return answers.get(host, ["127.0.0.1"])

        monkeypatch.setattr(egress, "resolve", dns)
        url = receiver.url.replace("127.0.0.1", "hooks.example.test")
        saved = await _call(server, alice, "POST", path, json={"url": url, "kinds": ["run_failed"]})
        answers["hooks.example.test"] = ["127.0.0.1"]
        listener = await server.authenticated_socket(alice)
        pipeline = await api.pipeline(project, "jobs:\n  a:\n    steps: [{run: 'false'}]\n")
        await completed(listener, await api.start(pipeline["id"]))
        await dispatcher.tick()
        [delivery] = (await _call(server, alice, "GET", f"{path}/{saved.json()['id']}/deliveries")).json()
        await server.close_listeners()
    assert [r.status_code for r in refused] == [422, 422, 422]
    assert all("internal address" in r.json()["detail"] for r in refused), [r.text for r in refused]
    assert "CONVEYOR_WEBHOOK_ALLOWED_HOSTS" in refused[0].json()["detail"]
    assert saved.status_code == 201
    assert delivery["attempts"] == 1 and "internal address (127.0.0.1)" in delivery["error"]
    assert receiver.requests.empty(), "nothing reached the internal receiver"
