"""Compare candidate classifiers the way issue #17 chooses them: on real excerpts nobody tuned for.

``python -m training.debug.compare CANDIDATE...`` (names of ``training.debug.candidates.CANDIDATES``;
``--list`` prints them) scores each candidate on

(a) 5-fold leave-repository-out CV of the real training excerpts (``evaluation.repository_folds``,
    seed 1337; the generated corpus always trains): accuracy / macro-F1 / top-3 and per-label F1;
(b) leave-batch-out: each collection batch of ``real_train.jsonl`` (``1-4`` for the excerpts taken in
    before batch 5, then 5, 6, ...) held out in turn, trained on everything else: the closest proxy for
    "a fresh collection nobody tuned for"; per batch and pooled over all held-out rows;
(c) the external development set (``external_dev.jsonl``), the model trained on everything;
(d) the canonical Python import failure's p(dependency_missing) under that same model (a guard: one
    mislabelled excerpt once pulled it to configuration, see the training data README).

The untouched real-log set plays no part here. Featurized documents are cached on disk (keyed by the
log and the source of ``conveyor.debug``, so a feature change invalidates them); each fold's feature
matrices are computed once and shared by the candidates with the same feature set, so a candidate
costs its classifier fits. Folds run in at most ``--jobs`` processes (2 by default; run it ``nice``d).
Results, with each held-out row's truth and top-3, go to ``.cache/compare/results/NAME.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from joblib import Parallel, delayed

import conveyor.debug
from training.debug.candidates import CANDIDATES, Candidate
from training.debug.evaluation import Evaluation, FloatArray, in_order, repository_folds, score
from training.debug.fit import SEED, featurize
from training.debug.records import (
    EXTERNAL_DEV_PATH,
    REAL_PROVENANCE,
    REAL_TRAIN_PATH,
    CorpusRecord,
    load_corpus,
    load_real,
    load_real_batches,
    read_labelled,
)

ROOT: Final = Path(__file__).resolve().parents[2]
CACHE_DIR: Final = ROOT / ".cache" / "compare"
REPOSITORY_FOLDS: Final = 5
# README, sixth part: the canonical Python import failure of tests/unit/debug/test_classify.py.
CANONICAL_IMPORT_FAILURE: Final = (
    'Traceback (most recent call last):\n  File "app/main.py", line 2, in <module>\n'
    "    import yaml\nModuleNotFoundError: No module named 'yaml'\n"
)
CANONICAL_LABEL: Final = "dependency_missing"
EARLY_BATCHES: Final = "1-4"

IntArray = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True)
class Fold:
    """Training rows and held-out rows (indices into the records); ``kind`` says which evaluation."""

    kind: str  # "repository", "batch" or "full" (trained on everything; scores the extra documents)
    name: str
    train: IntArray
    test: IntArray


def batch_name(batch: int | None) -> str:
    return EARLY_BATCHES if batch is None else str(batch)


def batch_folds(records: Sequence[CorpusRecord], batches: Sequence[str | None]) -> list[Fold]:
    """One fold per collection batch: its real rows held out, everything else (generated too) trains
    but for the other batches' rows of the held-out rows' repositories.

    Intake routes a repository's later records to the side it already has, whatever their batch, so
    a repository can span batches; keeping its other rows out makes a held-out batch as new to the
    model as a fresh collection is. ``batches[i]`` is the batch of a real record, ``None`` for a
    generated one.
    """
    if len(batches) != len(records):
        raise ValueError("one batch per record")
    generated = [i for i, record in enumerate(records) if record.provenance != REAL_PROVENANCE]
    if any(batches[i] is not None for i in generated):
        raise ValueError("generated records belong to no batch")
    names = sorted({batch for batch in batches if batch is not None}, key=_batch_order)
    folds = []
    for name in names:
        test = np.array([i for i, batch in enumerate(batches) if batch == name], dtype=np.int64)
        held_out = {records[i].template for i in test}
        train = np.array(
            [
                i
                for i, batch in enumerate(batches)
                if batch != name and (batch is None or records[i].template not in held_out)
            ],
            dtype=np.int64,
        )
        folds.append(Fold("batch", name, train, test))
    return folds


def _batch_order(name: str) -> tuple[int, str]:
    return (0, name) if name == EARLY_BATCHES else (int(name), name)


def all_folds(records: Sequence[CorpusRecord], batches: Sequence[str | None]) -> list[Fold]:
    """Repository-out folds, batch-out folds and the full fit, in that order."""
    labels = np.array([record.label for record in records])
    repository = [
        Fold("repository", str(number), np.asarray(train, dtype=np.int64), np.asarray(test, dtype=np.int64))
        for number, (train, test) in enumerate(repository_folds(records, labels, REPOSITORY_FOLDS, SEED))
    ]
    everything = np.arange(len(records), dtype=np.int64)
    return [*repository, *batch_folds(records, batches), Fold("full", "all", everything, everything[:0])]


# --- featurized documents, cached on disk -----------------------------------------------------------


def _source_fingerprint() -> str:
    """A digest of ``conveyor.debug``'s source: featurize() depends on nothing else."""
    digest = hashlib.sha256()
    package = Path(conveyor.debug.__file__).parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_documents(logs: Sequence[str], cache_dir: Path = CACHE_DIR) -> list[str]:
    """``featurize(log)`` for each log, read from and written to the cache."""
    path = cache_dir / f"documents-{_source_fingerprint()}.json"
    cache: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    keys = [hashlib.sha256(log.encode()).hexdigest() for log in logs]
    missing = {key: log for key, log in zip(keys, logs, strict=True) if key not in cache}
    if missing:
        cache.update({key: featurize(log) for key, log in missing.items()})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(cache), encoding="utf-8")
    return [cache[key] for key in keys]


