"""The classifier pipeline, its shipped artifact and the lazy module-level cache."""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import joblib
import numpy as np
import sklearn
from scipy.sparse import hstack
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from conveyor.debug.features import WORD_TOKEN_PATTERN, error_part, structure_part, text_part

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
MODEL_PATH: Final = DATA_DIR / "model.joblib"
CORPUS_PATH: Final = DATA_DIR / "corpus.jsonl"
SEED: Final = 1337
CALIBRATION_FOLDS: Final = 3
# Chosen by the leave-templates-out cross-validation (`conveyor debug evaluate`), not by a holdout.
SVM_C: Final = 0.5


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
        features, calibrated = self.pipeline.named_steps["features"], _calibrated(self.pipeline)
        matrix = hstack([step.transform(documents) for _, step in features.transformer_list]).tocsr()
        svm = calibrated.estimator
        scores = np.asarray(matrix @ svm.coef_.T) + svm.intercept_
        slopes = np.array([calibrator.a_ for calibrator in calibrated.calibrators])
        offsets = np.array([calibrator.b_ for calibrator in calibrated.calibrators])
        proba = np.asarray(expit(-(slopes * scores + offsets)), dtype=np.float64)
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1 / len(self.labels))
        return np.asarray(np.divide(proba, total, out=uniform, where=total != 0), dtype=np.float64)


def _calibrated(pipeline: Pipeline) -> Any:
    """The single sigmoid-calibrated SVM inside the pipeline (``ensemble=False``)."""
    return pipeline.named_steps["classifier"].calibrated_classifiers_[0]


def build_pipeline(seed: int = SEED) -> Pipeline:
    """An unfitted pipeline: TF-IDF features + calibrated linear SVM."""
    return Pipeline([("features", _features()), ("classifier", _classifier(seed))])


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "structure",
                TfidfVectorizer(
                    preprocessor=structure_part,
                    token_pattern=r"\S+",
                    lowercase=False,
                    sublinear_tf=True,
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    preprocessor=text_part,
                    token_pattern=WORD_TOKEN_PATTERN,
                    ngram_range=(1, 2),
                    min_df=2,
                    max_features=40_000,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    preprocessor=error_part,
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=3,
                    max_features=50_000,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
        ]
    )


def _classifier(seed: int) -> CalibratedClassifierCV:
    folds = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=seed)
    return CalibratedClassifierCV(
        LinearSVC(C=SVM_C, random_state=seed), method="sigmoid", cv=folds, ensemble=False
    )


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save_model(model: TrainedModel, path: Path = MODEL_PATH) -> None:
    joblib.dump(model, path, compress=3)


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
