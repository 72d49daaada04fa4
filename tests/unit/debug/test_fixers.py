"""Each built-in fixer on a real git working copy (or a pipeline definition), through ``generate``."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from conveyor.debug.analysis import FailedStep, diagnose_log
from conveyor.debug.fixers import BUILTIN_FIXERS, FixContext
from conveyor.debug.patches import Candidate, UnsafeDiff, files_of, generate
from conveyor.debug.schemas import PatchTarget
from tests.support.pipelines import make_repo

PIPELINE = """\
name: ci
jobs:
  test:
    steps:
      - name: Install
        run: pip install pytest
      - name: Test
        run: pytest -q
"""


async def fix(
    log: str,
    repo: Path | None = None,
    definition: str | None = PIPELINE,
    failed: list[FailedStep] | None = None,
    label: str | None = None,
) -> list[Candidate]:
    diagnosis = await diagnose_log(log)
    ctx = FixContext(
        label=label or diagnosis.result.label,
        errors=diagnosis.errors,
        log=diagnosis.log,
        repo=repo,
        definition=definition,
        failed=failed or [],
    )
    return await generate(ctx, BUILTIN_FIXERS)


def applies(repo: Path, diff: str) -> str:
    subprocess.run(["git", "apply", "--check", "-"], cwd=repo, input=diff, text=True, check=True)
    return diff


async def test_ruff_fixes_lint_and_format_of_the_files_named(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app/main.py": "import os\nimport sys\nprint( sys.argv )\n"})
    log = (
        "$ ruff check .\napp/main.py:1:8: F401 [*] `os` imported but unused\n"
        "Found 1 error.\n[*] 1 fixable with the `--fix` option.\n"
    )
    [patch] = await fix(log, repo, label="lint_format")
    assert patch.proposal.fixer == "ruff" and patch.files == ["app/main.py"]
    assert "-import os\n" in patch.diff and "+print(sys.argv)\n" in patch.diff
    applies(repo, patch.diff)
    assert (repo / "app/main.py").read_text().startswith("import os"), "the working copy is reset"


@pytest.mark.parametrize(
    ("files", "changed", "added"),
    [
        ({"requirements.txt": "requests==2.31.0\n"}, "requirements.txt", "+PyYAML\n"),
        (
            {"pyproject.toml": '[project]\nname = "x"\ndependencies = [\n    "requests",\n]\n'},
            "pyproject.toml",
            '+    "PyYAML",\n',
        ),
        (
            {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["requests"]\n'},
            "pyproject.toml",
            '"PyYAML"]',
        ),
    ],
)
async def test_a_missing_module_is_added_to_the_manifest_in_use(
    tmp_path: Path, files: dict[str, str], changed: str, added: str
) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "import yaml\n", **files})
    log = 'Traceback (most recent call last):\n  File "app.py", line 1, in <module>\n    import yaml\n'
    log += "ModuleNotFoundError: No module named 'yaml'\n"
    [patch] = await fix(log, repo)
    assert patch.proposal.fixer == "python-dependency" and patch.files == [changed]
    assert added in applies(repo, patch.diff)


async def test_without_a_manifest_the_pipelines_pip_install_gets_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "import yaml\n"})
    [patch] = await fix("ModuleNotFoundError: No module named 'yaml.constructor'\n", repo)
    assert patch.proposal.target is PatchTarget.PIPELINE
    assert "+        run: pip install pytest PyYAML\n" in patch.diff


async def test_a_local_or_standard_module_is_not_a_dependency(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"mypkg/__init__.py": "", "requirements.txt": ""})
    assert await fix("ModuleNotFoundError: No module named 'mypkg.sub'\n", repo) == []
    assert await fix("ModuleNotFoundError: No module named 'json'\n", repo) == []


async def test_a_script_gets_its_execute_bit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"scripts/build.sh": "#!/bin/sh\necho ok\n"})
    [patch] = await fix("/bin/sh: 1: ./scripts/build.sh: Permission denied\n", repo)
    assert patch.proposal.fixer == "execute-bit"
    assert "old mode 100644\nnew mode 100755" in applies(repo, patch.diff)
    assert not (repo / "scripts/build.sh").stat().st_mode & stat.S_IXUSR


async def test_a_misspelled_key_in_a_pipeline_file_of_the_repository(tmp_path: Path) -> None:
    text = PIPELINE.replace("  test:\n", "  test:\n    timout: 30\n")
    repo = make_repo(tmp_path / "r", {".conveyor.yml": text})
    log = "invalid pipeline definition:\nline 4: jobs.test.timout: unknown key 'timout'\n"
    [patch] = await fix(log, repo)
    assert patch.proposal.fixer == "pipeline-key" and patch.files == [".conveyor.yml"]
    assert "-    timout: 30\n+    timeout: 30\n" in applies(repo, patch.diff)


async def test_a_misspelled_step_key_in_the_stored_definition() -> None:
    text = PIPELINE.replace(
        "        run: pytest -q", "        run: pytest -q\n        continue-on-eror: true"
    )
    log = "line 9: jobs.test.steps[1].continue-on-eror: unknown key 'continue-on-eror'\n"
    [patch] = await fix(log, None, text)
    assert patch.proposal.target is PatchTarget.PIPELINE
    assert "+        continue-on-error: true\n" in patch.diff


async def test_a_timed_out_job_gets_twice_its_timeout() -> None:
    failed = FailedStep("test", "Test", 1, timed_out=True, job_timeout=5, step_timeout=None)
    [patch] = await fix("job timed out after 5s\n", None, PIPELINE, [failed], label="timeout")
    assert patch.proposal.fixer == "timeout"
    assert "   test:\n+    timeout: 10\n     steps:\n" in patch.diff


async def test_a_timed_out_step_gets_twice_its_own_timeout() -> None:
    text = PIPELINE.replace("        run: pytest -q", "        run: pytest -q\n        timeout: 3")
    failed = FailedStep("test", "Test", 1, timed_out=True, job_timeout=3600, step_timeout=3)
    [patch] = await fix("step 'Test' timed out after 3s\n", None, text, [failed], label="timeout")
    assert "-        timeout: 3\n+        timeout: 6\n" in patch.diff


async def test_a_network_failure_retries_the_job() -> None:
    failed = FailedStep("test", "Install", 0, timed_out=False, job_timeout=3600, step_timeout=None)
    log = "curl: (6) Could not resolve host: example.org\n"
    [patch] = await fix(log, None, PIPELINE, [failed], label="network")
    assert patch.proposal.fixer == "retry" and "+    retries: 2\n" in patch.diff


async def test_a_resolver_conflict_moves_the_pin(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"requirements.txt": "urllib3==1.20\nrequests==2.31.0\n"})
    log = """ERROR: Cannot install -r requirements.txt (line 2) and urllib3==1.20 because these package
