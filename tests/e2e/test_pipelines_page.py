"""Pipelines in a real browser: create (the form clears), view the YAML and its job graph, edit it
in the YAML editor with problems marked at their line as you type, the history of changes, and
delete."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_dashboard import Browser, assert_fits_phone, browser, database_url, sign_in
from tests.support.pipelines import PipelineApi, make_repo
from tests.support.server import RunningServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "database_url"]  # fixtures shared with test_dashboard.py

FIRST = "jobs:\n  build:\n    steps:\n      - run: echo first\n"
TYPO = "jobs:\n  build:\n    stepz:\n      - run: echo typo\n"
FIXED = "jobs:\n  build:\n    steps:\n      - run: echo typo\n"
EDITOR = ".cm-content"
# The line numbers of the gutter rows that carry an error marker.
MARKED_LINES = """[...document.querySelectorAll('.cm-lint-marker-error')].map(marker => {
  const top = marker.closest('.cm-gutterElement').getBoundingClientRect().top;
  return [...document.querySelectorAll('.cm-lineNumbers .cm-gutterElement')]
    .find(n => Math.abs(n.getBoundingClientRect().top - top) < 2)?.textContent; })"""


async def test_a_pipeline_is_created_viewed_edited_with_history_and_deleted(
    server: RunningServer, browser: Browser
) -> None:
    api = PipelineApi(server, await server.admin_token())
    project = await api.project("web-pipelines")
    await sign_in(browser, server, f"/projects/{project}")

    await browser.call("fill", selector="input[name=pipeline-name]", value="ci")
    await browser.call("fill", selector=EDITOR, value=FIRST)
    await browser.see('[data-testid="definition-check"]', "Valid: 1 job")
    await browser.call("click", selector="button[type=submit]", text="Create pipeline")
    await browser.see("[role=status]", "Created ci")
    assert (
        await browser.call("evaluate", expression="document.querySelector('input[name=pipeline-name]').value")
        == ""
    )

    # The project's pipelines page, with its runs table and the editor, fits a phone too.
    await api.start((await api.request("GET", f"/projects/{project}/pipelines", 200))[0]["id"])
    await browser.see("table tr[data-execution-id]")
    await assert_fits_phone(
        browser, ".card header button", ".code-editor", "input[name=pipeline-name]", ".menu-toggle"
    )
    await browser.call("viewport", width=1280, height=800)

    await browser.call("click", selector="[role=status] a", text="ci")
    await browser.see('[data-testid="pipeline-name"]', "ci")
    await browser.call("click", selector="button[role=tab]", text="Definition")
    await browser.see('pre[aria-label="definition"] #D4', "echo first")
    await browser.see('svg[aria-label="job graph"] .dag-job[data-job="build"]', "build")

    # A bad key typed in the editor is marked at its line as you type; Save waits for a fix.
    await browser.call("click", selector="button", text="Edit")
    await browser.call("fill", selector=EDITOR, value=TYPO)
    await browser.see('[data-testid="definition-check"]', "2 problems")
    await browser.see('ul[aria-label="problems"] li[data-line="3"]', "jobs.build.stepz unknown key 'stepz'")
    await browser.see('ul[aria-label="problems"] li[data-line="2"]', "missing required key 'steps'")
    assert sorted(await browser.call("evaluate", expression=MARKED_LINES)) == ["2", "3"]
    await browser.see(".cm-lintRange-error", "stepz")
    assert await browser.call("evaluate", expression="document.querySelector('button[type=submit]').disabled")
    await assert_fits_phone(
        browser, ".code-editor", 'ul[aria-label="problems"] button', "button[role=tab]", ".menu-toggle"
    )
    await browser.call("viewport", width=1280, height=800)

    # The listed problem takes the cursor to its place; the key is retyped there.
    await browser.call("click", selector='ul[aria-label="problems"] button', text="Line 3:5")
    await browser.see(".cm-activeLine", "stepz")
    await browser.call("press", key="Control+Shift+ArrowRight")
    await browser.call("type", text="steps")
    await browser.see('[data-testid="definition-check"]', "Valid: 1 job")
    assert await browser.call("count", selector=".cm-lint-marker-error") == 0
    await browser.see('svg[aria-label="job graph preview"] .dag-job[data-job="build"]')
    pipelines = await api.request("GET", f"/projects/{project}/pipelines", 200)
    assert pipelines[0]["definition"] == FIRST, "nothing is saved while editing"

    await browser.call("click", selector="button[type=submit]", text="Save")
    await browser.see('pre[aria-label="definition"] #D4', "echo typo")
    assert (await api.request("GET", f"/pipelines/{pipelines[0]['id']}", 200))["definition"] == FIXED

    await browser.call("click", selector="button[role=tab]", text="History")
    await browser.see('ul[aria-label="revisions"] li', "Version 2")
    await browser.see('ul[aria-label="revisions"] li', "admin")
    await browser.see('pre[aria-label="definition"]', "echo typo")
    await browser.call("click", selector='ul[aria-label="revisions"] button', text="Version 1")
    await browser.see('pre[aria-label="definition"]', "echo first")

    await browser.call("click", selector="button[role=tab]", text="Runs")
    await assert_fits_phone(browser, "table tr[data-execution-id] a", ".card header .actions", ".menu-toggle")
    await browser.call("viewport", width=1280, height=800)
    await browser.call("click", selector="button", text="Delete…")
    await browser.call("click", selector='[aria-label="confirm delete"] button', text="Delete")
    await browser.see(".empty", "no pipelines yet")
    assert await browser.call("url") == f"{server.base_url}/projects/{project}"
    await api.request("GET", f"/pipelines/{pipelines[0]['id']}", 404)
    assert await browser.call("consoleErrors") == []


WITH_INPUTS = """
on:
  manual:
    inputs:
      target: {type: choice, options: [staging, production], required: true}
      dry-run: {type: boolean, default: true}
      replicas: {type: number, default: 2}
      ticket: {type: string, required: true, description: the change ticket}
