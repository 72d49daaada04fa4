"""The home page in a real browser: recent runs across projects and the latest status of each
pipeline per branch, both live; a feed with one row per run linking to it; nothing wider than
the window at 1,280 px, and a collapsing sidebar at phone width."""

from __future__ import annotations

import pytest

from tests.e2e.test_dashboard import Browser, browser, database_url, sign_in
from tests.support.pipelines import PipelineApi, completed, reached
from tests.support.server import RunningServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "database_url"]  # fixtures shared with test_dashboard.py

QUICK = "jobs:\n  quick:\n    steps:\n      - run: echo ok\n"
GATED = "jobs:\n  wait:\n    steps:\n      - run: sleep 300\n"  # until cancelled
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.unconfined  # the gated step waits for a file the test creates outside its workspace
async def test_home_shows_runs_across_projects_live_and_fits_the_screen(
    server: RunningServer, browser: Browser
) -> None:
    api = PipelineApi(server, await server.admin_token())
    listener = await server.authenticated_socket(api.token)
    first = await api.pipeline(await api.project("home-a"), QUICK, name="build")
    done = await api.start(first["id"])
    await completed(listener, done)
    gated = await api.pipeline(await api.project("home-b"), GATED, name="deploy")

    await browser.call("viewport", width=1280, height=800)
    await sign_in(browser, server, "/")
    await browser.see(f'table[aria-label="recent runs"] tr[data-execution-id="{done}"]', "build #1")
    await browser.see('ul[aria-label="latest status"] li', "home-a / build #1")

    # A run started while the page is open appears, and its status follows it live.
    waiting = await api.start(gated["id"])
    row = f'table[aria-label="recent runs"] tr[data-execution-id="{waiting}"]'
    await reached(listener, waiting, "running", timeout=60)  # a loaded machine may be slow to start it
    await browser.see(row, "running")
    await browser.see('ul[aria-label="latest status"] li', "home-b / deploy #1")
    await api.request("POST", f"/executions/{waiting}/cancel", 202)
    await browser.see(row, "cancelled")

    # The feed folds a run's many updates into one row that links to it.
    feed_row = f'ul[aria-label="events"] li[data-execution-id="{waiting}"]'
    await browser.see(feed_row, "deploy #1")
    await browser.see(feed_row, "updates")
    assert await browser.call("count", selector=feed_row) == 1
    assert await browser.call("evaluate", expression=OVERFLOW) <= 0

    # Phone width: the sidebar folds into a menu, and still nothing overflows.
    await browser.call("viewport", width=390, height=844)
    assert await browser.call("evaluate", expression=OVERFLOW) <= 0
    sidebar_shown = "getComputedStyle(document.querySelector('#sidebar')).display !== 'none'"
    assert not await browser.call("evaluate", expression=sidebar_shown)
    await browser.call("click", selector="button.menu-toggle")
    await browser.call("click", selector="#sidebar a", text="Pipelines")
    assert (await browser.call("url")).endswith("/pipelines")
    await browser.gone("#sidebar")  # the menu closes with the render that follows the navigation

    await browser.call("click", selector="button.menu-toggle")
    await browser.call("click", selector="#sidebar a", text="Overview")
    await browser.call("click", selector=f"{row} a", text="deploy #1")
    await browser.see('[data-testid="run-title"]', "deploy #1")
    assert await browser.call("evaluate", expression=OVERFLOW) <= 0
    assert await browser.call("consoleErrors") == []
