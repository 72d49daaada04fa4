"""The security scan's fixture: a git repository with known problems."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.pipelines import commit, git

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "security" / "vulnerable-repo"
SARIF_SCHEMA = FIXTURE.parent / "sarif-schema-2.1.0.json"
# semgrep's own environment (scripts/bootstrap --dev): its pins conflict with Conveyor's
SEMGREP_TOOLS = Path(__file__).resolve().parents[2] / ".venv-semgrep" / "bin"


def vulnerable_repo(path: Path) -> Path:
    """A copy of the fixture as a git repository, whose history held a token removed since."""
    shutil.copytree(FIXTURE, path)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "ci@example.com")
    git(path, "config", "user.name", "CI")
    commit(
        path, {"deploy.py": 'TOKEN = "ghp_' + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8" + '"\n'}, "deploy script"
    )
    commit(
        path,
        {"deploy.py": "import os\n\nTOKEN = os.environ['TOKEN']\n"},
        "read the token from the environment",
    )
    return path
