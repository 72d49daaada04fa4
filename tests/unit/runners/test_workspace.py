from __future__ import annotations

import os
from pathlib import Path

import pytest

from conveyor.executions.claims import Claim
from conveyor.pipelines.spec import parse_definition, plan_jobs
from conveyor.runners.workspace import CheckoutError, checkout, collect_artifacts, job_env
from tests.support.pipelines import commit, git, make_repo


def claim(definition: str = "jobs:\n  a:\n    env: {A: job}\n    steps: [{run: x}]\n") -> Claim:
    plan = plan_jobs(parse_definition(definition))[0]
    return Claim("job", plan.key, "exe", "pipe", "proj", 1, 1, 0, 0, plan, None, "main", None, "manual")


def test_job_env_is_clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CONVEYOR_JWT_SECRET", "server-only")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "server-only")
    env = job_env(claim(), tmp_path, {"TOKEN": "t0k3n", "CONVEYOR_WEBHOOK_SECRET": "hook"})
    assert env["PATH"] == os.environ["PATH"]
    assert env["CI"] == "true" and env["CI_JOB_NAME"] == "a" and env["CI_COMMIT_REF_NAME"] == "main"
    assert env["TOKEN"] == "t0k3n" and env["A"] == "job"
    assert not [name for name in env if name.startswith("CONVEYOR_")]
    assert "AWS_SECRET_ACCESS_KEY" not in env


async def test_checkout_by_branch_tag_and_sha(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"f.txt": "one"})
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "v1")
    git(repo, "checkout", "-q", "-b", "feature")
    second = commit(repo, {"f.txt": "two"}, "second")
    assert await checkout(str(repo), ref="feature", sha=None, dest=tmp_path / "w1") == second
    assert (tmp_path / "w1" / "f.txt").read_text() == "two"
    assert await checkout(str(repo), ref="v1", sha=None, dest=tmp_path / "w2") == first
    assert await checkout(str(repo), ref="main", sha=second, dest=tmp_path / "w3") == second
    with pytest.raises(CheckoutError, match="not found"):
        await checkout(str(repo), ref="nope", sha=None, dest=tmp_path / "w4")


def test_artifacts_by_glob_stay_inside_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "app.whl").write_bytes(b"wheel")
    (tmp_path / "reports" / "unit").mkdir(parents=True)
    (tmp_path / "reports" / "unit" / "r.xml").write_text("<xml/>")
    (tmp_path / "big.bin").write_bytes(b"x" * 100)
    deep = tmp_path / "reports" / "/".join(["d" * 250] * 4)
    deep.mkdir(parents=True)
    (deep / "r.xml").write_text("<deep/>")
    outside = tmp_path.parent / "outside.txt"
    outside.write_text("secret")
    (tmp_path / "link.txt").symlink_to(outside)
    warnings: list[str] = []
    files = collect_artifacts(
        tmp_path,
        ["dist/*.whl", "reports", "link.txt", "big.bin", "none/*"],
        max_bytes=50,
        warn=warnings.append,
    )
    kept = {file.path: (file.source.read_bytes(), file.size) for file in files}
    assert kept == {"dist/app.whl": (b"wheel", 5), "reports/unit/r.xml": (b"<xml/>", 6)}
    assert any("nothing matches 'none/*'" in w for w in warnings)
    assert any("big.bin skipped" in w for w in warnings)
    assert any("its path is over 1000 characters" in w for w in warnings)