# --- fitting ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FoldResult:
    fold: Fold
    classes: dict[str, tuple[str, ...]]  # per candidate
    proba: dict[str, FloatArray]  # per candidate: rows of fold.test, then the extra documents


def run_fold(
    fold: Fold,
    candidates: Sequence[Candidate],
    records: Sequence[CorpusRecord],
    documents: Sequence[str],
    extra: Sequence[str],
) -> FoldResult:
    """Fit every candidate on the fold's training rows; probabilities of its held-out rows (and extra)."""
    train_records = [records[i] for i in fold.train]
    train_documents = [documents[i] for i in fold.train]
    test_documents = [documents[i] for i in fold.test] + (list(extra) if fold.kind == "full" else [])
    labels = np.array([record.label for record in train_records])
    matrices: dict[str, tuple[Any, Any]] = {}
    started = time.monotonic()
    classes: dict[str, tuple[str, ...]] = {}
    proba: dict[str, FloatArray] = {}
    for candidate in candidates:
        if candidate.features_key not in matrices:
            union = candidate.features()
            train_matrix = union.fit_transform(train_documents)
            matrices[candidate.features_key] = (train_matrix, union.transform(test_documents))
        train_matrix, test_matrix = matrices[candidate.features_key]
        model = candidate.classifier(train_records)
        model.fit(train_matrix, labels, sample_weight=candidate.weights(train_records))
        print(f"{fold.kind} {fold.name} {candidate.name}: {time.monotonic() - started:.0f}s", file=sys.stderr)
        classes[candidate.name] = tuple(str(label) for label in model.classes_)
        proba[candidate.name] = np.asarray(model.predict_proba(test_matrix), dtype=np.float64)
    return FoldResult(fold, classes, proba)


@dataclass(frozen=True)
class Report:
    name: str
    repository: Evaluation
    batches: dict[str, Evaluation]
    batches_pooled: Evaluation
    external: Evaluation
    canonical: float
    misses: list[dict[str, Any]]

    def row(self) -> str:
        """A markdown table row: (a) | (b) pooled | (b) per batch accuracy | (c) | (d)."""
        per_batch = " / ".join(f"{evaluation.accuracy:.3f}" for evaluation in self.batches.values())
        return (
            f"| {self.name} | {_triple(self.repository)} | {_triple(self.batches_pooled)} | {per_batch} "
            f"| {_triple(self.external)} | {self.canonical:.3f} |"
        )


def _triple(evaluation: Evaluation) -> str:
    return f"{evaluation.accuracy:.3f} / {evaluation.macro_f1:.3f} / {evaluation.top3_accuracy:.3f}"


def compare(
    candidates: Sequence[Candidate],
    records: Sequence[CorpusRecord],
    batches: Sequence[str | None],
    external: Sequence[tuple[str, str]],
    jobs: int = 2,
    cache_dir: Path = CACHE_DIR,
) -> list[Report]:
    """Score every candidate on (a)-(d); ``external`` is (label, log) pairs."""
    documents = cached_documents([record.log for record in records], cache_dir)
    extra = [*cached_documents([log for _, log in external], cache_dir), featurize(CANONICAL_IMPORT_FAILURE)]
    folds = all_folds(records, batches)
    results: list[FoldResult] = Parallel(n_jobs=jobs)(
        delayed(run_fold)(fold, candidates, records, documents, extra) for fold in folds
    )
    labels = [record.label for record in records]
    order = tuple(sorted(set(labels)))
    return [_report(candidate.name, results, labels, order, external) for candidate in candidates]


