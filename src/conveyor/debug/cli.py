"""``conveyor debug``: classify a log; from a source checkout, evaluate and rebuild the model.

``train`` and ``evaluate`` run code and data from the repository's top-level ``training/``
folder, which the package does not ship: they find it from the current directory (or from
where this package lives, for an editable install) and say so clearly when it is absent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Final

import typer

from conveyor.debug.normalize import MAX_LOG_BYTES
from conveyor.debug.schemas import InvalidLogError

TRAINING_MARKER: Final = Path("training") / "debug" / "__init__.py"
DEFAULT_SEED: Final = 1337

debug_app = typer.Typer(help="Diagnose failed CI runs: find the errors in a log and classify the cause.")


@debug_app.command()
def classify(
    log_file: Annotated[str, typer.Argument(metavar="FILE", help="Log file, or - for stdin.")],
) -> None:
    """Print the diagnosis of a CI log as JSON."""
    # scikit-learn is imported inside the commands so that `conveyor --help` stays fast.
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
    corpus: Annotated[Path | None, typer.Option(help="Corpus JSON Lines file (default: training's).")] = None,
    by_template: Annotated[
        bool, typer.Option(help="Also hold out whole templates, CI systems and ecosystems per fold.")
    ] = True,
    holdout: Annotated[
        list[Path] | None,
        typer.Option(help="Labelled JSON Lines file ({label, log}) to score the shipped model on."),
    ] = None,
    select: Annotated[
        bool, typer.Option(help="Also score the candidate settings by leave-source-out CV.")
    ] = False,
) -> None:
    """Print CV on the corpus (stratified, leave-source-out) and the shipped model's real-log scores."""
    require_training("evaluate")
    from training.debug import commands

    commands.evaluate(
        folds=folds, corpus=corpus, by_template=by_template, holdouts=holdout or [], select=select
    )


@debug_app.command()
def train(
    corpus: Annotated[Path | None, typer.Option(help="Corpus JSON Lines file (default: training's).")] = None,
    output: Annotated[Path | None, typer.Option(help="Where to write the model (default: shipped).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = DEFAULT_SEED,
) -> None:
    """Rebuild the shipped model artifact from the corpus (deterministic)."""
    require_training("train")
    from training.debug import commands

    commands.train(corpus=corpus, output=output, seed=seed)


def require_training(command: str) -> None:
    """Make ``training.debug`` importable from the checkout, or exit with a clear message."""
    try:
        import training.debug  # noqa: F401
    except ImportError:
        root = find_checkout([Path.cwd(), Path(__file__).resolve().parent])
        if root is None:
            typer.echo(
                f"error: `conveyor debug {command}` needs the training/ folder of a Conveyor source "
                "checkout (it is not shipped in the package); run it from the repository.",
                err=True,
            )
            raise typer.Exit(code=2) from None
        sys.path.insert(0, str(root))


def find_checkout(starts: list[Path]) -> Path | None:
    """The first directory at or above one of ``starts`` that holds ``training/debug``."""
    for start in starts:
        for directory in [start, *start.parents]:
            if (directory / TRAINING_MARKER).is_file():
                return directory
    return None


def _read_input(log_file: str) -> bytes:
    if log_file == "-":
        return sys.stdin.buffer.read(MAX_LOG_BYTES + 1)
    with Path(log_file).open("rb") as handle:
        return handle.read(MAX_LOG_BYTES + 1)
