"""A step's directory is found inside a workspace given by a relative path (the default data dir)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.runners.job import _working_directory


def test_a_relative_workspace_and_its_subdirectories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".conveyor" / "workspaces" / "job" / "src").mkdir(parents=True)
    workspace = Path(".conveyor/workspaces/job")
    assert _working_directory(workspace, None) == tmp_path / ".conveyor" / "workspaces" / "job"
    assert _working_directory(workspace, "src") == tmp_path / ".conveyor" / "workspaces" / "job" / "src"
    assert _working_directory(workspace, "../..") is None
    assert _working_directory(workspace, "missing") is None
