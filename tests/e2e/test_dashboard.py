"""The dashboard in a real browser (Debian's Chromium, driven by playwright-core from web/)
against a real server: sign in through the UI, then watch REST-made changes arrive live."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from conveyor.web.static import STATIC_DIR
from tests.support.backends import unavailable
from tests.support.pipelines import PipelineApi
from tests.support.server import ADMIN_PASSWORD, RunningServer

pytestmark = pytest.mark.browser

WEB_DIR = Path(__file__).parents[2] / "web"
DRIVER = WEB_DIR / "e2e" / "driver.mjs"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 15_000


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: what the browser sees does not depend on the database."""
    return f"sqlite+aiosqlite:///{tmp_path}/conveyor.db"


class Browser:
    """One page of a headless Chromium, one JSON command per line (web/e2e/driver.mjs)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def call(self, cmd: str, **args: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await self.process.stdin.drain()
        reply = await self.read(TIMEOUT_MS / 1000 + 10)
        if not reply["ok"]:
            raise AssertionError(f"{cmd} {args}: {reply['error']}")
        return reply["value"]

    async def read(self, timeout: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            stderr = await self.process.stderr.read() if self.process.stderr else b""
            raise AssertionError(f"the browser driver exited: {stderr.decode()[-2000:]}")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def see(self, selector: str, text: str | None = None, timeout: int = TIMEOUT_MS) -> None:
        """Wait until an element matching ``selector`` (and containing ``text``) is on the page."""
        try:
            await self.call("waitFor", selector=selector, text=text, timeout=timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{await self.describe(selector)}") from None

    async def gone(self, selector: str, timeout: int = TIMEOUT_MS) -> None:
        """Wait until no element matching ``selector`` is visible (hidden or removed)."""
        await self.call("waitFor", selector=selector, state="hidden", timeout=timeout)

    async def describe(self, selector: str) -> str:
        """What the page shows instead, so that a failed wait says why."""
        shown = await self.call(
            "evaluate",
            expression=f"Array.from(document.querySelectorAll({json.dumps(selector)})).map(e => e.innerText)",
        )
        return f"on {await self.call('url')}, {selector!r} shows {shown!r}"


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        unavailable("Chromium", FileNotFoundError(f"{CHROMIUM} (apt-get install chromium)"))
    node = shutil.which("node")
    if node is None or not (WEB_DIR / "node_modules" / "playwright-core").is_dir():
        unavailable("web/node_modules", FileNotFoundError("node and `npm ci` in web/ (scripts/test does it)"))
    if not (STATIC_DIR / "index.html").is_file():
        unavailable("the built dashboard", FileNotFoundError("`npm run build` in web/ (scripts/bootstrap)"))
    assert node is not None
    process = await asyncio.create_subprocess_exec(
        node,
        str(DRIVER),
        cwd=WEB_DIR,
        env={**os.environ, "CHROMIUM": CHROMIUM},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    driver = Browser(process)
    try:
        assert (await driver.read(60))["value"] == "ready"
        yield driver
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()


PHONE_WIDTH = 390
# What sticks out past the window's right edge without a scrolling box around it to hold it.
_STICKING_OUT = """(() => {
  const held = e => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !held(e))
    .slice(0, 5)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`);
})()"""


async def assert_fits_phone(browser: Browser, *usable: str) -> None:
    """At phone width (390 px) the page scrolls only up and down (wide things scroll inside their
    own box), and each ``usable`` element lies within the window, where a thumb can reach it."""
    await browser.call("viewport", width=PHONE_WIDTH, height=844)
    overflow = await browser.call(
        "evaluate", expression="document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 0, await browser.call("evaluate", expression=_STICKING_OUT)
    for selector in usable:
        await browser.see(selector)
        element = f"document.querySelector({json.dumps(selector)})"
        box = await browser.call(
            "evaluate", expression=f"(r => [r.left, r.right, r.width])({element}.getBoundingClientRect())"
        )
        assert box[0] >= 0 and box[1] <= PHONE_WIDTH and box[2] > 0, (selector, box)


async def sign_in(browser: Browser, server: RunningServer, path: str = "/") -> None:
    await browser.call("goto", url=server.base_url + path)
    await browser.call("fill", selector="input[name=username]", value="admin")
    await browser.call("fill", selector="input[name=password]", value=ADMIN_PASSWORD)
    await browser.call("click", selector="button[type=submit]")
    await browser.see("[data-testid=connection-status]", "Live")


async def test_a_raised_alert_appears_live_and_can_be_acknowledged(
    server: RunningServer, browser: Browser
) -> None:
    await sign_in(browser, server)
    assert await browser.call("url") == server.base_url + "/"

    alert = await server.raise_alert("e2e: disk almost full", "critical")
    await browser.see('ul[aria-label="open alerts"] li', "e2e: disk almost full")
    await browser.see('ul[aria-label="events"] li', "system_alert")

    await browser.call("click", selector="nav a", text="System")
    row = f'tr[data-alert-id="{alert["alertId"]}"]'
    await browser.see(row, "open")
    await browser.call("click", selector="button[role=tab]", text="all")
    await browser.call("click", selector=f"{row} button", text="Acknowledge")
    await browser.see(row, "acknowledged")

    await server.raise_alert("e2e: second alert", "warning")
    await browser.call("click", selector="nav a", text="Overview")
    await browser.see('ul[aria-label="open alerts"] li', "e2e: second alert")
    assert await browser.call("consoleErrors") == []


GATED = """
jobs:
  hello:
    steps:
      - run: echo hello from the browser test
      - run: while [ ! -f {gate} ]; do sleep 0.05; done; echo through the gate
"""


@pytest.mark.unconfined  # the step shares a file (or a pid) with the test
async def test_an_execution_updates_live_status_and_log(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    api = PipelineApi(server, await server.admin_token())
    project_id = await api.project("e2e")
    pipeline = await api.pipeline(project_id, GATED.format(gate=gate), name="gated")

    # A client route loaded directly: the server answers it with the dashboard (SPA fallback).
    await sign_in(browser, server, f"/projects/{project_id}")
    await browser.see(".card h2", "gated")
    execution_id = await api.start(pipeline["id"])
    row = f'tr[data-execution-id="{execution_id}"]'
    await browser.see(row, "running")

    await browser.call("click", selector=f"{row} a")
    await browser.see('[data-testid="execution-status"]', "running")
    await browser.see('[data-step="1"] .step-header[aria-expanded="true"]')  # the running step is open
    step0 = "document.querySelector('[data-step=\"0\"] .step-header')"
    opened = "(b => b.getAttribute('aria-expanded') === 'true' || b.click())"  # open if it is not
    await browser.call("evaluate", expression=f"{opened}({step0})")
    await browser.see('[role="log"] .log-line', "hello from the browser test")

    gate.touch()
    await browser.see('[role="log"] .log-line', "through the gate")
    await browser.see('[data-testid="execution-status"]', "success")
    assert (await api.execution(execution_id))["status"] == "success"
    assert await browser.call("consoleErrors") == []


async def test_debug_classifies_a_pasted_log_and_security_asks_for_a_project(
    server: RunningServer, browser: Browser
) -> None:
    await sign_in(browser, server, "/debug")
    log = 'Traceback (most recent call last):\n  File "app.py", line 1\n'
    log += "ModuleNotFoundError: No module named 'yaml'\n"
    await browser.call("fill", selector='textarea[aria-label="log"]', value=log)
    await browser.call("click", selector="button[type=submit]", text="Classify")
    await browser.see('[data-testid="classification"]', "dependency_missing")

    await browser.call("click", selector="nav a", text="Security")
    await browser.see(".empty", "No projects yet")
