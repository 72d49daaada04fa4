"""The shipped classifier artifact and its lazy module-level cache.

Only inference lives here; the pipeline is built and trained by ``training/debug`` (a source
checkout's top-level folder, not shipped): ``conveyor debug train`` rewrites ``MODEL_PATH``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import Any, Final, NamedTuple

import joblib
import numpy as np
import sklearn
from scipy.sparse import csr_matrix
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
        weighting is sklearn's own arithmetic on plain arrays, without the per-call input
        validation and the per-view sparse matrices, which cost more than the weighting itself.
        """
        vectorizers = [step for _, step in self.pipeline.named_steps["features"].transformer_list]
        counters = [term_counter(vectorizer) for vectorizer in vectorizers]
        rows = [
            [_tfidf(vectorizer, count(doc)) for vectorizer, count in zip(vectorizers, counters, strict=True)]
            for doc in documents
        ]
        widths = [len(vectorizer.vocabulary_) for vectorizer in vectorizers]
        return _side_by_side(rows, widths, np.result_type(*(vectorizer.dtype for vectorizer in vectorizers)))


Array = np.ndarray[Any, Any]


class Block(NamedTuple):
    """Rows in CSR form: what ``inplace_csr_row_normalize_l2`` reads of a matrix."""

    data: Array
    indices: Array
    indptr: Array
    shape: tuple[int, int]


def _tfidf(vectorizer: TfidfVectorizer, counts: dict[int, int]) -> tuple[Array, Array]:
    """``TfidfTransformer.transform`` of one count row: the same operations in the same order.

    Returns the row's values and vocabulary indices, in index order as sklearn's counts are
    (the l2 norm sums the squares in that order).
    """
    indices = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
    order = indices.argsort()
    indices = indices[order]
    data = np.fromiter(counts.values(), dtype=vectorizer.dtype, count=len(counts))[order]
    if vectorizer.sublinear_tf:
        np.log(data, data)
        data += 1.0
    if vectorizer.use_idf:
        data *= vectorizer.idf_[indices]
    row = Block(data, indices, np.array([0, len(data)], dtype=np.int32), (1, len(vectorizer.vocabulary_)))
    if vectorizer.norm == "l2":
        inplace_csr_row_normalize_l2(row)
    elif vectorizer.norm is not None:
        data = normalize(csr_matrix(row[:3], shape=row.shape), norm=vectorizer.norm, copy=False).data
    return data, indices


def _side_by_side(
    rows: list[list[tuple[Array, Array]]], widths: list[int], dtype: np.dtype[Any]
) -> csr_matrix:
    """One matrix row per document, its views' columns one after the other as ``hstack`` joins them."""
    offsets = [0, *accumulate(widths)]
    data = [values for row in rows for values, _ in row]
    indices = [columns + offset for row in rows for (_, columns), offset in zip(row, offsets, strict=False)]
    pointers = np.cumsum([0, *(sum(len(values) for values, _ in row) for row in rows)])
    shape = (len(rows), offsets[-1])
    if not data:
        return csr_matrix(shape, dtype=dtype)
    return csr_matrix((np.concatenate(data, dtype=dtype), np.concatenate(indices), pointers), shape=shape)


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
