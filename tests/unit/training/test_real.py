"""The real CI log excerpts: sourced, labelled, and never shared with the untouched evaluation set."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from conveyor.debug.schemas import LABELS
from training.debug.records import (
    EXTERNAL_DEV_PATH,
    REAL_PROVENANCE,
    REAL_TRAIN_PATH,
    load_real,
    load_training_records,
    repository_of,
    sides_of_repositories,
    split_of,
    split_of_url_legacy,
)

# Batches 1-4 were split by a hash of the URL; records taken in since carry their batch (5 on).
FIRST_BATCH_BY_REPOSITORY = 5


def _rows(path: Any) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_real_excerpt_says_where_it_comes_from() -> None:
    for row in _rows(REAL_TRAIN_PATH) + _rows(EXTERNAL_DEV_PATH):
        assert row["label"] in LABELS
        assert row["ci"] and row["ecosystem"] and row["log"].strip()
        assert row["origin"] in ("issue", "page") or row["origin"].startswith("dataset:")
        if row["origin"] == "page":
            assert row["source"].startswith("https://") and "github.com" not in row["source"]
        else:
            assert row["source"].startswith("https://github.com/"), row["source"]


def _by_repository(row: dict[str, Any]) -> bool:
    return int(row.get("batch", 0)) >= FIRST_BATCH_BY_REPOSITORY


def test_collected_excerpts_were_split_by_their_url_up_to_batch_four(
    untouched_logs: list[dict[str, Any]],
) -> None:
    issues = [row for row in _rows(REAL_TRAIN_PATH) if row["origin"] == "issue" and not _by_repository(row)]
    assert issues
    assert all(split_of_url_legacy(row["source"]) == "train" for row in issues)
    collected_late = [row for row in untouched_logs if row["batch"] in (3, 4)]
    assert collected_late
    assert all(split_of_url_legacy(row["source"]) == "untouched" for row in collected_late)


def test_later_excerpts_went_to_the_side_of_their_repository(untouched_logs: list[dict[str, Any]]) -> None:
    trained = _rows(REAL_TRAIN_PATH)
    earlier = sides_of_repositories(
        (row["source"] for row in trained if not _by_repository(row)),
        (row["source"] for row in untouched_logs if not _by_repository(row)),
    )
    later = [(row, "train") for row in trained if _by_repository(row)]
    later += [(row, "untouched") for row in untouched_logs if _by_repository(row)]
    assert all(split_of(row["source"], earlier) == side for row, side in later)


def test_no_evaluation_excerpt_is_trained_on(
    untouched_logs: list[dict[str, Any]], real_logs: list[dict[str, Any]]
) -> None:
    trained = _rows(REAL_TRAIN_PATH)
    held_out = untouched_logs + real_logs + _rows(EXTERNAL_DEV_PATH)
    assert not {row["source"] for row in trained} & {row["source"] for row in held_out}
    trained_text = "\n".join(row["log"] for row in trained)
    for row in held_out:
        if row["log"].count("\n") >= 2:
            assert row["log"] not in trained_text, row["source"]


def test_real_excerpts_join_the_corpus_grouped_by_repository() -> None:
    real = load_real()
    records = load_training_records()
    assert records[-len(real) :] == real
    assert all(record.provenance == REAL_PROVENANCE for record in real)
    assert Counter(record.provenance for record in records)[REAL_PROVENANCE] == len(real)
    assert {record.template for record in real} == {
        f"real:{repository_of(row['source'])}" for row in _rows(REAL_TRAIN_PATH)
    }
    assert repository_of("https://github.com/Org/Repo/issues/3#c") == "org/repo"
    assert (
        repository_of("https://stackoverflow.com/questions/1/x") == "https://stackoverflow.com/questions/1/x"
    )
