"""The leave-repository-out split: real excerpts held out by repository, the corpus always trains."""

from __future__ import annotations

import numpy as np

from tests.unit.training.corpus_sample import first_per_label
from training.debug.evaluation import REPOSITORY, cross_validate_split, repository_folds
from training.debug.fit import CorpusRecord, featurize
from training.debug.records import REAL_PROVENANCE, load_real


def _records() -> list[CorpusRecord]:
    return first_per_label(8) + load_real()[:60]


def test_folds_hold_out_whole_repositories_and_train_on_every_generated_example() -> None:
    records = _records()
    labels = np.array([record.label for record in records])
    generated = {i for i, record in enumerate(records) if record.provenance != REAL_PROVENANCE}
    folds = repository_folds(records, labels, 3, seed=1)
    assert len(folds) == 3
    tested: list[int] = []
    for train, test in folds:
        assert generated <= set(train.tolist())
        assert not {records[i].template for i in train} & {records[i].template for i in test}
        tested += test.tolist()
    assert sorted(tested) == sorted(set(range(len(records))) - generated)


def test_the_repository_split_scores_the_real_excerpts_only() -> None:
    records = _records()
    split = cross_validate_split(records, [featurize(r.log) for r in records], 3, 1, REPOSITORY)
    assert split.real is not None
    assert split.overall.size == split.real.size == 60
    assert 0.0 <= split.real.macro_f1 <= 1.0
