"""Score the failure classifier: cross-validation on the corpus and held-out labelled logs.

Stratified CV memorises templates and overstates the score on real logs. The splits that predict
it hold out whole sources: every example of a template, a CI system or an ecosystem lands in the
same fold (``hold_out``), so the model is scored on shapes it never saw; the untouched real-log
set (``tests/data/debug/real_logs_untouched.jsonl``) is scored once, never used to choose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold, StratifiedKFold

from conveyor.debug.model import TrainedModel
from training.debug.fit import REAL_WEIGHT, SEED, SVM_C, CorpusRecord, build_pipeline, featurize, fit_pipeline
from training.debug.records import REAL_PROVENANCE

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class LabelScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    macro_f1: float
    top3_accuracy: float
    per_label: dict[str, LabelScores]
    confusion: list[list[int]]
    labels: tuple[str, ...]
    size: int


# What a leave-source-out split holds out, as the corpus field that names the source; ``repository``
# holds out the real excerpts a repository at a time while the whole generated corpus keeps training
# (the situation of the shipped model meeting a new project's log).
REPOSITORY: Final = "repository"
SOURCES: Final = (REPOSITORY, "template", "ci", "ecosystem")


def cross_validate(
    records: Sequence[CorpusRecord],
    folds: int = 5,
    seed: int = SEED,
    by_template: bool = False,
    hold_out: str | None = None,
    svm_c: float = SVM_C,
) -> Evaluation:
    """Out-of-fold evaluation; ``hold_out`` (a field of ``SOURCES``) keeps each source in one fold."""
    documents = [featurize(record.log) for record in records]
    return cross_validate_documents(
        records, documents, folds, seed, hold_out or ("template" if by_template else None), svm_c
    )


def cross_validate_documents(
    records: Sequence[CorpusRecord],
    documents: Sequence[str],
    folds: int,
    seed: int,
    hold_out: str | None,
    svm_c: float = SVM_C,
) -> Evaluation:
    """``cross_validate`` on documents already featurized (so several splits share the work)."""
    return cross_validate_split(records, documents, folds, seed, hold_out, svm_c).overall


@dataclass(frozen=True)
class SplitEvaluation:
    """One cross-validation: scored on every example, and on the real excerpts alone."""

    overall: Evaluation
    real: Evaluation | None


def cross_validate_split(
    records: Sequence[CorpusRecord],
    documents: Sequence[str],
    folds: int,
    seed: int,
    hold_out: str | None,
    svm_c: float = SVM_C,
    real_weight: float = REAL_WEIGHT,
) -> SplitEvaluation:
    """Out-of-fold probabilities of every example, scored overall and on the real excerpts."""
    labels = np.array([record.label for record in records])
    order = tuple(sorted(set(labels)))
    proba = np.zeros((len(records), len(order)))
    tested = np.zeros(len(records), dtype=bool)
    for train_index, test_index in _splits(records, labels, folds, seed, hold_out):
        pipeline = build_pipeline(seed, svm_c)
        fit_pipeline(
            pipeline, [documents[i] for i in train_index], [records[i] for i in train_index], real_weight
        )
        fold_proba = pipeline.predict_proba([documents[i] for i in test_index])
        proba[test_index] = in_order(fold_proba, pipeline.classes_, order)
        tested[test_index] = True
    real = [i for i, record in enumerate(records) if record.provenance == REAL_PROVENANCE and tested[i]]
    return SplitEvaluation(
        overall=score(list(labels[tested]), proba[tested], order),
        real=score([str(labels[i]) for i in real], proba[real], order) if real else None,
    )


def in_order(proba: FloatArray, classes: Sequence[object], order: tuple[str, ...]) -> FloatArray:
    """A fold's probability columns (its model's ``classes``) rearranged to ``order``; a class missing
    from the fold's training rows scores 0."""
    arranged = np.zeros((proba.shape[0], len(order)))
    arranged[:, [order.index(str(label)) for label in classes]] = proba
    return arranged


def _splits(
    records: Sequence[CorpusRecord],
    labels: np.ndarray[Any, Any],
    folds: int,
    seed: int,
    hold_out: str | None,
) -> list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
    placeholder = np.zeros(len(records))
    if hold_out == REPOSITORY:
        return repository_folds(records, labels, folds, seed)
    if hold_out == "template":
        groups = [record.template for record in records]
        grouped = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
        return list(grouped.split(placeholder, labels, groups))
    if hold_out is not None:
        # Few sources (8 CI systems, 12 ecosystems): whole sources per fold, labels as they fall.
        sources = [getattr(record, hold_out) for record in records]
        n_splits = min(folds, len(set(sources)))
        return list(GroupKFold(n_splits=n_splits).split(placeholder, labels, sources))
    stratified = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(stratified.split(placeholder, labels))


def repository_folds(
    records: Sequence[CorpusRecord], labels: np.ndarray[Any, Any], folds: int, seed: int
) -> list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
    """Folds of the real excerpts by repository (a real record's template); generated ones always train."""
    is_real = np.array([record.provenance == REAL_PROVENANCE for record in records], dtype=bool)
    real, generated = np.flatnonzero(is_real), np.flatnonzero(~is_real)
    grouped = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    groups = [records[int(i)].template for i in real]
    return [
        (np.concatenate([generated, real[train]]), real[test])
        for train, test in grouped.split(np.zeros(len(real)), labels[real], groups)
    ]


def evaluate_model(model: TrainedModel, logs: Sequence[str], labels: Sequence[str]) -> Evaluation:
    """Score a fitted model on labelled logs it was not trained on."""
    proba = model.predict_proba([featurize(log) for log in logs])
    return score(list(labels), proba, model.labels)


def score(truth: list[str], proba: FloatArray, order: tuple[str, ...]) -> Evaluation:
    """Accuracy, macro-F1, top-3 accuracy, per-label scores and the confusion matrix."""
    predicted = [order[i] for i in proba.argmax(axis=1)]
    top3 = np.argsort(-proba, axis=1)[:, :3]
    in_top3 = [order.index(label) in row for label, row in zip(truth, top3, strict=True)]
    present = tuple(label for label in order if label in set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=list(present), zero_division=0
    )
    per_label = {
        label: LabelScores(float(precision[i]), float(recall[i]), float(f1[i]), int(support[i]))
        for i, label in enumerate(present)
    }
    return Evaluation(
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(f1_score(truth, predicted, labels=list(present), average="macro", zero_division=0)),
        top3_accuracy=float(np.mean(in_top3)),
        per_label=per_label,
        confusion=confusion_matrix(truth, predicted, labels=list(present)).tolist(),
        labels=present,
        size=len(truth),
    )
