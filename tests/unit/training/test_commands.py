"""`conveyor debug evaluate` and `conveyor debug train`, which run code from training/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conveyor.debug.cli import debug_app, find_checkout
from training.debug.fit import CORPUS_PATH

runner = CliRunner()
REPOSITORY = Path(__file__).resolve().parents[3]


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


def test_the_checkout_is_found_from_inside_it_and_not_elsewhere(tmp_path: Path) -> None:
    assert find_checkout([REPOSITORY / "src" / "conveyor" / "debug"]) == REPOSITORY
    assert find_checkout([tmp_path]) is None


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_without_the_training_folder_the_commands_say_so(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As when installed from the wheel and run outside a checkout: training is not importable.
    monkeypatch.setitem(sys.modules, "training", None)
    monkeypatch.setattr("conveyor.debug.cli.find_checkout", lambda starts: None)
    result = runner.invoke(debug_app, [command])
    assert result.exit_code == 2
    assert "needs the training/ folder of a Conveyor source checkout" in result.stderr


def test_evaluate_holds_out_whole_sources_and_scores_the_untouched_set(tmp_path: Path) -> None:
    corpus = _small_corpus(tmp_path, per_label=20)
    result = runner.invoke(debug_app, ["evaluate", "--folds", "2", "--corpus", str(corpus)])
    assert result.exit_code == 0, result.output
    for source in ("template", "ci", "ecosystem"):
        assert f"holding out whole {source} groups" in result.stdout
    assert "Shipped model on real_logs_untouched.jsonl" in result.stdout
