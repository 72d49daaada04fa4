"""The shipped classifier artifact and its lazy module-level cache.

Only inference lives here; the pipeline is built and trained by ``training/debug`` (a source
checkout's top-level folder, not shipped): ``conveyor debug train`` rewrites ``MODEL_PATH``.
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import joblib
import numpy as np
import sklearn
from scipy.sparse import csr_matrix, hstack
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import normalize
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
MODEL_PATH: Final = DATA_DIR / "model.joblib"


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline plus the facts needed to check where it came from."""

    pipeline: Pipeline
    labels: tuple[str, ...]
    corpus_sha256: str
    sklearn_version: str

    def predict_proba(self, documents: list[str]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Calibrated probabilities, columns in ``self.labels`` order.

        Same numbers as ``pipeline.predict_proba`` (a test checks it), computed directly from
        the vectorizers, the SVM weights and the sigmoid calibrators: scikit-learn's generic
        path spends more time validating one document than classifying it.
        """
        calibrated = _calibrated(self.pipeline)
        matrix = self.features(documents)
        svm = calibrated.estimator
        scores = np.asarray(matrix @ svm.coef_.T) + svm.intercept_
        slopes = np.array([calibrator.a_ for calibrator in calibrated.calibrators])
        offsets = np.array([calibrator.b_ for calibrator in calibrated.calibrators])
        proba = np.asarray(expit(-(slopes * scores + offsets)), dtype=np.float64)
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1 / len(self.labels))
        return np.asarray(np.divide(proba, total, out=uniform, where=total != 0), dtype=np.float64)

    def features(self, documents: list[str]) -> csr_matrix:
        """The pipeline's feature matrix, the same numbers as its ``features`` step's ``transform``.

        Each vectorizer's analyzer runs on one document after the other (the document parts it
        preprocesses are computed once per document, see ``conveyor.debug.features``), and the
        TF-IDF weighting is sklearn's own arithmetic without its per-call input validation, which
        cost more than the weighting itself.
        """
        vectorizers = [step for _, step in self.pipeline.named_steps["features"].transformer_list]
        steps = [(vectorizer, vectorizer.build_analyzer()) for vectorizer in vectorizers]
        counts = [[_term_counts(step, analyze(doc)) for step, analyze in steps] for doc in documents]
        blocks = [_tfidf(vectorizer, [row[k] for row in counts]) for k, vectorizer in enumerate(vectorizers)]
        return csr_matrix(hstack(blocks, format="csr"))


def _term_counts(vectorizer: TfidfVectorizer, tokens: list[str]) -> dict[int, int]:
    """How often each term of the vectorizer's vocabulary occurs among ``tokens``."""
    vocabulary = vectorizer.vocabulary_
    return {vocabulary[token]: count for token, count in Counter(tokens).items() if token in vocabulary}


def _tfidf(vectorizer: TfidfVectorizer, rows: list[dict[int, int]]) -> csr_matrix:
    """``TfidfTransformer.transform`` of the count rows: the same operations in the same order."""
    terms = [sorted(row.items()) for row in rows]
    indices = np.array([index for row in terms for index, _ in row], dtype=np.int32)
    values = np.array([count for row in terms for _, count in row], dtype=vectorizer.dtype)
    pointers = np.cumsum([0] + [len(row) for row in rows], dtype=np.int32)
    matrix = csr_matrix((values, indices, pointers), shape=(len(rows), len(vectorizer.vocabulary_)))
    if vectorizer.sublinear_tf:
        np.log(matrix.data, matrix.data)
        matrix.data += 1.0
    if vectorizer.use_idf:
        matrix.data *= vectorizer.idf_[matrix.indices]
    if vectorizer.norm == "l2":
        inplace_csr_row_normalize_l2(matrix)
    elif vectorizer.norm is not None:
        matrix = normalize(matrix, norm=vectorizer.norm, copy=False)
    return matrix


def _calibrated(pipeline: Pipeline) -> Any:
    """The single sigmoid-calibrated SVM inside the pipeline (``ensemble=False``)."""
    return pipeline.named_steps["classifier"].calibrated_classifiers_[0]


@cache
def load_model(path: Path = MODEL_PATH) -> TrainedModel:
    """Load the shipped model once per process (first call only)."""
    loaded = joblib.load(path)
    if not isinstance(loaded, TrainedModel):
        raise TypeError(f"{path} does not hold a TrainedModel")
    if loaded.sklearn_version != sklearn.__version__:
        warnings.warn(
            f"{path.name} was trained with scikit-learn {loaded.sklearn_version}, running "
            f"{sklearn.__version__}; rebuild it with `conveyor debug train` if results look off",
            stacklevel=2,
        )
    return loaded
