"""Named candidate classifiers for ``training.debug.compare`` (issue #17, eighth part).

A candidate is a feature set (a factory of an unfitted ``FeatureUnion`` and a key: candidates with
the same key share each fold's feature matrices), a classifier factory (given the training records,
so it may treat real excerpts apart) and the sample weights of the training records.
``shipped`` is what ``training.debug.fit`` trains.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from training.debug.fit import CALIBRATION_FOLDS, REAL_WEIGHT, SEED, SVM_C, build_features
from training.debug.records import REAL_PROVENANCE, CorpusRecord

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def real_weights(records: Sequence[CorpusRecord], real: float = REAL_WEIGHT) -> FloatArray:
    """A real excerpt weighs ``real`` generated ones (the shipped rule)."""
    return np.array([real if record.provenance == REAL_PROVENANCE else 1.0 for record in records])


def calibrated_svm(
    records: Sequence[CorpusRecord],
    svm_c: float = SVM_C,
    method: str = "sigmoid",
    class_weight: str | None = None,
    folds: int = CALIBRATION_FOLDS,
) -> CalibratedClassifierCV:
    """The shipped classifier (``fit._classifier``) with its knobs exposed."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    svm = LinearSVC(C=svm_c, random_state=SEED, class_weight=class_weight)
    return CalibratedClassifierCV(svm, method=method, cv=splitter, ensemble=False)


@dataclass(frozen=True)
class Candidate:
    name: str
    description: str
    features: Callable[[], FeatureUnion] = build_features
    features_key: str = "shipped"
    classifier: Callable[[Sequence[CorpusRecord]], Any] = calibrated_svm
    weights: Callable[[Sequence[CorpusRecord]], FloatArray] = real_weights
    extra: dict[str, Any] = field(default_factory=dict)


class Blend:
    """Probabilities averaged over several classifiers fitted on the same matrix (weights ``mix``)."""

    def __init__(self, members: Sequence[Any], mix: Sequence[float]) -> None:
        self.members, self.mix = list(members), list(mix)

    def fit(self, matrix: Any, labels: Any, sample_weight: FloatArray | None = None) -> Blend:
        for member in self.members:
            member.fit(matrix, labels, sample_weight=sample_weight)
        self.classes_ = self.members[0].classes_
        return self

    def predict_proba(self, matrix: Any) -> FloatArray:
        total = sum(
            share * member.predict_proba(matrix) for share, member in zip(self.mix, self.members, strict=True)
        )
        return np.asarray(total / sum(self.mix), dtype=np.float64)


class NearestReal:
    """A vote of the ``k`` real training excerpts nearest by cosine (TF-IDF rows are l2 per view)."""

    def __init__(self, records: Sequence[CorpusRecord], k: int = 10) -> None:
        self.is_real = np.array([record.provenance == REAL_PROVENANCE for record in records])
        self.k = k

    def fit(self, matrix: Any, labels: Any, sample_weight: FloatArray | None = None) -> NearestReal:
        self.classes_ = np.array(sorted(set(labels)))
        self.matrix = normalize(matrix[self.is_real])
        self.labels = np.searchsorted(self.classes_, np.asarray(labels)[self.is_real])
        return self

    def predict_proba(self, matrix: Any) -> FloatArray:
        similarity = np.asarray((normalize(matrix) @ self.matrix.T).todense())
        nearest = np.argsort(-similarity, axis=1)[:, : self.k]
        votes = np.zeros((matrix.shape[0], len(self.classes_)))
        for row, columns in enumerate(nearest):
            np.add.at(votes[row], self.labels[columns], similarity[row, columns])
        total = votes.sum(axis=1, keepdims=True)
        return np.asarray(
            np.divide(votes, total, out=np.full_like(votes, 1 / len(self.classes_)), where=total > 0)
        )


CONFUSED_PAIRS: tuple[tuple[str, str], ...] = (
    ("configuration", "dependency_missing"),
    ("dependency_conflict", "dependency_missing"),
    ("compile_error", "type_check"),
    ("test_failure", "timeout"),
)
"""The label pairs the shipped model confuses most out of fold (README, ninth part), sorted within."""


class PairSpecialists:
    """The shipped calibrated SVM, then a binary re-decision for rows whose top two labels are a pair.

    Each specialist is a sigmoid-calibrated ``LinearSVC`` (its own ``specialist_c``) fitted on the
    training rows of its pair's two labels only (same features, same sample weights). Where the
    global model's two most probable labels are a pair, the two labels' summed probability is split
    by the specialist's; the other labels keep theirs, so the top-3 set is unchanged.
    """

    def __init__(
        self,
        records: Sequence[CorpusRecord],
        pairs: Sequence[tuple[str, str]] = CONFUSED_PAIRS,
        specialist_c: float = SVM_C,
        folds: int = CALIBRATION_FOLDS,
    ) -> None:
        self.base = calibrated_svm(records, folds=folds)
        self.pairs = [tuple(sorted(pair)) for pair in pairs]
        self.specialist_c, self.folds = specialist_c, folds

    def fit(self, matrix: Any, labels: Any, sample_weight: FloatArray | None = None) -> PairSpecialists:
        self.base.fit(matrix, labels, sample_weight=sample_weight)
        self.classes_ = self.base.classes_
        labels = np.asarray(labels)
        self.specialists: dict[tuple[str, ...], CalibratedClassifierCV] = {}
        for pair in self.pairs:
            rows = np.isin(labels, pair)
            if min(int(np.sum(labels == label)) for label in pair) < self.folds:
                continue  # too few rows of a label to calibrate on (tiny training sets)
            specialist = calibrated_svm([], svm_c=self.specialist_c, folds=self.folds)
            weights = None if sample_weight is None else np.asarray(sample_weight)[rows]
            self.specialists[pair] = specialist.fit(matrix[rows], labels[rows], sample_weight=weights)
        return self

    def predict_proba(self, matrix: Any) -> FloatArray:
        proba = np.array(self.base.predict_proba(matrix), dtype=np.float64)
        top2 = np.sort(np.argsort(-proba, axis=1, kind="stable")[:, :2], axis=1)
        for pair, specialist in self.specialists.items():
            first, second = (int(np.searchsorted(self.classes_, label)) for label in pair)
            rows = np.flatnonzero((top2[:, 0] == first) & (top2[:, 1] == second))
            if not len(rows):
                continue
            split = specialist.predict_proba(matrix[rows])  # columns in ``pair`` order (sorted)
            mass = proba[rows, first] + proba[rows, second]
            proba[rows, first], proba[rows, second] = mass * split[:, 0], mass * split[:, 1]
        return proba


