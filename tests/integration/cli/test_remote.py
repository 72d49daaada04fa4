"""The CLI against a real server, as a user runs it: sign in, names instead of ids, lists, runs."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.pipelines import PipelineApi
from tests.support.server import ADMIN_PASSWORD, RunningServer

# The CLI's logic does not depend on the database: one backend is enough here.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
CONVEYOR = str(Path(sys.executable).with_name("conveyor"))


class Cli:
    """``conveyor`` as a process, with its own config directory and only the CONVEYOR_* given."""

    def __init__(self, home: Path) -> None:
        self.config_dir = home / "config"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEYOR_")}
        self.env.update(CONVEYOR_CONFIG_DIR=str(self.config_dir), COLUMNS="200")

    async def __call__(self, *args: str, **env: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            CONVEYOR,
            *args,
            env={**self.env, **env},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 90)
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()

    async def json(self, *args: str, **env: str) -> Any:
        code, out, err = await self(*args, "--json", **env)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


async def test_login_keeps_a_private_token_that_every_command_uses_and_logout_revokes(
    cli: Cli, server: RunningServer, api: PipelineApi
) -> None:
    await api.pipeline(await api.project("web"), "jobs:\n  a:\n    steps: [{run: 'true'}]\n", name="build")
    code, out, err = await cli(
        "login", "--url", server.base_url, CONVEYOR_USERNAME="admin", CONVEYOR_PASSWORD=ADMIN_PASSWORD
    )
    assert code == 0, err
    stored = cli.config_dir / "config.json"
    assert f"Signed in to {server.base_url} as admin" in out and str(stored) in out
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    token = json.loads(stored.read_text())["token"]
    assert token.startswith("cvy_")

    assert [p["name"] for p in await cli.json("projects", "list")] == ["web"]
    assert [p["name"] for p in await cli.json("pipelines", "list", "web")] == ["build"]
    code, out, _ = await cli("pipelines", "list")
    assert code == 0 and "web/build" in out
    assert any(t["name"].startswith("conveyor CLI on ") for t in await cli.json("tokens", "list"))

    code, out, _ = await cli("logout")
    assert code == 0 and "revoked its API token" in out and not stored.exists()
    async with server.api(token) as client:
        assert (await client.get("/api/v1/auth/me")).status_code == 401
    code, _, err = await cli("projects", "list")
    assert code == 2
    assert (
        err.strip()
        == (
            "You are not signed in to http://127.0.0.1:8000: run `conveyor login`, or set CONVEYOR_TOKEN "
            "(or CONVEYOR_USERNAME and CONVEYOR_PASSWORD)."
        )
        or "Cannot reach a Conveyor server at http://127.0.0.1:8000" in err
    )


async def test_run_remote_by_name_follows_to_a_closing_line_and_lists_newest_first(
    cli: Cli, server: RunningServer, api: PipelineApi
) -> None:
    project = await api.project("attrs")
    await api.pipeline(project, "jobs:\n  test:\n    steps: [{run: 'echo testing; exit 3'}]\n", name="ci")
    await api.pipeline(project, "jobs:\n  hello:\n    steps: [{run: 'echo hi there'}]\n", name="hello")
    auth = {
        "CONVEYOR_URL": server.base_url,
        "CONVEYOR_USERNAME": "admin",
        "CONVEYOR_PASSWORD": ADMIN_PASSWORD,
    }

    code, out, err = await cli("run-remote", "attrs/hello", "--follow", **auth)
    assert code == 0, err
    lines = out.splitlines()
    assert "hello | hi there" in lines
    assert lines[-1].startswith("attrs/hello/1 success in ")
    code, out, _ = await cli("executions", "start", "attrs/ci", "-f", **auth)
    assert code == 1
    assert out.splitlines()[-1].startswith("attrs/ci/1 failed in ") and "test: " in out.splitlines()[-1]

    runs = await cli.json("executions", "list", "attrs", **auth)
    assert [(r["number"], r["status"]) for r in runs] == [(1, "failed"), (1, "success")]
    code, out, _ = await cli("executions", "list", **auth)
    assert out.index("attrs/ci/1") < out.index("attrs/hello/1") and "failed" in out
    shown = await cli.json("executions", "show", "attrs/ci/1", **auth)
    assert shown["jobs"][0]["key"] == "test" and shown["status"] == "failed"
    code, out, _ = await cli("executions", "logs", "attrs/ci/1", **auth)
    assert code == 0 and "test | testing" in out
    code, out, _ = await cli("executions", "retry", "attrs/ci/1", **auth)
    assert code == 0 and out.startswith("Re-running the failed jobs of attrs/ci/1")


async def test_errors_are_sentences(cli: Cli, server: RunningServer, api: PipelineApi) -> None:
    await api.project("known")
    auth = {"CONVEYOR_URL": server.base_url, "CONVEYOR_TOKEN": api.token}
    cases = {
        (
            "pipelines",
            "list",
            "nope",
        ): "There is no project 'nope' that you can see (`conveyor projects list` shows them).",
        (
            "run-remote",
            "known/none",
        ): "Project 'known' has no pipeline 'none' (`conveyor pipelines list known` shows them).",
        (
            "executions",
            "show",
            "known/x/y",
        ): "'y' is not a run number; name an execution PROJECT/PIPELINE/NUMBER.",
        (
            "executions",
            "logs",
            "no-such-id",
        ): "There is no execution 'no-such-id'; name it PROJECT/PIPELINE/NUMBER.",
    }
    for args, message in cases.items():
        code, _, err = await cli(*args, **auth)
        assert (code, err.strip()) == (2, message), args
    code, _, err = await cli(
        "projects",
        "list",
        CONVEYOR_URL=server.base_url,
        CONVEYOR_USERNAME="admin",
        CONVEYOR_PASSWORD="wrong-one",
    )
    assert code == 2
    assert (
        err.strip()
        == f"The server at {server.base_url} refused the credentials: The username or password is wrong."
    )
    code, _, err = await cli("projects", "list", "--url", "http://127.0.0.1:9", "--token", "x")
    assert code == 2 and err.strip() == (
        "Cannot reach a Conveyor server at http://127.0.0.1:9 (All connection attempts failed); "
        "is it running? (set --url or CONVEYOR_URL)."
    )


async def test_tokens_create_list_revoke_by_name(cli: Cli, server: RunningServer) -> None:
    auth = {
        "CONVEYOR_URL": server.base_url,
        "CONVEYOR_USERNAME": "admin",
        "CONVEYOR_PASSWORD": ADMIN_PASSWORD,
    }
    code, out, err = await cli("tokens", "create", "nightly", "--expires-in-days", "7", **auth)
    assert code == 0 and "it is not shown again" in err
    plaintext = out.strip()
    async with httpx.AsyncClient(base_url=server.base_url) as client:
        me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {plaintext}"})
    assert me.json()["username"] == "admin"
    listed = await cli.json("tokens", "list", **auth)
    assert [t["name"] for t in listed if t["name"] == "nightly"] == ["nightly"] and "token" not in listed[0]
    code, out, err = await cli("tokens", "revoke", "nightly", **auth)
    assert code == 0 and out.startswith("Revoked API token 'nightly'"), err
    code, _, err = await cli("tokens", "revoke", "nightly", **auth)
    assert code == 2 and err.strip() == "You have no live API token 'nightly' (`conveyor tokens list`)."


async def test_worker_tokens_create_list_revoke(cli: Cli, server: RunningServer) -> None:
    auth = {
        "CONVEYOR_URL": server.base_url,
        "CONVEYOR_USERNAME": "admin",
        "CONVEYOR_PASSWORD": ADMIN_PASSWORD,
    }
    code, out, err = await cli("worker-tokens", "create", "build farm", **auth)
    assert code == 0 and "CONVEYOR_WORKER_TOKEN" in err, err
    assert out.strip().startswith("cvw_")
    code, out, _ = await cli("worker-tokens", "list", **auth)
    assert code == 0 and "build farm" in out and "never" in out and "live" in out
    assert out.strip().splitlines()[0].split() == ["NAME", "ID", "STARTS", "LAST", "CLAIM", "STATE"]
    code, out, err = await cli("worker-tokens", "revoke", "build farm", **auth)
    assert code == 0 and out.startswith("Revoked worker token 'build farm'"), err
    [revoked] = await cli.json("worker-tokens", "list", **auth)
    assert revoked["revokedAt"] is not None and "token" not in revoked
    code, _, err = await cli("worker-tokens", "revoke", "build farm", **auth)
    assert code == 2 and err.strip() == (
        "There is no live worker token 'build farm' (`conveyor worker-tokens list`)."
    )


async def test_events_limit_prints_the_newest(cli: Cli, server: RunningServer) -> None:
    raised = [await server.raise_alert(f"alert {n}") for n in range(7)]
    auth = {
        "CONVEYOR_URL": server.base_url,
        "CONVEYOR_USERNAME": "admin",
        "CONVEYOR_PASSWORD": ADMIN_PASSWORD,
    }
    code, out, err = await cli("events", "--limit", "5", "--json", "--event-type", "system_alert", **auth)
    assert code == 0, err
    printed = [json.loads(line)["data"]["alertId"] for line in out.splitlines()]
    assert printed == [alert["alertId"] for alert in raised[-5:]]
    assert "The newest 5 events" in err
