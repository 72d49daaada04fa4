from __future__ import annotations

from typing import Any

import numpy as np

from conveyor.debug.model import load_model
from training.debug.fit import featurize, train_model
from training.debug.records import training_sha256


def test_shipped_model_was_trained_on_the_committed_corpus_and_real_excerpts() -> None:
    assert load_model().corpus_sha256 == training_sha256()


def test_shipped_model_matches_a_fresh_deterministic_rebuild(real_logs: list[dict[str, Any]]) -> None:
    documents = [featurize(row["log"]) for row in real_logs]
    rebuilt = train_model()
    shipped = load_model()
    assert rebuilt.labels == shipped.labels
    np.testing.assert_allclose(rebuilt.predict_proba(documents), shipped.predict_proba(documents), atol=1e-9)


def test_fast_probabilities_equal_the_pipeline(real_logs: list[dict[str, Any]]) -> None:
    model = load_model()
    documents = [featurize(row["log"]) for row in real_logs] + ["kind_none\n", "kind_none\nerror"]
    expected = model.pipeline.predict_proba(documents)
    assert tuple(model.pipeline.classes_) == model.labels
    np.testing.assert_allclose(model.predict_proba(documents), expected, atol=1e-12)


def test_fast_features_equal_the_pipeline_features_exactly(real_logs: list[dict[str, Any]]) -> None:
    model = load_model()
    documents = [featurize(row["log"]) for row in real_logs] + ["kind_none\n", "kind_none\nerror"]
    expected = model.pipeline.named_steps["features"].transform(documents).tocsr()
    fast = model.features(documents)
    assert fast.shape == expected.shape
    assert fast.dtype == expected.dtype
    assert (fast != expected).nnz == 0
    assert fast.nnz > 0


def test_fast_features_of_one_log_at_a_time_equal_the_pipeline_features(
    real_logs: list[dict[str, Any]], handwritten_logs: list[dict[str, Any]]
) -> None:
    # Classification asks for one document per call, with the counting caches warm from earlier logs.
    model = load_model()
    documents = [featurize(row["log"]) for row in real_logs + handwritten_logs]
    expected = model.pipeline.named_steps["features"].transform(documents).tocsr()
    for index, document in enumerate(documents):
        assert (model.features([document]) != expected[index]).nnz == 0
    np.testing.assert_allclose(
        np.vstack([model.predict_proba([document]) for document in documents]),
        model.pipeline.predict_proba(documents),
        atol=1e-12,
    )
