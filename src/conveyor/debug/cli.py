"""``conveyor debug``: classify a log, evaluate the classifier, rebuild the model."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from conveyor.debug.normalize import MAX_LOG_BYTES
from conveyor.debug.schemas import InvalidLogError

if TYPE_CHECKING:
    from conveyor.debug.training import Evaluation

# scikit-learn is imported inside the commands so that `conveyor --help` stays fast.
DATA_DIR = Path(__file__).resolve().parent / "data"
CORPUS_PATH = DATA_DIR / "corpus.jsonl"
MODEL_PATH = DATA_DIR / "model.joblib"
DEFAULT_SEED = 1337

debug_app = typer.Typer(help="Diagnose failed CI runs: find the errors in a log and classify the cause.")
console = Console(width=160)


@debug_app.command()
def classify(
    log_file: Annotated[str, typer.Argument(metavar="FILE", help="Log file, or - for stdin.")],
) -> None:
    """Print the diagnosis of a CI log as JSON."""
    from conveyor.debug.classify import classify_log

    try:
        data = _read_input(log_file)
        result = classify_log(data)
    except (InvalidLogError, OSError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from error
    typer.echo(json.dumps(result.model_dump(), indent=2, ensure_ascii=False))


@debug_app.command()
def evaluate(
    folds: Annotated[int, typer.Option(min=2, help="Number of cross-validation folds.")] = 5,
    corpus: Annotated[Path, typer.Option(help="Corpus JSON Lines file.")] = CORPUS_PATH,
    by_template: Annotated[
        bool, typer.Option(help="Also hold out whole templates per fold (harder, more honest).")
    ] = True,
    holdout: Annotated[
        list[Path] | None,
        typer.Option(help="Labelled JSON Lines file ({label, log}) to score the shipped model on."),
    ] = None,
) -> None:
    """Print cross-validated metrics on the corpus (stratified and by template) and holdout scores."""
    from conveyor.debug.training import cross_validate, load_corpus

    if not holdout:
        records = load_corpus(corpus)
        _print_evaluation(
            f"Stratified {folds}-fold CV on {len(records)} examples", cross_validate(records, folds)
        )
        if by_template:
            grouped = cross_validate(records, folds, by_template=True)
            _print_evaluation(f"{folds}-fold CV holding out whole templates", grouped)
    for path in holdout or []:
        _print_evaluation(f"Shipped model on {path.name}", _score_holdout(path))


@debug_app.command()
def train(
    corpus: Annotated[Path, typer.Option(help="Corpus JSON Lines file.")] = CORPUS_PATH,
    output: Annotated[Path, typer.Option(help="Where to write the model artifact.")] = MODEL_PATH,
    seed: Annotated[int, typer.Option(help="Random seed.")] = DEFAULT_SEED,
) -> None:
    """Rebuild the shipped model artifact from the corpus (deterministic)."""
    from conveyor.debug.model import save_model
    from conveyor.debug.training import train_model

    model = train_model(corpus, seed)
    save_model(model, output)
    typer.echo(f"trained on {corpus} (sha256 {model.corpus_sha256[:12]}), wrote {output}")


def _score_holdout(path: Path) -> Evaluation:
    from conveyor.debug.model import load_model
    from conveyor.debug.training import evaluate_model

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return evaluate_model(load_model(), [row["log"] for row in rows], [row["label"] for row in rows])


def _read_input(log_file: str) -> bytes:
    if log_file == "-":
        return sys.stdin.buffer.read(MAX_LOG_BYTES + 1)
    with Path(log_file).open("rb") as handle:
        return handle.read(MAX_LOG_BYTES + 1)


def _print_evaluation(title: str, evaluation: Evaluation) -> None:
    console.print(f"[bold]{title}[/bold]")
    console.print(
        f"accuracy {evaluation.accuracy:.4f}   macro-F1 {evaluation.macro_f1:.4f}   "
        f"top-3 accuracy {evaluation.top3_accuracy:.4f}   n={evaluation.size}"
    )
    scores = Table("label", "precision", "recall", "f1", "support")
    for label, item in evaluation.per_label.items():
        scores.add_row(
            label,
            f"{item.precision:.3f}",
            f"{item.recall:.3f}",
            f"{item.f1:.3f}",
            str(item.support),
        )
    console.print(scores)
    console.print("Confusion matrix (rows: true label, columns: predicted, first 6 letters)")
    matrix = Table("true \\ predicted", *[label[:6] for label in evaluation.labels])
    for label, row in zip(evaluation.labels, evaluation.confusion, strict=True):
        matrix.add_row(label, *[str(count) if count else "." for count in row])
    console.print(matrix)
