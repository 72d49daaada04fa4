"""What ``conveyor debug evaluate`` and ``conveyor debug train`` do, with their printed reports."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from conveyor.debug.model import MODEL_PATH, load_model
from training.debug.evaluation import Evaluation, cross_validate, evaluate_model
from training.debug.fit import CORPUS_PATH, load_corpus, save_model, train_model

console = Console(width=160)


def evaluate(*, folds: int, corpus: Path | None, by_template: bool, holdouts: list[Path]) -> None:
    """Cross-validate on the corpus (unless holdouts are given) and score the shipped model on each."""
    if not holdouts:
        records = load_corpus(corpus or CORPUS_PATH)
        print_evaluation(
            f"Stratified {folds}-fold CV on {len(records)} examples", cross_validate(records, folds)
        )
        if by_template:
            grouped = cross_validate(records, folds, by_template=True)
            print_evaluation(f"{folds}-fold CV holding out whole templates", grouped)
    for path in holdouts:
        print_evaluation(f"Shipped model on {path.name}", score_holdout(path))


def train(*, corpus: Path | None, output: Path | None, seed: int) -> None:
    """Rebuild the model artifact from the corpus."""
    source, target = corpus or CORPUS_PATH, output or MODEL_PATH
    model = train_model(source, seed)
    save_model(model, target)
    typer.echo(f"trained on {source} (sha256 {model.corpus_sha256[:12]}), wrote {target}")


def score_holdout(path: Path) -> Evaluation:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return evaluate_model(load_model(), [row["log"] for row in rows], [row["label"] for row in rows])


def print_evaluation(title: str, evaluation: Evaluation) -> None:
    console.print(f"[bold]{title}[/bold]")
    console.print(
        f"accuracy {evaluation.accuracy:.4f}   macro-F1 {evaluation.macro_f1:.4f}   "
        f"top-3 accuracy {evaluation.top3_accuracy:.4f}   n={evaluation.size}"
    )
    scores = Table("label", "precision", "recall", "f1", "support")
    for label, item in evaluation.per_label.items():
        scores.add_row(
            label, f"{item.precision:.3f}", f"{item.recall:.3f}", f"{item.f1:.3f}", str(item.support)
        )
    console.print(scores)
    console.print("Confusion matrix (rows: true label, columns: predicted, first 6 letters)")
    matrix = Table("true \\ predicted", *[label[:6] for label in evaluation.labels])
    for label, row in zip(evaluation.labels, evaluation.confusion, strict=True):
        matrix.add_row(label, *[str(count) if count else "." for count in row])
    console.print(matrix)
