"""The shipped classifier artifact and its lazy module-level cache.

Only inference lives here; the pipeline is built and trained by ``training/debug`` (a source
checkout's top-level folder, not shipped): ``conveyor debug train`` rewrites ``MODEL_PATH``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
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
        counts = [[count(doc) for count in counters] for doc in documents]
        blocks = [_tfidf(vectorizer, [row[k] for row in counts]) for k, vectorizer in enumerate(vectorizers)]
        return _side_by_side(blocks, len(documents))


Array = np.ndarray[Any, Any]


class Block(NamedTuple):
    """One view's rows in CSR form: what ``inplace_csr_row_normalize_l2`` reads of a matrix."""

    data: Array
    indices: Array
    indptr: Array
    shape: tuple[int, int]


def _tfidf(vectorizer: TfidfVectorizer, rows: list[dict[int, int]]) -> Block:
    """``TfidfTransformer.transform`` of the count rows: the same operations in the same order."""
    indices, values = _sorted_rows(rows, vectorizer.dtype)
    pointers = np.cumsum([0] + [len(row) for row in rows], dtype=np.int32)
    block = Block(values, indices, pointers, (len(rows), len(vectorizer.vocabulary_)))
    if vectorizer.sublinear_tf:
        np.log(block.data, block.data)
        block.data[:] += 1.0
    if vectorizer.use_idf:
        block.data[:] *= vectorizer.idf_[block.indices]
    if vectorizer.norm == "l2":
        inplace_csr_row_normalize_l2(block)
    elif vectorizer.norm is not None:
        matrix = normalize(csr_matrix(block[:3], shape=block.shape), norm=vectorizer.norm, copy=False)
        block = Block(matrix.data, matrix.indices, matrix.indptr, block.shape)
    return block


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


def _side_by_side(blocks: list[Block], rows: int) -> csr_matrix:
    """The blocks' columns one after the other, as ``scipy.sparse.hstack`` joins them."""
    dtype = np.result_type(*(block.data for block in blocks))
    offsets = np.cumsum([0] + [block.shape[1] for block in blocks])
    data: list[Array] = []
    indices: list[Array] = []
    for row in range(rows):
        for block, offset in zip(blocks, offsets, strict=False):
            start, end = block.indptr[row], block.indptr[row + 1]
            data.append(block.data[start:end].astype(dtype, copy=False))
            indices.append(block.indices[start:end] + offset)
    lengths = sum(np.diff(block.indptr) for block in blocks)
    pointers = np.concatenate([[0], np.cumsum(lengths)])
    shape = (rows, int(offsets[-1]))
    if not data:
        return csr_matrix(shape, dtype=dtype)
    return csr_matrix((np.concatenate(data), np.concatenate(indices), pointers), shape=shape)


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