def _report(
    name: str,
    results: Sequence[FoldResult],
    labels: Sequence[str],
    order: tuple[str, ...],
    external: Sequence[tuple[str, str]],
) -> Report:
    out_of_fold: dict[str, FloatArray] = {}
    rows: dict[str, list[int]] = {}
    batches: dict[str, Evaluation] = {}
    for result in results:
        proba = in_order(result.proba[name], result.classes[name], order)
        kind, fold = result.fold.kind, result.fold
        if kind == "full":
            external_proba, canonical = proba[: len(external)], proba[len(external)]
            continue
        held_out = proba[: len(fold.test)]
        out_of_fold.setdefault(kind, np.zeros((len(labels), len(order))))[fold.test] = held_out
        rows.setdefault(kind, []).extend(int(i) for i in fold.test)
        if kind == "batch":
            batches[fold.name] = score([labels[i] for i in fold.test], held_out, order)
    evaluations = {
        kind: score([labels[i] for i in rows[kind]], out_of_fold[kind][rows[kind]], order) for kind in rows
    }
    misses = [
        {"row": i, "kind": kind, "truth": labels[i], "top3": [order[j] for j in np.argsort(-proba)[:3]]}
        for kind in rows
        for i in rows[kind]
        for proba in [out_of_fold[kind][i]]
        if order[int(proba.argmax())] != labels[i]
    ]
    return Report(
        name=name,
        repository=evaluations["repository"],
        batches=batches,
        batches_pooled=evaluations["batch"],
        external=score([label for label, _ in external], external_proba, order),
        canonical=float(canonical[order.index(CANONICAL_LABEL)]),
        misses=misses,
    )


# --- command line -----------------------------------------------------------------------------------


def load_inputs(
    real_path: Path = REAL_TRAIN_PATH,
) -> tuple[list[CorpusRecord], list[str | None], list[tuple[str, str]]]:
    """The generated corpus then the real excerpts, each row's batch, and the external set."""
    generated, real = load_corpus(), load_real(real_path)
    batches = [None] * len(generated) + [batch_name(batch) for batch in load_real_batches(real_path)]
    external = [(row["label"], row["log"]) for row in read_labelled(EXTERNAL_DEV_PATH)]
    return generated + real, batches, external


def print_report(report: Report) -> None:
    print(f"\n== {report.name}")
    for title, evaluation in (
        ("(a) repository-out CV", report.repository),
        ("(b) leave-batch-out, pooled", report.batches_pooled),
        *((f"    batch {name} (n={item.size})", item) for name, item in report.batches.items()),
        ("(c) external dev", report.external),
    ):
        print(f"{title:34} {_triple(evaluation)}")
    print(f"(d) canonical import failure p({CANONICAL_LABEL}) {report.canonical:.3f}")
    for kind, evaluation in (("a", report.repository), ("b", report.batches_pooled)):
        scores = " ".join(f"{label[:8]}={item.f1:.2f}" for label, item in evaluation.per_label.items())
        print(f"per-label F1 ({kind}): {scores}")


def save_report(report: Report, directory: Path = CACHE_DIR / "results") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{report.name}.json"
    summary = {
        "repository": _summary(report.repository),
        "batches": {name: _summary(item) for name, item in report.batches.items()},
        "batches_pooled": _summary(report.batches_pooled),
        "external": _summary(report.external),
        "canonical": report.canonical,
        "misses": report.misses,
    }
    path.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return path


def _summary(evaluation: Evaluation) -> dict[str, Any]:
    return {
        "accuracy": evaluation.accuracy,
        "macro_f1": evaluation.macro_f1,
        "top3": evaluation.top3_accuracy,
        "n": evaluation.size,
        "f1": {label: item.f1 for label, item in evaluation.per_label.items()},
        "labels": list(evaluation.labels),
        "confusion": evaluation.confusion,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("candidates", nargs="*", help="names in training.debug.candidates.CANDIDATES")
    parser.add_argument("--jobs", type=int, default=2, help="folds fitted at once (default 2)")
    parser.add_argument("--list", action="store_true", help="print the candidates and exit")
    args = parser.parse_args(argv)
    if args.list or not args.candidates:
        for candidate in CANDIDATES.values():
            print(f"{candidate.name:28} {candidate.description}")
        return
    unknown = [name for name in args.candidates if name not in CANDIDATES]
    if unknown:
        parser.error(f"unknown candidates: {', '.join(unknown)}")
    records, batches, external = load_inputs()
    reports = compare([CANDIDATES[name] for name in args.candidates], records, batches, external, args.jobs)
    for report in reports:
        print_report(report)
        save_report(report)
    print(
        "\n| candidate | (a) repository-out | (b) batch-out pooled | (b) per batch acc | (c) external | (d) |"
    )
    for report in reports:
        print(report.row())


if __name__ == "__main__":
    main()
