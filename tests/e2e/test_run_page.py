"""The run page in a real browser: what ran, the job graph, step sections (the failing one
open), paging as you scroll, line links, search, copy, raw log and artifact downloads, the
diagnosis of the failure, and "Run pipeline" opening the new run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_dashboard import Browser, assert_fits_phone, browser, database_url, sign_in
from tests.integration.executions.test_approvals import waiting_for_approval
from tests.integration.executions.test_pull_requests import (
    github,
    github_pull_request,
    head_commit_on_pull_ref,
    project_with_pull_requests,
)
from tests.integration.executions.test_triggers import project_with_hooks, sign
from tests.support.pipelines import PipelineApi, commit, completed, make_repo
from tests.support.server import RunningServer

pytestmark = pytest.mark.browser
__all__ = ["browser", "database_url"]  # fixtures shared with test_dashboard.py

FAILING = """
jobs:
  build:
    steps:
      - name: prepare
        run: mkdir -p out && echo report > out/report.txt && for i in $(seq 1 1200); do echo prep-$i; done
      - name: quiet
        run: "true"
      - name: compile
        run: |
          echo compiling
          echo 'Traceback (most recent call last):'
          echo '  File "app.py", line 1'
          echo "ModuleNotFoundError: No module named 'yaml'"
          exit 1
    artifacts:
      paths: ["out/*.txt"]
  deploy:
    needs: [build]
    steps:
      - run: echo deploy
"""

OPEN = '.step-header[aria-expanded="true"]'


def section(name: str) -> str:
    return f'section.step-section:has(.step-name:text-is("{name}"))'


async def test_a_failed_run_reads_like_a_ci_run_page(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    api = PipelineApi(server, await server.admin_token())
    project = await api.project("web-run")
    pipeline = await api.pipeline(project, FAILING, name="ci")
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "failed"

    await sign_in(browser, server, f"/executions/{execution_id}")
    await browser.see('[data-testid="run-title"]', "ci #1")
    await browser.see('[data-testid="execution-status"]', "failed")
    await browser.see('.dag-job.selected[data-job="build"]', "failed")
    await browser.see('.dag-job[data-job="deploy"]', "skipped")

    # The failing step is open, the others closed; a step without output says so.
    await browser.see(OPEN, "compile")
    assert await browser.call("count", selector=OPEN) == 1
    await browser.see(f"{section('compile')} .log-line", "No module named 'yaml'")
    await browser.see('[data-testid="diagnosis"]', "dependency missing")
    await browser.see('[data-testid="diagnosis"] .error-lines', "No module named")
    await browser.call("click", selector=".step-header", text="quiet")
    await browser.see(f"{section('quiet')} .log", "No output.")

    # A long step arrives in pages while it is scrolled.
    await browser.call("click", selector=".step-header", text="prepare")
    await browser.see(f"{section('prepare')} .log-line", "prep-500")
    assert await browser.call("count", selector=f"{section('prepare')} .log-line") < 1200
    for _ in range(10):
        await browser.call("evaluate", expression="window.scrollTo(0, document.body.scrollHeight)")
        if await browser.call("count", selector="#L1200"):
            break
        await browser.see(f"{section('prepare')} .log-line", "prep-")
    await browser.see("#L1200", "prep-1200")

    # Copying a line takes its text, not its number.
    copied = await browser.call(
        "evaluate",
        expression="""(() => {
          const line = document.querySelector('#L1'); const range = document.createRange();
          range.selectNodeContents(line); const s = getSelection(); s.removeAllRanges(); s.addRange(range);
          return s.toString(); })()""",
    )
    assert copied.strip() == "prep-1"

    # A line link opens its step at the line; search finds lines anywhere in the job.
    await browser.call("goto", url=f"{server.base_url}/executions/{execution_id}?job=build#L700")
    await browser.see("#L700.target", "prep-700")
    await browser.call("fill", selector='input[aria-label="search the log"]', value="no MODULE named")
    await browser.call("click", selector="form[role=search] button[type=submit]")
    await browser.see('ul[aria-label="search results"] li', "ModuleNotFoundError")
    await browser.call("click", selector='ul[aria-label="search results"] a')
    await browser.see(".log-line.target", "ModuleNotFoundError")

    raw = await browser.call("download", selector="button", text="Download raw log")
    assert raw["name"].endswith("build.log")
    assert raw["text"].splitlines() == await api.log_text(execution_id, "build")
    await browser.call("click", selector='[aria-label="run details"] button[role=tab]', text="Artifacts")
    report = await browser.call(
        "download", selector='ul[aria-label="artifacts"] button', text="out/report.txt"
    )
    assert (report["name"], report["text"]) == ("report.txt", "report\n")

    # "Run pipeline" opens the new run.
    await browser.call("click", selector="button", text="Run pipeline")
    await browser.see('[data-testid="run-title"]', "ci #2")
    assert execution_id not in await browser.call("url")
    assert await browser.call("consoleErrors") == []


async def test_a_pushed_run_shows_its_commit(server: RunningServer, browser: Browser, tmp_path: Path) -> None:
    api = PipelineApi(server, await server.admin_token())
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_hooks(api, repo)
    sha = commit(repo, {"a.txt": "2"}, "Fix the login form\n\nDetails.")
    head = {"id": sha, "message": "Fix the login form\n\nDetails.", "author": {"name": "Ada"}}
    body = json.dumps({"ref": "refs/heads/main", "after": sha, "head_commit": head}).encode()
    async with server.api() as client:
        response = await client.post(
            f"/api/v1/hooks/github/{project}",
            content=body,
            headers={"X-GitHub-Event": "push", "X-Hub-Signature-256": sign(body)},
        )
    (execution_id,) = response.json()["executionIds"]
    await sign_in(browser, server, f"/executions/{execution_id}")
    await browser.see('[data-testid="commit"]', sha[:7])
    await browser.see('[data-testid="commit"] .commit-message', "Fix the login form")
    await browser.see('[data-testid="commit"]', "by Ada")
    assert "Details." not in await browser.call("text", selector='[data-testid="commit"]')


async def test_pull_request_runs_show_the_request_and_are_grouped_on_the_project_page(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    api = PipelineApi(server, await server.admin_token())
    repo = make_repo(tmp_path / "repo", {"a.txt": "1"})
    project = await project_with_pull_requests(api, repo)
    sha = head_commit_on_pull_ref(repo, 7)
    started = []
    for action in ("opened", "synchronize"):
        response = await github(server, project, github_pull_request(action, sha, fork=True))
        started += response.json()["executionIds"]
    push = await api.start(
        next(
            p["id"]
            for p in await api.request("GET", f"/projects/{project}/pipelines", 200)
            if p["name"] == "checks"
        ),
        ref="main",
    )
    await sign_in(browser, server, f"/executions/{started[0]}")
    await browser.see('[data-testid="run-ref"] [data-testid="pull-request"]', "PR #7")
    await browser.see('[data-testid="run-ref"]', "feature → main")
    await browser.see('[data-testid="run-ref"]', "Add the feature")
    await browser.see('[data-testid="run-ref"]', "from a fork: no secrets")
    await browser.see('[data-testid="commit"]', sha[:7])
    await browser.see('[data-testid="commit"] .commit-message', "Add the feature")
    await browser.see('[data-testid="commit"]', "by CI")

    await browser.call("click", selector=".crumbs a", text="prs")
    checks = 'table[aria-label="executions of checks"]'
    group = f'{checks} tbody[data-pull-request="7"]'
    await browser.see(f"{group} tr.run-group", "Pull request #7: Add the feature (2 runs)")
    await browser.see(f'{checks} tr[data-execution-id="{push}"]', "main")
    rows = await browser.call("count", selector=f"{group} tr[data-execution-id]")
    assert rows == 2
    assert (
        await browser.call(
            "count", selector=f'{checks} tbody[data-pull-request="7"] tr[data-execution-id="{push}"]'
        )
        == 0
    )
    assert await browser.call("consoleErrors") == []


LIVE = """
jobs:
  build:
    steps:
      - run: while [ ! -f {gate} ]; do sleep 0.05; done; echo built
  lint:
    steps:
      - run: echo lint
  deploy:
    needs: [build, lint]
    steps:
      - run: echo deploy
