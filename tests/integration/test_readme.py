"""The README's examples run as written, against a real server (its address put in for 127.0.0.1:8000).

The first pipeline runs on ``conveyor serve`` started as ``./scripts/serve`` starts it: its data
in ``./.conveyor`` of the directory it runs in, a relative path.
"""

from __future__ import annotations

import asyncio
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.pipelines import make_repo
from tests.support.processes import free_port, wait_until_ready
from tests.support.server import ADMIN_PASSWORD, RunningServer

README = Path(__file__).parents[2] / "README.md"
DEFAULT_URL = "http://127.0.0.1:8000"


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVEYOR_")}
    path = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    return {**env, "HOME": str(home), "PATH": path, "COLUMNS": "200", **extra}


async def run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """A process, awaited: the test server shares this event loop."""
    process = await asyncio.create_subprocess_exec(
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 240)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def sh(script: str, url: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    return await run(["bash", "-c", "set -euo pipefail\n" + script.replace(DEFAULT_URL, url)], env, cwd)


@contextmanager
def served_here(cwd: Path) -> Iterator[str]:
    """``conveyor serve`` as ./scripts/serve runs it: data in ./.conveyor (a relative path) of ``cwd``."""
    port = free_port()
    env = {
        **environment(cwd),
        "CONVEYOR_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "CONVEYOR_ALLOWED_REPO_ROOTS": str(cwd),
    }
    log_path = cwd / "server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "conveyor", "serve", "--port", str(port)],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=log,
        )
        try:
            wait_until_ready(f"http://127.0.0.1:{port}", process, log_path)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


async def test_first_pipeline_then_the_command_line_section(tmp_path: Path) -> None:
    home = tmp_path / "home"
    make_repo(home / "src" / "myproject", {"app.py": "print('hello')\n"})
    with served_here(tmp_path) as url:
        env = environment(home, CONVEYOR_PASSWORD=ADMIN_PASSWORD)
        [first] = blocks(section("Your first pipeline in five minutes"), "sh")
        code, out, err = await sh(first, url, env, tmp_path)
        assert code == 0, out + err
        assert "pipeline .conveyor.yml: success" in out
        assert re.search(r"^myproject/ci/1 success in \S+\.$", out, flags=re.M), out
        stored = home / ".config" / "conveyor" / "config.json"
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600

        [commands] = blocks(section("The command line"), "sh")
        env = environment(home, CONVEYOR_USERNAME="admin", CONVEYOR_NEW_PASSWORD=ADMIN_PASSWORD)
        code, out, err = await sh(commands, url, {**env, "CONVEYOR_PASSWORD": ADMIN_PASSWORD}, tmp_path)
        assert code == 0, out + err
        assert "myproject/ci/2 success in" in out and "myproject/ci" in out
        assert re.search(r"^cvy_\S+$", out, flags=re.M), "tokens create printed the token"
        assert "The password of admin is set" in out
        assert f"Database: sqlite+aiosqlite:///{tmp_path}/.conveyor/conveyor.db" in err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_python_client_example_prints_the_alert(server: RunningServer, tmp_path: Path) -> None:
    [example] = blocks(section("Scripts: Python client and `conveyor events`"), "python")
    env = environment(tmp_path, CONVEYOR_URL=server.base_url, CONVEYOR_PASSWORD=ADMIN_PASSWORD)
    code, out, err = await run([sys.executable, "-c", example], env, tmp_path)
    assert code == 0, err
    assert re.fullmatch(r"\d+ system_alert disk full\n", out), out
