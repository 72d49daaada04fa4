"""Settings come from CONVEYOR_* variables (any case); values given to the constructor win."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from conveyor.config import Settings


def test_variables_fill_the_fields_and_the_constructor_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_PORT", "9001")
    monkeypatch.setenv("conveyor_keep_workspaces", "true")
    monkeypatch.setenv("CONVEYOR_RUNNER_LABELS", "gpu, linux")
    monkeypatch.setenv("CONVEYOR_ALLOWED_REPO_ROOTS", "/srv/a:/srv/b")
    monkeypatch.setenv("CONVEYOR_NOT_A_SETTING", "ignored")
    settings = Settings(port=9002)
    assert settings.port == 9002
    assert settings.keep_workspaces is True
    assert settings.runner_labels == ["gpu", "linux"]
    assert settings.allowed_repo_roots == [Path("/srv/a"), Path("/srv/b")]
    assert Settings().port == 9001


def test_a_bad_variable_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_SANDBOX", "chroot")
    with pytest.raises(ValidationError, match="sandbox"):
        Settings()
