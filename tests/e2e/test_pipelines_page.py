"""Pipelines in a real browser: create (the form clears), view the YAML, edit it with the error
marked at its line, the history of changes, and delete."""

from __future__ import annotations

import pytest

from tests.e2e.test_dashboard import Browser, browser, database_url, sign_in
from tests.support.pipelines import PipelineApi
from tests.support.server import RunningServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "database_url"]  # fixtures shared with test_dashboard.py

FIRST = "jobs:\n  build:\n    steps:\n      - run: echo first\n"
TYPO = "jobs:\n  build:\n    stepz:\n      - run: echo typo\n"
SECOND = "jobs:\n  build:\n    steps:\n      - run: echo second\n"


async def test_a_pipeline_is_created_viewed_edited_with_history_and_deleted(
    server: RunningServer, browser: Browser
) -> None:
    api = PipelineApi(server, await server.admin_token())
    project = await api.project("web-pipelines")
    await sign_in(browser, server, f"/projects/{project}")

    await browser.call("fill", selector="input[name=pipeline-name]", value="ci")
    await browser.call("fill", selector="textarea", value=FIRST)
    await browser.call("click", selector="button[type=submit]", text="Create pipeline")
    await browser.see("[role=status]", "Created ci")
    assert (
        await browser.call("evaluate", expression="document.querySelector('input[name=pipeline-name]').value")
        == ""
    )

    await browser.call("click", selector="[role=status] a", text="ci")
    await browser.see('[data-testid="pipeline-name"]', "ci")
    await browser.call("click", selector="button[role=tab]", text="Definition")
    await browser.see('pre[aria-label="definition"] #D4', "echo first")

    # A bad edit is refused with its line marked; nothing is saved.
    await browser.call("click", selector="button", text="Edit")
    await browser.call("fill", selector='textarea[aria-label="definition"]', value=TYPO)
    await browser.call("click", selector="button[type=submit]", text="Save")
    await browser.see('[data-testid="definition-error"]', "line 3")
    await browser.see('[data-testid="definition-error"]', "unknown key 'stepz'")
    await browser.see(".gutter .bad", "3")  # every line named is marked; the cursor is on the first
    await browser.see(".gutter .bad", "2")
    cursor_line = "(t => t.value.slice(0, t.selectionStart).split('\\n').length)(document.activeElement)"
    assert await browser.call("evaluate", expression=cursor_line) == 2
    pipelines = await api.request("GET", f"/projects/{project}/pipelines", 200)
    assert pipelines[0]["definition"] == FIRST

    await browser.call("fill", selector='textarea[aria-label="definition"]', value=SECOND)
    await browser.call("click", selector="button[type=submit]", text="Save")
    await browser.see('pre[aria-label="definition"] #D4', "echo second")

    await browser.call("click", selector="button[role=tab]", text="History")
    await browser.see('ul[aria-label="revisions"] li', "Version 2")
    await browser.see('ul[aria-label="revisions"] li', "admin")
    await browser.see('pre[aria-label="definition"]', "echo second")
    await browser.call("click", selector='ul[aria-label="revisions"] button', text="Version 1")
    await browser.see('pre[aria-label="definition"]', "echo first")

    await browser.call("click", selector="button", text="Delete…")
    await browser.call("click", selector='[aria-label="confirm delete"] button', text="Delete")
    await browser.see(".empty", "no pipelines yet")
    assert await browser.call("url") == f"{server.base_url}/projects/{project}"
    await api.request("GET", f"/pipelines/{pipelines[0]['id']}", 404)
    errors = await browser.call("consoleErrors")
    assert [e for e in errors if "status of 422" not in e] == [], "only the refused save's own 422"