"""


def job_node(key: str, status: str) -> str:
    return f'svg[aria-label="jobs"] .dag-job[data-job="{key}"][data-status="{status}"]'


@pytest.mark.unconfined  # the step waits for a file the test creates
async def test_the_job_graph_follows_the_run_live(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    api = PipelineApi(server, await server.admin_token())
    project = await api.project("web-dag")
    pipeline = await api.pipeline(project, LIVE.format(gate=gate), name="dag")
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])

    await sign_in(browser, server, f"/executions/{execution_id}")
    await browser.see(job_node("build", "running"))
    await browser.see(job_node("lint", "success"))
    await browser.see(job_node("deploy", "queued"))
    for edge in ("build->deploy", "lint->deploy"):
        assert await browser.call("count", selector=f'svg[aria-label="jobs"] path[data-edge="{edge}"]') == 1
    columns = await browser.call(
        "evaluate",
        expression="""Object.fromEntries([...document.querySelectorAll('svg[aria-label="jobs"] .dag-job')]
          .map(g => [g.dataset.job, g.getBoundingClientRect().left]))""",
    )
    assert columns["build"] == columns["lint"] < columns["deploy"], "deploy is drawn right of what it needs"

    gate.touch()  # no reload from here on: the socket's job updates recolor the graph
    await browser.see(job_node("build", "success"))
    await browser.see(job_node("deploy", "success"))
    await browser.see('[data-testid="execution-status"]', "success")
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "success"

    # Choosing a job in the graph shows its log.
    await browser.call("click", selector='svg[aria-label="jobs"] .dag-job[data-job="deploy"]')
    await browser.see('svg[aria-label="jobs"] .dag-job.selected[data-job="deploy"]')
    await browser.see(".step-header", "echo deploy")
    assert "job=deploy" in await browser.call("url")

    # At phone width the page scrolls only down; the graph scrolls sideways inside its card.
    await assert_fits_phone(
        browser,
        '[data-testid="run-title"]',
        ".job-graph",
        '[aria-label="run details"] button[role=tab]:last-child',
        ".card header .actions button",
        ".step-header",
        ".menu-toggle",
    )
    graph = "(g => [g.scrollWidth, g.clientWidth])(document.querySelector('.job-graph'))"
    scroll_width, client_width = await browser.call("evaluate", expression=graph)
    assert scroll_width > client_width, "three columns are wider than a phone: the graph scrolls"
    assert await browser.call("consoleErrors") == []


REPORTED = """
jobs:
  test:
    reports: {junit: "reports/*.xml"}
    steps:
      - run: |
          mkdir -p reports
          cat > reports/unit.xml <<EOF
          <testsuite name="unit">
            <testcase classname="t.a" name="passes" time="0.5"/>
            <testcase classname="t.a" name="fails" time="1.5">
              <failure message="assert 1 == 2">Traceback: AssertionError in test_fails</failure>
            </testcase>
            <testcase classname="t.b" name="skips"><skipped/></testcase>
          </testsuite>
          EOF
          exit 1
