"""What a server scan clones: a branch with only the history the secrets scanner reads; a commit
in full; a ref that is not there, a clear reason."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from conveyor.security.source import HISTORY_DEPTH, SourceError, fetch
from tests.support.pipelines import commit, git, make_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = make_repo(tmp_path_factory.mktemp("source") / "repo", {"a.txt": "0"})
    for n in range(1, HISTORY_DEPTH + 4):
        commit(path, {"a.txt": str(n)}, f"change {n}")
    return path


def test_a_branch_is_cloned_with_the_history_the_scan_reads(repo: Path, tmp_path: Path) -> None:
    head = asyncio.run(fetch(str(repo), ref="main", sha=None, dest=tmp_path / "src", limit=60))
    assert head == git(repo, "rev-parse", "HEAD")
    assert git(tmp_path / "src", "rev-list", "--count", "HEAD") == str(HISTORY_DEPTH)


def test_a_commit_is_cloned_in_full(repo: Path, tmp_path: Path) -> None:
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    assert asyncio.run(fetch(str(repo), ref=None, sha=first, dest=tmp_path / "src", limit=60)) == first


def test_a_missing_ref_is_named(repo: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="ref 'nope' not found"):
        asyncio.run(fetch(str(repo), ref="nope", sha=None, dest=tmp_path / "src", limit=60))
