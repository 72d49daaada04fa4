"""``conveyor advisories import PATH`` and ``status``: the shipped snapshot on first use, imports
from a folder or zip of OSV JSON/YAML, a malformed file refused with its name."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conveyor.cli import app

NPM_ADVISORY = {
    "id": "GHSA-test-0001",
    "modified": "2025-01-01T00:00:00Z",
    "aliases": ["CVE-2099-0001"],
    "summary": "Prototype pollution",
    "affected": [
        {
            "package": {"ecosystem": "npm", "name": "lodash"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}],
        }
    ],
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONVEYOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CONVEYOR_DATABASE_URL", raising=False)
    return tmp_path


def _status() -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(app, ["advisories", "status"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_status_loads_the_shipped_snapshot_and_imports_add_and_update(env: Path) -> None:
    shipped = _status()
    assert shipped["advisories"] > 2600 and list(shipped["sources"]) == ["pypa-advisory-database@3ccb612"]
    archive = env / "npm.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("advisories/GHSA-test-0001.json", json.dumps(NPM_ADVISORY))
    added = CliRunner().invoke(app, ["advisories", "import", str(archive)])
    assert added.exit_code == 0 and "1 added, 0 updated" in added.output
    folder = env / "yaml"
    folder.mkdir()
    newer = {**NPM_ADVISORY, "modified": "2025-06-01T00:00:00Z"}
    (folder / "GHSA-test-0001.yml").write_text(json.dumps(newer))  # JSON is YAML
    updated = CliRunner().invoke(app, ["advisories", "import", str(folder)])
    assert updated.exit_code == 0 and "0 added, 1 updated" in updated.output
    after = _status()
    assert after["advisories"] == shipped["advisories"] + 1
    assert after["newestModified"].startswith("2025-06-01")


def test_a_malformed_file_refuses_the_import(env: Path) -> None:
    folder = env / "bad"
    folder.mkdir()
    (folder / "good.json").write_text(json.dumps(NPM_ADVISORY))
    (folder / "broken.json").write_text("{")
    result = CliRunner().invoke(app, ["advisories", "import", str(folder)])
    assert result.exit_code == 2 and "broken.json: malformed" in result.output
