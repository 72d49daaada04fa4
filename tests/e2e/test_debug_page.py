"""The Debug page in a real browser: a project's lint is broken on purpose (a ruff violation in a
real git repository), its run fails, the session appears live with its errors, the classification
and the ruff patch as a diff; Apply pushes a branch and the verification run passes; Roll back
deletes the branch again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_dashboard import Browser, browser, database_url, sign_in
from tests.integration.debug.test_patches import RUFF
from tests.support.pipelines import PipelineApi, git, make_repo
from tests.support.server import RunningServer

# The pipeline runs this test environment's ruff, which the sandbox (rightly) does not show.
pytestmark = [pytest.mark.browser, pytest.mark.unconfined]
__all__ = ["browser", "database_url"]  # fixtures shared with test_dashboard.py

# Ruff's one-line-per-violation output, which the error detector reads (file, line, code).
LINT = f"""
name: ci
jobs:
  lint:
    steps:
      - name: Ruff
        run: {RUFF} check --no-cache --output-format concise . && {RUFF} format --check --no-cache .
"""
RUN_MS = 90_000
SESSION = "details.debug-session"
PATCH = f"{SESSION} section.debug-patch"


async def test_watch_a_lint_failure_get_a_patch_applied_verified_and_rolled_back(
    server: RunningServer, browser: Browser, tmp_path: Path
) -> None:
    api = PipelineApi(server, await server.admin_token())
    repo = make_repo(tmp_path / "repo", {"app/main.py": "import os\nimport sys\n\nprint(sys.argv)\n"})
    project_id = await api.project("lint", repo)
    pipeline = await api.pipeline(project_id, LINT)
    await sign_in(browser, server, f"/debug?project={project_id}")
    await browser.see("p.empty", "No debug sessions for this project")

    execution_id = await api.start(pipeline["id"])
    await browser.see(SESSION, timeout=RUN_MS)
    await browser.see(f'{SESSION}[data-status="patch_proposed"]', timeout=RUN_MS)
    await browser.see(f'{SESSION} a[href="/executions/{execution_id}"]')
    await browser.see(f"{SESSION} .explanation", "lint_format")
    await browser.see(f'{SESSION} ul[aria-label="classification"] li[data-label="lint_format"]', "%")
    assert 1 <= await browser.call("count", selector=f'{SESSION} ul[aria-label="classification"] li') <= 3
    errors = f'{SESSION} table[aria-label="errors"] tbody tr'
    await browser.see(errors, "F401")
    await browser.see(errors, "app/main.py:1")
    await browser.see(f'{errors} a[href="/executions/{execution_id}"]', "line ")
    await browser.see(f'{PATCH}[data-status="proposed"] pre.diff .diff-del', "-import os")
    await browser.see(f"{PATCH} pre.diff", "app/main.py")

    await browser.call("click", selector=f"{PATCH} button", text="Apply")
    await browser.see(f'{PATCH} .verification a[href^="/executions/"]', "open the run")
    await browser.see(f'{PATCH} .verification[data-status="success"]', timeout=RUN_MS)
    await browser.see(f'{SESSION}[data-status="fixed"]', timeout=RUN_MS)
    [session] = await api.request("GET", "/debug/sessions", 200, params={"projectId": project_id})
    [patch] = session["patches"]
    assert patch["verified"] is True and patch["verificationExecutionId"]
    branch = f"refs/heads/conveyor/fix-{session['sessionId']}"
    assert git(repo, "rev-parse", branch) == patch["commit"]

    await browser.call("click", selector=f"{PATCH} button", text="Roll back")
    await browser.see(f'{SESSION}[data-status="rolled_back"]', timeout=RUN_MS)
    await browser.see(f'{PATCH}[data-status="rolled_back"]')
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/heads/conveyor") == ""
    assert await browser.call("consoleErrors") == []
