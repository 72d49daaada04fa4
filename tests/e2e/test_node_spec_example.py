"""The spec's JavaScript client example, run with Node and socket.io-client against a real server."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.support.backends import unavailable
from tests.support.server import RunningServer

pytestmark = pytest.mark.node

NODE_DIR = Path(__file__).parents[1] / "node"
EXAMPLE = NODE_DIR / "spec_example.mjs"
SPEC = Path(__file__).parents[2] / "docs" / "spec" / "websocket-api.md"  # a verbatim copy of the contract
TIMEOUT = 20


@pytest.fixture
def node() -> str:
    """The node binary, with tests/node's dependencies installed (``npm ci`` in scripts/test)."""
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        unavailable("Node.js and npm", FileNotFoundError("node or npm not on PATH"))
    if not (NODE_DIR / "node_modules" / "socket.io-client").is_dir():
        unavailable("tests/node/node_modules", FileNotFoundError("run `npm ci` in tests/node"))
    assert node is not None
    return node


@pytest.fixture
async def example(node: str, server: RunningServer) -> AsyncIterator[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "CONVEYOR_WS_URL": f"{server.base_url}/ws",
        "CONVEYOR_TOKEN": await server.admin_token(),
    }
    process = await asyncio.create_subprocess_exec(
        node,
        str(EXAMPLE),
        cwd=NODE_DIR,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    yield process
    process.kill()
    await process.wait()


async def lines_until(process: asyncio.subprocess.Process, done: Callable[[list[str]], bool]) -> list[str]:
    """Read the script's stdout, line by line, until ``done`` holds for what was read."""
    assert process.stdout is not None
    lines: list[str] = []
    async with asyncio.timeout(TIMEOUT):
        while not done(lines):
            line = await process.stdout.readline()
            if not line:
                stderr = await process.stderr.read() if process.stderr else b""
                pytest.fail(f"the example exited; stdout {lines}, stderr {stderr.decode()}")
            lines.append(line.decode().rstrip("\n"))
    return lines


async def test_spec_example_receives_a_system_alert(
    server: RunningServer, example: asyncio.subprocess.Process
) -> None:
    greeting = await lines_until(example, lambda lines: any("Authenticated successfully" in x for x in lines))
    alert = await server.raise_alert("node says hello", "critical")

    def alert_printed(lines: list[str]) -> bool:
        after = "\n".join(lines[next((i for i, x in enumerate(lines) if "System alert" in x), len(lines)) :])
        return alert["alertId"] in after and "node says hello" in after

    printed = await lines_until(example, alert_printed)
    assert greeting[0] == "Connected to WebSocket server"
    assert any(line.startswith("System alert") for line in printed)


def test_example_is_the_spec_example_as_written() -> None:
    """Only the URL and the token differ from the spec's "Client Implementation Example"."""
    section = SPEC.read_text().split("## Client Implementation Example", 1)[1]
    written = section.split("```javascript\n", 1)[1].split("```\n", 1)[0]
    expected = written.replace("'wss://api.example.com/ws'", "process.env.CONVEYOR_WS_URL").replace(
        "'your-jwt-token'", "process.env.CONVEYOR_TOKEN"
    )
    script = EXAMPLE.read_text()
    assert script.endswith(expected)
    assert all(line.startswith("//") for line in script[: -len(expected)].splitlines())
