"""The System page in Chromium: component health, metric charts drawn by Chart.js, alerts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.test_dashboard import Browser, browser, database_url, sign_in
from tests.support.architecture import TREE
from tests.support.pipelines import PipelineApi, commit, make_repo
from tests.support.server import RunningServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "database_url"]  # the fixtures this module borrows


def screenshot_path(tmp_path: Path, name: str) -> str:
    """Where a page's picture goes: ``E2E_SCREENSHOTS`` when set (kept), else the test's folder."""
    folder = Path(os.environ.get("E2E_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{name}.png")


async def test_the_system_page_shows_health_charts_and_rule_alerts(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    system = server.container.system
    for _ in range(3):
        await system.metrics.tick()
    await sign_in(browser, server)
    await browser.call("click", selector="nav a", text="System")
    await browser.see('table[aria-label=components] tr[data-component="database"]', "ok")
    await browser.see('table[aria-label=components] tr[data-component="runners"]', "slots in use")
    await browser.see("[data-testid=metrics-latest]", "samples")
    summary = await browser.call("text", selector="[data-testid=metrics-latest]")
    assert int(summary.split(" ")[0]) >= 3  # ours, and the one the server took when it started
    canvases = "[...document.querySelectorAll('canvas[aria-label]')]"
    drawn = await browser.call("evaluate", expression=f"{canvases}.map(c => c.width > 0 && c.height > 0)")
    assert drawn == [True, True]
    await browser.call("screenshot", path=screenshot_path(tmp_path, "system"))
    assert await browser.call("consoleErrors") == []


async def test_the_architecture_page_renders_the_mermaid_diagram_with_its_changes(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    api = PipelineApi(server, await server.admin_token())
    repo = make_repo(tmp_path / "repo", TREE)
    project = await api.project("mapped", repo)
    await api.request("POST", f"/projects/{project}/architecture", 201, json={})
    commit(repo, {"src/app/extra/__init__.py": "import app.core.service\n"}, "extra")
    await api.request("POST", f"/projects/{project}/architecture", 201, json={})
    await sign_in(browser, server)
    await browser.call("click", selector="nav a", text="Architecture")
    await browser.see("[data-testid=diagram-summary]", "5 components")
    await browser.see("ul[aria-label=changes] li", "+ component app.extra")
    await browser.see("[data-testid=architecture-diagram] svg", "app.extra")
    await browser.call("screenshot", path=screenshot_path(tmp_path, "architecture"))
    assert await browser.call("consoleErrors") == []


async def test_the_notification_count_and_mark_all_read(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    dispatcher = server.container.dispatcher
    await dispatcher.dispatch()
    await sign_in(browser, server)
    await server.raise_alert("e2e: queue stuck", "critical")
    await dispatcher.tick()
    await browser.see("nav a .count", "1")
    await browser.call("click", selector="nav a", text="Notifications")
    await browser.see("ul[aria-label=notifications] li.unread", "Alert: e2e: queue stuck")
    await browser.call("screenshot", path=screenshot_path(tmp_path, "notifications"))
    await browser.call("click", selector="button", text="Mark all read")
    await browser.see("ul[aria-label=notifications] li.read", "Alert: e2e: queue stuck")
    assert await browser.call("count", selector="nav a .count") == 0
    assert await browser.call("consoleErrors") == []
