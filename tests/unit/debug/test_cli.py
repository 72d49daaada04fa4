from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conveyor.debug.cli import debug_app

runner = CliRunner()


def test_classify_file_prints_result_json(tmp_path: Path) -> None:
    log = tmp_path / "job.log"
    log.write_text(
        "Run cargo test\ntest parser::tests::empty ... FAILED\ntest result: FAILED. 3 passed; 1 failed\n"
    )
    result = runner.invoke(debug_app, ["classify", str(log)])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["label"] == "test_failure"
    assert payload["errors"][0]["tool"] == "cargo"


def test_classify_reads_stdin() -> None:
    result = runner.invoke(debug_app, ["classify", "-"], input="E: Unable to locate package libfoo-dev\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["label"] == "dependency_missing"


def test_classify_rejects_binary_file_with_exit_code_2(tmp_path: Path) -> None:
    junk = tmp_path / "core.bin"
    junk.write_bytes(b"\x00\x01\x02" * 1000)
    result = runner.invoke(debug_app, ["classify", str(junk)])
    assert result.exit_code == 2
    assert "not text" in result.stderr


def test_classify_missing_file_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(debug_app, ["classify", str(tmp_path / "absent.log")])
    assert result.exit_code == 2
