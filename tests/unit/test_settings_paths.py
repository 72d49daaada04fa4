"""Directories given relative (the default ./.conveyor) are fixed to absolute paths at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor.config import Settings


def test_relative_directories_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CONVEYOR_DATA_DIR", raising=False)
    assert Settings().data_dir == tmp_path / ".conveyor"
    assert Settings(workspaces_dir=Path("ws")).resolved_workspaces_dir == tmp_path / "ws"
    assert Settings().resolved_workspaces_dir == tmp_path / ".conveyor" / "workspaces"
