from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conveyor.debug.cli import debug_app
from conveyor.debug.model import CORPUS_PATH

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


def _small_corpus(tmp_path: Path, per_label: int = 12) -> Path:
    kept: dict[str, int] = {}
    lines = []
    for line in CORPUS_PATH.read_text(encoding="utf-8").splitlines():
        label = json.loads(line)["label"]
        if kept.get(label, 0) < per_label:
            kept[label] = kept.get(label, 0) + 1
            lines.append(line)
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_evaluate_prints_metrics_and_confusion_matrix(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path)
    result = runner.invoke(
        debug_app, ["evaluate", "--folds", "3", "--corpus", str(corpus), "--no-by-template"]
    )
    assert result.exit_code == 0, result.output
    for expected in ("accuracy", "macro-F1", "top-3 accuracy", "precision", "recall", "Confusion matrix"):
        assert expected in result.stdout


def test_train_writes_a_loadable_model(tmp_path: Path) -> None:
    output = tmp_path / "model.joblib"
    result = runner.invoke(
        debug_app, ["train", "--corpus", str(_small_corpus(tmp_path)), "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    assert output.stat().st_size > 0


def test_evaluate_scores_a_holdout_file_with_the_shipped_model(tmp_path: Path) -> None:
    holdout = tmp_path / "holdout.jsonl"
    rows = [
        {"label": "disk_space", "log": "write /tmp/x: no space left on device"},
        {"label": "network", "log": "curl: (6) Could not resolve host: example.org"},
    ]
    holdout.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    result = runner.invoke(debug_app, ["evaluate", "--holdout", str(holdout)])
    assert result.exit_code == 0, result.output
    assert "Shipped model on holdout.jsonl" in result.stdout
    assert "accuracy 1.0000" in result.stdout