jobs:
  deploy:
    steps:
      - run: echo deploying to ${{ inputs.target }}
"""


async def test_a_manual_run_asks_for_its_typed_inputs(server: RunningServer, browser: Browser) -> None:
    api = PipelineApi(server, await server.admin_token())
    project = await api.project("web-inputs")
    pipeline = await api.pipeline(project, WITH_INPUTS, name="deploy")
    await sign_in(browser, server, f"/pipelines/{pipeline['id']}")

    await browser.call("click", selector="button", text="Run pipeline…")
    form = 'dialog[aria-label="run deploy"]'
    await browser.see(f"{form} [data-input=ticket]", "the change ticket")
    await assert_fits_phone(browser, f"{form} [name=target]", f"{form} button[type=submit]")
    assert (
        await browser.call("evaluate", expression=f"document.querySelector('{form} [name=replicas]').value")
        == "2"
    )
    assert await browser.call(
        "evaluate", expression=f"document.querySelector('{form} [name=dry-run]').checked"
    )

    # A required input left empty is refused in the form; nothing starts.
    await browser.call("click", selector=f"{form} button[type=submit]", text="Run")
    await browser.see(f"{form} [data-input=ticket] .error", "Required.")
    assert await api.request("GET", f"/pipelines/{pipeline['id']}/executions", 200) == []

    await browser.call("fill", selector=f"{form} [name=ticket]", value="OPS-7")
    await browser.call("select", selector=f"{form} [name=target]", value="production")
    await browser.call("click", selector=f"{form} [name=dry-run]")
    await browser.call("fill", selector=f"{form} [name=replicas]", value="3")
    await browser.call("click", selector=f"{form} button[type=submit]", text="Run")
    await browser.see('[data-testid="run-title"]', "deploy #1")
    await browser.see('[data-testid="inputs"]', 'target="production"')
    await assert_fits_phone(browser, '[data-testid="inputs"]', ".menu-toggle")
    [run] = await api.request("GET", f"/pipelines/{pipeline['id']}/executions", 200)
    execution = await api.execution(run["id"])
    assert execution["inputs"] == {
        "target": "production",
        "dry-run": False,
        "replicas": 3.0,
        "ticket": "OPS-7",
    }
    assert await browser.call("consoleErrors") == []


async def test_a_pipeline_from_the_repository_is_read_only_with_its_error_at_its_line(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    api = PipelineApi(server, await server.admin_token())
    good = "jobs:\n  lint:\n    steps: [{run: x}]\n  test:\n    needs: [lint]\n    steps: [{run: y}]\n"
    bad = "jobs:\n  a:\n    stepz: []\n"
    repo = make_repo(tmp_path / "repo", {".conveyor/ci.yml": good, ".conveyor/bad.yml": bad})
    project = await api.project("web-repo", repo)
    synced = {
        p["name"]: p for p in await api.request("POST", f"/projects/{project}/pipelines/sync", 200, json={})
    }

    await sign_in(browser, server, f"/pipelines/{synced['ci']['id']}")
    await browser.call("click", selector="button[role=tab]", text="Definition")
    await browser.see('[data-testid="pipeline-source"]', ".conveyor/ci.yml")
    await browser.see('svg[aria-label="job graph"] .dag-job[data-job="test"]')
    assert await browser.call("count", selector='.card header button:text-is("Edit")') == 0

    await browser.call("goto", url=f"{server.base_url}/pipelines/{synced['bad']['id']}")
    await browser.call("click", selector="button[role=tab]", text="Definition")
    await browser.see('[data-testid="definition-error"]', "unknown key 'stepz'")
    await browser.see('pre[aria-label="definition"] #D3.bad', "stepz")
    assert await browser.call("count", selector=".def-line.bad") == 2  # line 2 misses steps, line 3 has stepz
    assert await browser.call("consoleErrors") == []


async def test_the_project_page_reads_pipeline_files_and_shows_their_path_and_error(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    api = PipelineApi(server, await server.admin_token())
    good = "jobs:\n  lint:\n    steps: [{run: x}]\n"
    workflow = "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
    workflow += "    steps:\n      - uses: actions/checkout@v4\n"
    files = {
        ".conveyor/ci.yml": good,
        ".conveyor/broken.yml": "jobs: [\n",
        ".github/workflows/test.yml": workflow,
    }
    project = await api.project("web-files", make_repo(tmp_path / "repo", files))

    await sign_in(browser, server, f"/projects/{project}")
    await browser.call("click", selector="button[type=submit]", text="Read pipeline files")
    await browser.see("[role=status]", "Found 2 pipeline files")
    await browser.see('[data-testid="pipeline-path"]', ".conveyor/ci.yml")
    await browser.see('[data-testid="pipeline-path"]', ".conveyor/broken.yml")
    await browser.see('[data-testid="pipeline-error"]', "line 2")

    # the project turns GitHub workflows on in its settings: the next read finds the workflow too
    await browser.call("goto", url=f"{server.base_url}/projects/{project}/settings")
    await browser.call("click", selector="input[name=githubWorkflows]")
    await browser.call("click", selector='form[aria-label="repository"] button[type=submit]')
    await browser.see("[role=status]", "Saved")
    assert (await api.request("GET", f"/projects/{project}", 200))["githubWorkflows"] is True
    await browser.call("goto", url=f"{server.base_url}/projects/{project}")
    await browser.call("click", selector="button[type=submit]", text="Read pipeline files")
    await browser.see("[role=status]", "Found 3 pipeline files")
    await browser.see('[data-testid="pipeline-path"]', ".github/workflows/test.yml")
    assert await browser.call("consoleErrors") == []
