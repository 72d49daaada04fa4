"""The shipped classifier artifact and its lazy module-level cache.

Only inference lives here; the pipeline is built and trained by ``training/debug`` (a source
checkout's top-level folder, not shipped): ``conveyor debug train`` rewrites ``MODEL_PATH``.
"""

from __future__ import annotations

import warnings
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

from conveyor.debug.counting import term_counter

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

        Each vectorizer's terms are counted one document after the other (by
        ``conveyor.debug.counting``, equal to its analyzer's; the document parts it preprocesses
        are computed once per document, see ``conveyor.debug.features``), and the TF-IDF
        weighting is sklearn's own arithmetic without its per-call input validation, which
        cost more than the weighting itself.
        """
        vectorizers = [step for _, step in self.pipeline.named_steps["features"].transformer_list]
        counters = [term_counter(vectorizer) for vectorizer in vectorizers]
        counts = [[count(doc) for count in counters] for doc in documents]
        blocks = [_tfidf(vectorizer, [row[k] for row in counts]) for k, vectorizer in enumerate(vectorizers)]
        return csr_matrix(hstack(blocks, format="csr"))


def _tfidf(vectorizer: TfidfVectorizer, rows: list[dict[int, int]]) -> csr_matrix:
    """``TfidfTransformer.transform`` of the count rows: the same operations in the same order."""
    indices, values = _sorted_rows(rows, vectorizer.dtype)
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


Array = np.ndarray[Any, Any]


def _sorted_rows(rows: list[dict[int, int]], dtype: type) -> tuple[Array, Array]:
    """The rows' term indices and counts, each row in index order as sklearn's counts are."""
    indices: list[Array] = []
    values: list[Array] = []
    for row in rows:
        row_indices = np.fromiter(row.keys(), dtype=np.int32, count=len(row))
        order = np.argsort(row_indices)
        indices.append(row_indices[order])
        values.append(np.fromiter(row.values(), dtype=dtype, count=len(row))[order])
    empty = np.empty(0, dtype=np.int32)
    return np.concatenate(indices or [empty]), np.concatenate(values or [empty]).astype(dtype, copy=False)


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
