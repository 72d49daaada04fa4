from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix

from training.debug.candidates import CANDIDATES, PairSpecialists
from training.debug.records import REAL_PROVENANCE, CorpusRecord

LABELS = ("configuration", "dependency_missing", "network", "timeout")


def _data(rows_per_label: int = 12) -> tuple[csr_matrix, np.ndarray, list[CorpusRecord]]:
    """Each label has a feature of its own; configuration and dependency_missing share one more,
    with noise, so the global model often ranks the two first."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.array(LABELS), rows_per_label)
    matrix = rng.random((len(labels), 8)) * 0.3
    for i, label in enumerate(labels):
        matrix[i, LABELS.index(label)] += 1.0
        if label in LABELS[:2]:
            matrix[i, 4] += 1.0
    records = [
        CorpusRecord(str(label), "", "python", "github-actions", REAL_PROVENANCE, f"real:r{i}")
        for i, label in enumerate(labels)
    ]
    return csr_matrix(matrix), labels, records


def test_a_pair_s_mass_is_split_by_its_specialist_and_every_other_row_is_the_global_model_s() -> None:
    matrix, labels, records = _data()
    model = PairSpecialists(records, pairs=[("dependency_missing", "configuration")]).fit(
        matrix, labels, sample_weight=np.ones(len(labels))
    )
    assert tuple(model.classes_) == LABELS
    assert set(model.specialists) == {("configuration", "dependency_missing")}
    base = model.base.predict_proba(matrix)
    proba = model.predict_proba(matrix)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    top2 = {frozenset(np.argsort(-row)[:2].tolist()) for row in base}
    paired = np.array([set(np.argsort(-row)[:2].tolist()) == {0, 1} for row in base])
    assert paired.any() and not paired.all() and len(top2) > 1
    np.testing.assert_array_equal(proba[~paired], base[~paired])
    np.testing.assert_allclose(proba[paired][:, 2:], base[paired][:, 2:])
    mass = base[paired][:, :2].sum(axis=1)
    split = model.specialists[("configuration", "dependency_missing")].predict_proba(matrix[paired])
    np.testing.assert_allclose(proba[paired][:, :2], mass[:, None] * split)
    for before, after in zip(base, proba, strict=True):  # the top-3 set never changes
        assert set(np.argsort(-before)[:3].tolist()) == set(np.argsort(-after)[:3].tolist())


def test_a_pair_whose_label_is_missing_from_the_training_rows_gets_no_specialist() -> None:
    matrix, labels, records = _data()
    keep = np.flatnonzero(labels != "dependency_missing")
    model = PairSpecialists([records[i] for i in keep]).fit(matrix[keep], labels[keep])
    assert model.specialists == {}
    np.testing.assert_array_equal(model.predict_proba(matrix), model.base.predict_proba(matrix))


def test_the_pair_candidates_are_listed() -> None:
    assert {"pairs4-c0.2", "pairs2-c0.2", "pairs4-c0.5"} <= set(CANDIDATES)
