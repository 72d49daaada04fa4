"""What ``conveyor debug evaluate`` and ``conveyor debug train`` do, with their printed reports."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from conveyor.debug.model import MODEL_PATH, load_model
from training.debug.evaluation import (
    REPOSITORY,
    SOURCES,
    Evaluation,
    SplitEvaluation,
    cross_validate_split,
    evaluate_model,
)
from training.debug.fit import CORPUS_PATH, SEED, CorpusRecord, featurize, save_model, train_model
from training.debug.records import EXTERNAL_DEV_PATH, REAL_PROVENANCE, REAL_TRAIN_PATH, load_training_records
from training.debug.selection import score_candidates

UNTOUCHED_PATH = (
    Path(__file__).resolve().parents[2] / "tests" / "data" / "debug" / "real_logs_untouched.jsonl"
)

console = Console(width=160)


def evaluate(
    *, folds: int, corpus: Path | None, by_template: bool, holdouts: list[Path], select: bool = False
) -> None:
    """CV on the corpus, stratified and leave-source-out, then the untouched set and any holdouts.

    With holdouts given, only they are scored (the shipped model, no cross-validation).
    """
    if not holdouts:
        records = load_training_records(corpus or CORPUS_PATH, REAL_TRAIN_PATH if corpus is None else None)
        documents = [featurize(record.log) for record in records]
        print_split(
            f"Stratified {folds}-fold CV on {len(records)} examples (memorises templates)",
            cross_validate_split(records, documents, folds, SEED, None),
        )
        has_real = any(record.provenance == REAL_PROVENANCE for record in records)
        for source in SOURCES if by_template else ():
            if source == REPOSITORY and not has_real:
                continue
            print_split(
                f"{folds}-fold CV holding out whole {source} groups (leave-source-out)",
                cross_validate_split(records, documents, folds, SEED, source),
            )
        if select:
            print_selection(records, folds)
        holdouts = [path for path in (UNTOUCHED_PATH, EXTERNAL_DEV_PATH) if path.is_file()]
    for path in holdouts:
        print_evaluation(f"Shipped model on {path.name}", score_holdout(path))


def print_split(title: str, split: SplitEvaluation) -> None:
    print_evaluation(title, split.overall)
    if split.real is not None:
        print_evaluation(f"{title}: the real excerpts alone", split.real)


def print_selection(records: list[CorpusRecord], folds: int) -> None:
    candidates = score_candidates(records, folds)
    splits = list(candidates[0].macro_f1)
    table = Table("C", "real weight", *[f"{split}-out macro-F1" for split in splits], "mean")
    for candidate in candidates:
        table.add_row(
            str(candidate.svm_c),
            str(candidate.real_weight),
            *[f"{candidate.macro_f1[split]:.4f}" for split in splits],
            f"{candidate.mean:.4f}",
        )
    console.print("[bold]Model selection by leave-source-out CV on the real excerpts (best first)[/bold]")
    console.print(table)


def train(*, corpus: Path | None, output: Path | None, seed: int) -> None:
    """Rebuild the model artifact from the corpus."""
    source, target = corpus or CORPUS_PATH, output or MODEL_PATH
    model = train_model(source, seed, REAL_TRAIN_PATH if corpus is None else None)
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
