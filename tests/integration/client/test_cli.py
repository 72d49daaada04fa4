"""``conveyor events`` as a user runs it: a real process against the real test server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.support.server import ADMIN_PASSWORD, RunningServer

TIMEOUT = 20
CONVEYOR = str(Path(sys.executable).with_name("conveyor"))


@asynccontextmanager
async def conveyor_events(server: RunningServer, *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {**os.environ, "CONVEYOR_URL": server.base_url, "CONVEYOR_PASSWORD": ADMIN_PASSWORD}
    process = await asyncio.create_subprocess_exec(
        CONVEYOR, "events", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def finished(process: asyncio.subprocess.Process) -> tuple[list[str], str]:
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    return out.decode().splitlines(), err.decode()


async def line_of(stream: asyncio.StreamReader | None) -> str:
    assert stream is not None
    return (await asyncio.wait_for(stream.readline(), TIMEOUT)).decode()


async def test_prints_the_log_as_json_lines(server: RunningServer) -> None:
    raised = [await server.raise_alert(f"logged {n}") for n in range(3)]
    token = await server.admin_token()
    args = ("--json", "--token", token, "--event-type", "system_alert")
    async with conveyor_events(server, *args) as process:
        lines, _ = await finished(process)
    printed = [json.loads(line) for line in lines]
    assert process.returncode == 0
    assert [e["data"]["alertId"] for e in printed] == [a["alertId"] for a in raised]
    assert all(e["event_type"] == "system_alert" for e in printed)


async def test_limit_says_where_the_next_page_starts(server: RunningServer) -> None:
    raised = [await server.raise_alert(f"paged {n}") for n in range(3)]
    args = ("--json", "--username", "admin", "--event-type", "system_alert", "--limit", "2")
    async with conveyor_events(server, *args) as process:
        lines, err = await finished(process)
    assert [json.loads(line)["data"]["alertId"] for line in lines] == [a["alertId"] for a in raised[1:]]
    async with conveyor_events(server, *args, "--after-seq", "0") as process:
        lines, err = await finished(process)
    assert [json.loads(line)["data"]["alertId"] for line in lines] == [a["alertId"] for a in raised[:2]]
    assert f"--after-seq {json.loads(lines[-1])['seq']}" in err


async def test_follow_prints_live_json_until_ctrl_c(server: RunningServer) -> None:
    async with conveyor_events(
        server, "--follow", "--json", "--username", "admin", "--event-type", "system_alert"
    ) as process:
        assert "Following" in await line_of(process.stderr)
        alert = await server.raise_alert("followed")
        printed = json.loads(await line_of(process.stdout))
        process.send_signal(signal.SIGINT)
        _, err = await finished(process)
    assert printed["data"]["alertId"] == alert["alertId"]
    assert process.returncode == 130
    assert "Traceback" not in err


async def test_follow_prints_one_summary_line_per_event(server: RunningServer) -> None:
    token = await server.admin_token()
    args = ("--follow", "--token", token, "--event-type", "system_alert", "--min-priority", "HIGH")
    async with conveyor_events(server, *args) as process:
        await line_of(process.stderr)
        await server.raise_alert("not urgent", "info")
        alert = await server.raise_alert("disk full", "critical")
        line = await line_of(process.stdout)
    time, seq, priority, event_type = line.split()[:4]
    assert (priority, event_type) == ("HIGH", "system_alert")
    assert len(time) == len("12:34:56") and seq.startswith("#")
    assert f"alertId={alert['alertId']}" in line
    assert "title='disk full'" in line


async def test_a_refused_token_is_a_clear_error(server: RunningServer) -> None:
    async with conveyor_events(server, "--follow", "--token", "bogus") as process:
        lines, err = await finished(process)
    assert process.returncode == 2
    assert (
        err.strip()
        == f"The server at {server.base_url} refused the credentials: Invalid token: malformed token."
    )
    assert lines == []
