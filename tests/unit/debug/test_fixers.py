"""Each built-in fixer on a real git working copy (or a pipeline definition), through ``generate``."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from conveyor.debug.analysis import FailedStep, diagnose_log
from conveyor.debug.fixers import BUILTIN_FIXERS, FixContext
from conveyor.debug.fixers.python_deps import distribution_of
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


async def test_ruff_fixes_only_the_violations_reported_in_the_files_named(tmp_path: Path) -> None:
    unrelated = "import json\nprint( 1 )\n"
    repo = make_repo(
        tmp_path / "r",
        {"app/main.py": "import os\nimport sys\nprint( sys.argv )\n", "app/other.py": unrelated},
    )
    log = (
        "$ ruff check .\napp/main.py:1:8: F401 [*] `os` imported but unused\n"
        "Found 1 error.\n[*] 1 fixable with the `--fix` option.\n"
    )
    [patch] = await fix(log, repo, label="lint_format")
    assert patch.proposal.fixer == "ruff" and patch.files == ["app/main.py"]
    assert "-import os\n" in patch.diff
    assert "+print(sys.argv)" not in patch.diff, "a lint fix does not reformat the file"
    assert "--select F401" in patch.proposal.explanation
    applies(repo, patch.diff)
    assert (repo / "app/main.py").read_text().startswith("import os"), "the working copy is reset"


async def test_ruffs_full_output_format_is_lint_and_gets_its_fix(tmp_path: Path) -> None:
    source = "import re\nfrom typing import Union, Optional\n\nX: Union[int, str] = 1\nprint( re )\n"
    repo = make_repo(tmp_path / "r", {"pkg/core.py": source})
    log = (
        "F401 [*] `typing.Optional` imported but unused\n --> pkg/core.py:2:27\n  |\n"
        "1 | import re\n2 | from typing import Union, Optional\n  |                           ^^^^^^^^\n"
        "help: Remove unused import: `typing.Optional`\n\nFound 1 error.\n[*] 1 fixable with `--fix`.\n"
    )
    diagnosis = await diagnose_log(log)
    assert diagnosis.result.label == "lint_format"
    assert next((e.error.tool, e.error.file, e.error.line) for e in diagnosis.errors) == (
        "ruff",
        "pkg/core.py",
        2,
    )
    [patch] = await fix(log, repo)
    assert "+from typing import Union\n" in applies(repo, patch.diff)
    assert "+print(re)" not in patch.diff


async def test_a_format_check_reformats_only_the_files_it_names(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"a.py": "x = [ 1,2 ]\n", "b.py": "y = [ 3,4 ]\n"})
    log = "$ ruff format --check .\nWould reformat: a.py\n1 file would be reformatted\n"
    [patch] = await fix(log, repo, label="lint_format")
    assert patch.files == ["a.py"] and "+x = [1, 2]\n" in applies(repo, patch.diff)


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


SIX_SETUP = """\
from setuptools import setup

setup(name="six",
      version="1.16.0",
      py_modules=["six"],
      python_requires=">=2.7",
      )
"""


@pytest.mark.parametrize(
    ("files", "changed", "added"),
    [
        (  # [project] without a dependencies key: the key is created at the end of the table
            {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\n\n[tool.ruff]\nline-length = 90\n'},
            "pyproject.toml",
            '+dependencies = ["PyYAML"]\n',
        ),
        ({"setup.py": SIX_SETUP}, "setup.py", '+      install_requires=["PyYAML"],\n'),
        (
            {
                "setup.py": 'from setuptools import setup\nREQUIRES = ["six"]\n'
                'setup(name="x", install_requires=REQUIRES)\n'
            },
            "setup.py",
            '+REQUIRES = ["six", "PyYAML"]\n',
        ),
        (
            {
                "setup.py": "from setuptools import setup\nsetup()\n",
                "setup.cfg": "[metadata]\nname = x\n\n[options]\ninstall_requires =\n    six\n\n"
                "[flake8]\nx = 1\n",
            },
            "setup.cfg",
            " six\n+    PyYAML\n",
        ),
        (
            {"pyproject.toml": '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.11"\n'},
            "pyproject.toml",
            '+PyYAML = "*"\n',
        ),
        (  # the pipeline installs requirements-dev.txt: that file, not requirements.txt
            {"requirements.txt": "six\n", "requirements-dev.txt": "pytest\n"},
            "requirements-dev.txt",
            "+PyYAML\n",
        ),
    ],
)
async def test_the_manifest_the_project_really_uses(
    tmp_path: Path, files: dict[str, str], changed: str, added: str
) -> None:
    repo = make_repo(tmp_path / "r", {"app.py": "import yaml\n", **files})
    definition = PIPELINE.replace("pip install pytest", "pip install -r requirements-dev.txt")
    [patch] = await fix("ModuleNotFoundError: No module named 'yaml'\n", repo, definition)
    assert patch.files == [changed], patch.diff
    assert added in applies(repo, patch.diff)
    subprocess.run(["git", "apply", "-"], cwd=repo, input=patch.diff, text=True, check=True)
    if changed == "setup.py":
        compile((repo / "setup.py").read_text(), "setup.py", "exec")  # still valid Python


async def test_a_package_installed_with_pip_install_dot_gets_it_in_its_metadata(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "x"\nversion = "1"\ndependencies = [\n  "six",\n]\n'
    repo = make_repo(tmp_path / "r", {"requirements.txt": "pytest\n", "pyproject.toml": pyproject})
    log = "$ pip install -e .[test]\nModuleNotFoundError: No module named 'cv2'\n"
    [patch] = await fix(log, repo)
    assert patch.files == ["pyproject.toml"] and '+  "opencv-python",\n' in applies(repo, patch.diff)


def test_module_names_map_to_their_distributions() -> None:
    wanted = {
        "yaml": "PyYAML",
        "cv2.data": "opencv-python",
        "PIL.Image": "Pillow",
        "sklearn.linear_model": "scikit-learn",
        "bs4": "beautifulsoup4",
        "google.protobuf.message": "protobuf",
        "pydantic_settings": "pydantic-settings",
        "requests": "requests",
    }
    assert {module: distribution_of(module) for module in wanted} == wanted


async def test_an_already_declared_distribution_is_not_added_again(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {"requirements.txt": "pyyaml>=6\n"})
    [patch] = await fix("ModuleNotFoundError: No module named 'yaml'\n", repo)
    assert patch.proposal.target is PatchTarget.PIPELINE, "the manifest has it: the install step lacks it"


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