versions have conflicting dependencies.

The conflict is caused by:
    The user requested urllib3==1.20
    requests 2.31.0 depends on urllib3<3 and >=1.21.1
"""
    log = log.replace("urllib3<3 and >=1.21.1", "urllib3>=1.21.1")
    [patch] = await fix(log, repo)
    assert patch.proposal.fixer == "dependency-conflict"
    assert "-urllib3==1.20\n+urllib3>=1.21.1\n" in applies(repo, patch.diff)


async def test_a_missing_npm_package_is_added(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"package.json": json.dumps({"name": "x", "dependencies": {}}) + "\n"})
    log = "Error: Cannot find module 'left-pad'\nRequire stack:\n- /w/index.js\n"
    [patch] = await fix(log, repo)
    assert patch.proposal.fixer == "npm-package"
    assert '"left-pad": "*"' in applies(repo, patch.diff)


async def test_nothing_fixable_gives_no_patch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.txt": "x\n"})
    assert await fix("FAILED tests/test_a.py::test_x - assert 1 == 2\n", repo) == []


@pytest.mark.parametrize("name", ["../etc/passwd", "/etc/passwd", ".git/config", "a/../../b"])
def test_a_diff_outside_the_repository_is_refused(name: str) -> None:
    with pytest.raises(UnsafeDiff):
        files_of(f"diff --git a/{name} b/{name}\n--- a/{name}\n+++ b/{name}\n@@ -1 +1 @@\n-x\n+y\n")
