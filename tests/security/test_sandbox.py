"""A pipeline step is hostile code: what it can reach of the server from inside its sandbox.

Each probe below worked against an unsandboxed runner (issue 9): reading the server's
environment and the data directory's keys, writing there, reaching services on the host's
loopback, and leaving a process behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from structlog.testing import capture_logs

from conveyor.runners import sandbox
from conveyor.runners.sandbox import UNCONFINED_WARNING
from tests.support.pids import none_running
from tests.support.pipelines import PipelineApi, completed, job_of
from tests.support.server import RunningServer

Probe = tuple[str, str]


def probe(name: str, command: str) -> str:
    """One line per probe: ``name: reached`` or ``name: refused``."""
    return f"if ({command}) >/dev/null 2>&1; then echo '{name}: reached'; else echo '{name}: refused'; fi"


async def run_script(
    api: PipelineApi, server: RunningServer, script: str, job: str = ""
) -> tuple[dict[str, Any], list[str]]:
    project = await api.project(f"hostile-{uuid.uuid4().hex[:6]}")
    definition = f"jobs:\n  probe:\n{job}    steps:\n      - run: |\n" + _indent(script)
    pipeline = await api.pipeline(project, definition)
    listener = await server.authenticated_socket(api.token)
    execution = (await completed(listener, await api.start(pipeline["id"])))["data"]["execution"]
    return execution, await api.log_text(execution["id"], "probe")


def _indent(script: str) -> str:
    return "".join(f"          {line}\n" for line in script.splitlines())


def outbound_address() -> str | None:
    """This host's address on its default route (not loopback), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address: str = sock.getsockname()[0]
    return None if address.startswith("127.") else address


@contextlib.asynccontextmanager
async def listening(host: str) -> AsyncIterator[int]:
    server = await asyncio.start_server(lambda _reader, writer: writer.close(), host, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_a_step_sees_nothing_of_the_server(server: RunningServer, api: PipelineApi) -> None:
    settings = server.settings
    data_dir = settings.data_dir.resolve()
    assert settings.resolved_secrets_key and (data_dir / "secrets_key").exists()
    neighbour = settings.resolved_workspaces_dir.resolve() / "another-execution" / "job"
    neighbour.mkdir(parents=True)
    (neighbour / "token.txt").write_text("another job's file")
    port = int(server.base_url.rsplit(":", 1)[1])
    probes = [
        probe("server environ", f"cat /proc/{os.getpid()}/environ"),
        probe("parent environ", "cat /proc/$PPID/environ"),
        probe("secrets key", f"cat {data_dir}/secrets_key"),
        probe("database", f"ls -A {data_dir} | grep -qv '^workspaces$'"),
        probe("data dir write", f"touch {data_dir}/planted"),
        probe("other workspace", f"cat {neighbour}/token.txt"),
        probe("server port", f"exec 3<>/dev/tcp/127.0.0.1/{port}"),
        probe("own workspace", "echo mine > mine.txt && cat mine.txt"),
        probe("tmp", "echo x > /tmp/x && echo y > $HOME/y"),
        "echo uid=$(id -u)",
    ]
    execution, lines = await run_script(api, server, "\n".join(probes))
    assert execution["status"] == "success", lines
    refused = {line.split(": ")[0] for line in lines if line.endswith(": refused")}
    reached = {line.split(": ")[0] for line in lines if line.endswith(": reached")}
    hidden = {"server environ", "parent environ", "secrets key", "database", "data dir write"}
    assert hidden | {"other workspace", "server port"} <= refused, lines
    assert {"own workspace", "tmp"} <= reached, lines
    assert not (data_dir / "planted").exists()
    if os.geteuid() == 0:
        assert f"uid={settings.sandbox_uid}" in lines, "a root server drops the step to an unprivileged uid"


async def test_a_step_reaches_out_but_not_the_hosts_loopback(server: RunningServer, api: PipelineApi) -> None:
    address = outbound_address()
    if address is None:
        pytest.skip("this host has no address besides loopback")
    async with listening("0.0.0.0") as port:
        script = "\n".join(
            [
                probe("outbound", f"exec 3<>/dev/tcp/{address}/{port}"),
                probe("loopback", f"exec 3<>/dev/tcp/127.0.0.1/{port}"),
                probe("gateway", f"exec 3<>/dev/tcp/10.0.2.2/{port}"),
            ]
        )
        execution, lines = await run_script(api, server, script)
    assert execution["status"] == "success"
    assert lines == ["outbound: reached", "loopback: refused", "gateway: refused"]


async def test_a_job_may_go_without_network(server: RunningServer, api: PipelineApi) -> None:
    address = outbound_address() or "192.0.2.1"
    async with listening("0.0.0.0") as port:
        script = "\n".join(
            [
                probe("outbound", f"exec 3<>/dev/tcp/{address}/{port}"),
                "echo devices: $(ls /sys/class/net 2>/dev/null || ip -o link | cut -d: -f2)",
            ]
        )
        execution, lines = await run_script(api, server, script, job="    network: none\n")
    assert execution["status"] == "success"
    assert lines == ["outbound: refused", "devices: lo"]


async def test_no_process_outlives_its_step(server: RunningServer, api: PipelineApi) -> None:
    token = uuid.uuid4().hex
    script = f"setsid bash -c 'sleep 300; : {token}' </dev/null >/dev/null 2>&1 &\necho detached"
    execution, lines = await run_script(api, server, script)
    assert execution["status"] == "success" and lines == ["detached"]
    assert await none_running(token), "a setsid process outlived its job"


async def test_without_bubblewrap_steps_are_refused(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox.shutil, "which", lambda _name: None)
    async with server_with() as server:
        api = PipelineApi(server, await server.admin_token())
        execution, lines = await run_script(api, server, "echo ran")
    error = job_of(execution, "probe")["error"]
    assert execution["status"] == "failed" and "ran" not in lines
    assert error.startswith("sandbox unavailable: bubblewrap (bwrap) is not installed"), error
    assert "CONVEYOR_SANDBOX=none" in error


async def test_running_unconfined_takes_a_setting_and_warns(
    server_with: Callable[..., AbstractAsyncContextManager[RunningServer]],
) -> None:
    with capture_logs() as logs:
        async with server_with(sandbox="none") as server:
            api = PipelineApi(server, await server.admin_token())
            execution, lines = await run_script(api, server, "echo uid=$(id -u)")
    assert execution["status"] == "success" and lines == [f"uid={os.geteuid()}"]
    assert any(entry["event"] == UNCONFINED_WARNING and entry["log_level"] == "warning" for entry in logs)
