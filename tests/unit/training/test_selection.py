from __future__ import annotations

from tests.unit.training.corpus_sample import first_per_label
from training.debug.records import load_real
from training.debug.selection import SELECTION_SPLITS, score_candidates


def test_candidates_are_ranked_by_their_leave_source_out_score_on_real_excerpts() -> None:
    records = first_per_label(20) + load_real()[:40]
    scores = score_candidates(records, folds=2, candidates=(1.0,), real_weights=(1.0, 4.0))
    assert sorted((score.svm_c, score.real_weight) for score in scores) == [(1.0, 1.0), (1.0, 4.0)]
    assert all(set(score.macro_f1) == set(SELECTION_SPLITS) for score in scores)
    assert [score.mean for score in scores] == sorted((score.mean for score in scores), reverse=True)