"""

ROW_NAMES = """[...document.querySelectorAll('table[aria-label="test results"] tbody tr')]
  .map(row => row.querySelector('.test-name span').textContent)"""


async def test_the_tests_tab_shows_failures_first(server: RunningServer, browser: Browser) -> None:
    api = PipelineApi(server, await server.admin_token())
    project = await api.project("web-tests")
    pipeline = await api.pipeline(project, REPORTED, name="unit")
    listener = await server.authenticated_socket(api.token)
    execution_id = await api.start(pipeline["id"])
    assert (await completed(listener, execution_id))["data"]["execution"]["status"] == "failed"

    await sign_in(browser, server, f"/executions/{execution_id}")
    await browser.call("click", selector='[aria-label="run details"] button[role=tab]', text="1 failed")
    await browser.see('[data-testid="test-summary"]', "1 failed")
    await browser.see('[data-testid="test-summary"]', "1 passed")
    await browser.see('[aria-label="which tests"] button[aria-selected="true"]', "Failed")
    await browser.see('tr[data-status="failed"] details[open] pre', "AssertionError in test_fails")
    assert await browser.call("evaluate", expression=ROW_NAMES) == ["fails"]
    assert "tab=tests" in await browser.call("url")

    await browser.call("click", selector='[aria-label="which tests"] button', text="All")
    await browser.see('tr[data-status="passed"]', "passes")
    assert await browser.call("evaluate", expression=ROW_NAMES) == ["fails", "skips", "passes"]
    await assert_fits_phone(
        browser, '[data-testid="test-summary"]', '[aria-label="which tests"]', ".table-scroll"
    )
    await browser.call("viewport", width=1280, height=800)

    # Choosing a job in the graph goes back to its log.
    await browser.call("click", selector='svg[aria-label="jobs"] .dag-job[data-job="test"]')
    await browser.see(".step-header")
    assert "tab=" not in await browser.call("url")
    assert await browser.call("consoleErrors") == []


APPROVAL = """
jobs:
  deploy:
    environment: {name: production, url: "https://shop.example.com/"}
    steps: [{run: echo deployed}]
"""


async def test_a_run_waiting_for_approval_is_approved_or_rejected_on_its_page(
    server: RunningServer, browser: Browser
) -> None:
    api = PipelineApi(server, await server.admin_token())
    project = await api.project("web-approval")
    await api.request("PATCH", f"/projects/{project}", 200, json={"protectedEnvironments": ["production"]})
    pipeline = await api.pipeline(project, APPROVAL, name="release")
    listener = await server.authenticated_socket(api.token)
    first = await api.start(pipeline["id"])
    await waiting_for_approval(listener, first)

    await sign_in(browser, server, f"/executions/{first}")
    await browser.see('[data-testid="execution-status"]', "waiting")
    await browser.see(job_node("deploy", "waiting"))
    waiting = '[data-testid="approval"] li[data-job="deploy"]'
    await browser.see(waiting, "waiting for a maintainer to approve the deployment to 'production'")
    await browser.see(f'{waiting} a[href="https://shop.example.com/"]', "https://shop.example.com/")
    await browser.see('[data-testid="wait-reason"]', "waiting for a maintainer to approve")
    await browser.call("fill", selector='input[aria-label="approval comment"]', value="ship it")
    await browser.call("click", selector='[data-testid="approval"] button', text="Approve")
    await browser.see('[data-testid="execution-status"]', "success")
    await browser.see('[data-testid="approval"]', "approved by admin — ship it")
    assert (await completed(listener, first))["data"]["execution"]["status"] == "success"

    second = await api.start(pipeline["id"])
    await waiting_for_approval(listener, second)
    await browser.call("goto", url=f"{server.base_url}/executions/{second}")
    await browser.see(waiting, "production")
    await browser.call("click", selector='[data-testid="approval"] button', text="Reject")
    await browser.see('[data-testid="execution-status"]', "cancelled")
    await browser.see('[data-testid="approval"]', "rejected by admin")
    await browser.see(job_node("deploy", "cancelled"))
    assert await browser.call("consoleErrors") == []
