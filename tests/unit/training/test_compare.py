from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.training.corpus_sample import first_per_label
from training.debug.candidates import CANDIDATES
from training.debug.compare import (
    EARLY_BATCHES,
    all_folds,
    batch_folds,
    batch_name,
    cached_documents,
    compare,
)
from training.debug.fit import featurize
from training.debug.records import REAL_PROVENANCE, CorpusRecord, load_real, load_real_batches


def _record(label: str, real: bool, repository: str = "") -> CorpusRecord:
    provenance = REAL_PROVENANCE if real else "generated"
    template = f"real:{repository}" if real else f"template-{label}"
    return CorpusRecord(label, f"log of {label}", "python", "github-actions", provenance, template)


def _toy() -> tuple[list[CorpusRecord], list[str | None]]:
    labels = ["network", "timeout", "disk_space"]
    records = [_record(label, real=False) for label in labels for _ in range(3)]
    batches: list[str | None] = [None] * len(records)
    for number in range(30):
        records.append(_record(labels[number % 3], real=True, repository=f"owner/repo{number % 10}"))
        batches.append(batch_name(None) if number < 12 else batch_name(5 + number % 3))
    return records, batches


def test_batch_folds_hold_out_each_batch_and_its_repositories_and_always_train_the_generated() -> None:
    records, batches = _toy()
    folds = batch_folds(records, batches)
    assert [fold.name for fold in folds] == [EARLY_BATCHES, "5", "6", "7"]
    generated = {i for i, record in enumerate(records) if record.provenance != REAL_PROVENANCE}
    tested = np.concatenate([fold.test for fold in folds])
    assert sorted(tested.tolist()) == sorted(set(range(len(records))) - generated)
    for fold in folds:
        assert {batches[i] for i in fold.test} == {fold.name}
        assert generated <= set(fold.train.tolist())
        held_out = {records[i].template for i in fold.test}
        other_repositories = {
            i for i in set(range(len(records))) - generated if records[i].template not in held_out
        }
        assert set(fold.train.tolist()) == generated | other_repositories


def test_batch_folds_refuse_a_generated_record_with_a_batch() -> None:
    records, batches = _toy()
    batches[0] = "5"
    with pytest.raises(ValueError, match="no batch"):
        batch_folds(records, batches)


def test_all_folds_keep_a_repository_on_one_side_and_end_with_the_full_fit() -> None:
    records, batches = _toy()
    folds = all_folds(records, batches)
    assert [fold.kind for fold in folds] == ["repository"] * 5 + ["batch"] * 4 + ["full"]
    repository = [fold for fold in folds if fold.kind == "repository"]
    tested = np.concatenate([fold.test for fold in repository]).tolist()
    assert sorted(tested) == [i for i, record in enumerate(records) if record.provenance == REAL_PROVENANCE]
    for fold in repository:
        held_out = {records[i].template for i in fold.test}
        assert not held_out & {records[i].template for i in fold.train}
    assert len(folds[-1].train) == len(records)
    assert len(folds[-1].test) == 0


def test_the_real_excerpts_batches_line_up_with_the_records() -> None:
    batches = load_real_batches()
    assert len(batches) == len(load_real())
    assert batches[0] is None
    assert {5, 6, 7, 8} <= set(batches)


def test_cached_documents_are_featurize_and_are_read_back(tmp_path: Path) -> None:
    logs = ["ModuleNotFoundError: No module named 'yaml'\n", "curl: (6) Could not resolve host: x\n"]
    assert cached_documents(logs, tmp_path) == [featurize(log) for log in logs]
    (cache,) = tmp_path.glob("documents-*.json")
    cache.write_text(cache.read_text().replace("yaml", "cached"))
    assert "cached" in cached_documents(logs, tmp_path)[0]


def test_compare_scores_every_evaluation_on_a_small_corpus(tmp_path: Path) -> None:
    generated = first_per_label(6)
    real = load_real()[:60]
    batches: list[str | None] = [None] * len(generated) + [
        batch_name(None) if i % 2 else batch_name(9) for i in range(len(real))
    ]
    external = [(real[0].label, real[0].log)]
    (report,) = compare(
        [CANDIDATES["shipped"]], generated + real, batches, external, jobs=1, cache_dir=tmp_path
    )
    assert report.repository.size == len(real)
    assert set(report.batches) == {EARLY_BATCHES, "9"}
    assert report.batches_pooled.size == len(real)
    assert report.external.size == 1
    assert 0.0 <= report.canonical <= 1.0
    assert report.row().startswith("| shipped |")
