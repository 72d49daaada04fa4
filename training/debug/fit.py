"""Build the classifier pipeline and train it on the JSON Lines corpus.

Everything is seeded, so ``train_model()`` on the same corpus rebuilds the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final

import joblib
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from conveyor.debug.detect import detect_in_text
from conveyor.debug.features import (
    WORD_TOKEN_PATTERN,
    build_document,
    error_part,
    salient_part,
    structure_part,
    text_part,
)
from conveyor.debug.model import MODEL_PATH, TrainedModel
from conveyor.debug.normalize import prepare_log
from training.debug.records import (
    CORPUS_PATH,
    REAL_PROVENANCE,
    REAL_TRAIN_PATH,
    CorpusRecord,
    load_corpus,
    load_training_records,
    training_sha256,
)

__all__ = ["CORPUS_PATH", "REAL_TRAIN_PATH", "CorpusRecord", "load_corpus", "train_model"]

SEED: Final = 1337
CALIBRATION_FOLDS: Final = 3
# Chosen by leave-source-out cross-validation on the real excerpts (`conveyor debug evaluate --select`),
# never by the untouched set: the SVM's C and how much one real excerpt weighs against one generated.
# With 517 real excerpts, weight 8 beat 3 on the leave-repository-out split (macro-F1 0.928 vs 0.923)
# and on the external development set (0.682 vs 0.664); 16 scored as 8. With the salient-lines view,
# C=0.2 scored as 0.1 on the repository-out split (0.944 vs 0.945) and better on the external set
# (0.739 vs 0.731 macro-F1, top-3 0.913 vs 0.897); the salient lines' character n-grams added top-3
# (0.996 vs 0.988 repository-out, 0.918 vs 0.913 external) at the same macro-F1. With batch 5 (832 real)
# C=0.1 and 0.2 tie on the repository-out split (0.906 / 0.907) and 0.1 is ahead on the external set
# (0.716 vs 0.700): back to 0.1. With batch 6 (1064 real) weights 8 / 4 / 2 score 0.895 / 0.893 / 0.888
# repository-out (external 0.694 / 0.697 / 0.698), capping one- and two-line excerpts at 3 scores as 8,
# C=0.05 lost on the external set: within noise, so the weight was chosen for robustness: with one
# real excerpt mislabelled (the batch-5 `No module named 'src'` one, as it was), the canonical Python
# import failure flips to configuration at weight 8 and stays dependency_missing at 4 and 2.
# With 41 more templates of the edges and batch 7 (1184 real), weight 4 and 2 tie on the repository-out
# split (0.914 / 0.910) while 2 is ahead on the external set (0.700 vs 0.692) and on the canonical
# messages' margin (the lowest 0.880 vs 0.859; the mislabel probe above: 0.648 vs 0.597): weight 2.
# With batches 9 and 10 (1715 real), `python -m training.debug.compare` (README, eighth part): C=0.2
# leads leave-batch-out (pooled macro-F1 0.901 vs 0.897 at C=0.1, 0.897-0.898 at 0.3 / 0.4, 0.898 at
# weight 3), repository-out (0.916 vs 0.912), the external set (0.821 vs 0.810 accuracy) and the
# canonical import failure (0.974 vs 0.970); every margin is a few excerpts: C=0.2, weight 2.
SVM_C: Final = 0.2
REAL_WEIGHT: Final = 2.0


def featurize(log: str | bytes) -> str:
    """The model input for one raw log: the same path classification uses."""
    text = prepare_log(log)
    return build_document(text, detect_in_text(text))


def train_model(
    corpus_path: Path = CORPUS_PATH, seed: int = SEED, real_path: Path | None = REAL_TRAIN_PATH
) -> TrainedModel:
    """Fit the pipeline on the whole corpus and the real training excerpts."""
    records = load_training_records(corpus_path, real_path)
    pipeline = build_pipeline(seed)
    fit_pipeline(pipeline, [featurize(record.log) for record in records], records)
    labels = tuple(str(label) for label in pipeline.classes_)
    return TrainedModel(pipeline, labels, training_sha256(corpus_path, real_path), sklearn.__version__)


def fit_pipeline(
    pipeline: Pipeline,
    documents: Sequence[str],
    records: Sequence[CorpusRecord],
    real_weight: float = REAL_WEIGHT,
) -> None:
    """Fit on documents, a real excerpt weighing ``real_weight`` generated ones."""
    weights = np.array([real_weight if record.provenance == REAL_PROVENANCE else 1.0 for record in records])
    pipeline.fit(list(documents), [record.label for record in records], classifier__sample_weight=weights)


def build_pipeline(seed: int = SEED, svm_c: float = SVM_C) -> Pipeline:
    """An unfitted pipeline: TF-IDF features + calibrated linear SVM."""
    return Pipeline([("features", build_features()), ("classifier", _classifier(seed, svm_c))])


def _word_ngrams(
    preprocessor: Callable[[str], str], ngram_range: tuple[int, int], max_features: int, max_df: float
) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=preprocessor,
        token_pattern=WORD_TOKEN_PATTERN,
        ngram_range=ngram_range,
        min_df=2,
        max_df=max_df,
        max_features=max_features,
        sublinear_tf=True,
        dtype=np.float32,
    )


def _char_ngrams(preprocessor: Callable[[str], str], ngram_range: tuple[int, int]) -> TfidfVectorizer:
    return TfidfVectorizer(
        preprocessor=preprocessor,
        analyzer="char_wb",
        ngram_range=ngram_range,
        min_df=3,
        max_features=50_000,
        sublinear_tf=True,
        dtype=np.float32,
    )


def build_features(
    words: tuple[int, int] = (1, 2),
    salient_words: tuple[int, int] = (1, 3),
    chars: tuple[int, int] = (3, 5),
    max_df: float = 1.0,
) -> FeatureUnion:
    """The unfitted feature views (TF-IDF of the document's parts, side by side).

    The arguments (n-gram ranges of the views, the word views' ``max_df``) are there for
    ``training.debug.compare``'s candidates; the defaults are the shipped model's.
    """
    structure = TfidfVectorizer(
        preprocessor=structure_part, token_pattern=r"\S+", lowercase=False, sublinear_tf=True
    )
    return FeatureUnion(
        [
            ("structure", structure),
            ("words", _word_ngrams(text_part, words, 40_000, max_df)),
            ("chars", _char_ngrams(error_part, chars)),
            ("salient_words", _word_ngrams(salient_part, salient_words, 30_000, max_df)),
            ("salient_chars", _char_ngrams(salient_part, chars)),
        ]
    )


def _classifier(seed: int, svm_c: float) -> CalibratedClassifierCV:
    folds = StratifiedKFold(n_splits=CALIBRATION_FOLDS, shuffle=True, random_state=seed)
    return CalibratedClassifierCV(
        LinearSVC(C=svm_c, random_state=seed), method="sigmoid", cv=folds, ensemble=False
    )


def save_model(model: TrainedModel, path: Path = MODEL_PATH) -> None:
    joblib.dump(model, path, compress=3)