def _svm_knn(records: Sequence[CorpusRecord], share: float, k: int = 10) -> Blend:
    return Blend([calibrated_svm(records), NearestReal(records, k)], [1 - share, share])


def _svm_lr(records: Sequence[CorpusRecord], share: float) -> Blend:
    regression = SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=50, tol=1e-4, random_state=SEED)
    return Blend([calibrated_svm(records), regression], [1 - share, share])


def thin_generated(records: Sequence[CorpusRecord], plenty: int = 100, share: float = 0.5) -> FloatArray:
    """Real weight as shipped; the generated examples of a label with ``plenty`` real ones weigh ``share``."""
    real_counts: dict[str, int] = {}
    for record in records:
        if record.provenance == REAL_PROVENANCE:
            real_counts[record.label] = real_counts.get(record.label, 0) + 1
    weights = real_weights(records)
    for i, record in enumerate(records):
        if record.provenance != REAL_PROVENANCE and real_counts.get(record.label, 0) >= plenty:
            weights[i] = share
    return weights


def _features_variants() -> list[Candidate]:
    variants: dict[str, tuple[dict[str, Any], str]] = {
        "words13": ({"words": (1, 3)}, "word view 1-3-grams (1-2 shipped)"),
        "words11": ({"words": (1, 1), "salient_words": (1, 2)}, "word views 1-grams / salient 1-2-grams"),
        "chars25": ({"chars": (2, 5)}, "character views 2-5-grams (3-5 shipped)"),
        "chars36": ({"chars": (3, 6)}, "character views 3-6-grams"),
        "maxdf50": ({"max_df": 0.5}, "word views drop terms in over half the documents"),
    }
    return [
        Candidate(name, description, features=partial(build_features, **options), features_key=name)
        for name, (options, description) in variants.items()
    ]


def _grid() -> list[Candidate]:
    grid = []
    for svm_c in (0.05, 0.1, 0.2, 0.3, 0.4):
        for weight in (1.0, 2.0, 3.0, 4.0):
            if (svm_c, weight) == (SVM_C, REAL_WEIGHT):
                continue
            grid.append(
                Candidate(
                    f"c{svm_c:g}-w{weight:g}",
                    f"C={svm_c:g}, a real excerpt weighs {weight:g} generated ones",
                    classifier=partial(calibrated_svm, svm_c=svm_c),
                    weights=partial(real_weights, real=weight),
                )
            )
    return grid


_ALL = [
    Candidate("shipped", f"the shipped model: C={SVM_C:g}, real weight {REAL_WEIGHT:g}, sigmoid on 3 folds"),
    *_grid(),
    Candidate(
        "balanced",
        "classes weighted by inverse frequency",
        classifier=partial(calibrated_svm, class_weight="balanced"),
    ),
    Candidate(
        "isotonic", "isotonic calibration (3 folds)", classifier=partial(calibrated_svm, method="isotonic")
    ),
    Candidate("sigmoid5", "sigmoid calibration on 5 folds", classifier=partial(calibrated_svm, folds=5)),
    *(
        Candidate(
            f"svm-knn{share * 100:g}",
            f"{1 - share:g} SVM + {share:g} vote of the 10 nearest real excerpts",
            classifier=partial(_svm_knn, share=share),
        )
        for share in (0.3, 0.5)
    ),
    *(
        Candidate(
            f"thin-gen{plenty}",
            f"generated examples of labels with >= {plenty} real excerpts weigh 0.5",
            weights=partial(thin_generated, plenty=plenty),
        )
        for plenty in (100, 60)
    ),
    *(
        Candidate(
            name,
            f"every generated example weighs {share:g} (a real excerpt {REAL_WEIGHT:g})",
            weights=partial(thin_generated, plenty=0, share=share),
        )
        for name, share in (("gen-half", 0.5), ("gen-tenth", 0.1))
    ),
    *_features_variants(),
    *(
        Candidate(
            f"pairs{len(pairs)}-c{specialist_c:g}",
            f"shipped, then binary specialists (C={specialist_c:g}) for the pairs "
            + ", ".join("/".join(pair) for pair in pairs),
            classifier=partial(PairSpecialists, pairs=pairs, specialist_c=specialist_c),
        )
        for pairs, specialist_c in (
            (CONFUSED_PAIRS, SVM_C),
            (CONFUSED_PAIRS[:2], SVM_C),
            (CONFUSED_PAIRS, 0.5),
        )
    ),
    Candidate(
        "svm-lr50",
        "0.5 SVM + 0.5 logistic regression (SGD, log loss, alpha 1e-5)",
        classifier=partial(_svm_lr, share=0.5),
    ),
]
CANDIDATES: dict[str, Candidate] = {candidate.name: candidate for candidate in _ALL}
