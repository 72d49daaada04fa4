from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from conveyor.debug.schemas import LABELS
from training.debug.corpus.build import PER_LABEL, SEED, generate
from training.debug.fit import CORPUS_PATH, load_corpus


def test_corpus_has_enough_examples_per_label() -> None:
    counts = Counter(record.label for record in load_corpus())
    assert set(counts) == set(LABELS)
    assert min(counts.values()) >= 60


def test_corpus_spans_many_ecosystems_and_ci_systems() -> None:
    records = load_corpus()
    assert len({record.ecosystem for record in records}) >= 8
    assert len({record.ci for record in records}) >= 6
    for label in LABELS:
        templates = {record.template for record in records if record.label == label}
        assert len(templates) >= 10, label


def test_corpus_examples_are_multi_line_and_noisy() -> None:
    records = load_corpus()
    lengths = [record.log.count("\n") + 1 for record in records]
    assert sum(lengths) / len(lengths) >= 15
    assert sum("\x1b[" in record.log for record in records) >= 100


def test_corpus_file_is_exactly_what_the_seeded_generator_writes() -> None:
    expected = [record["log"] for record in generate(SEED, PER_LABEL)]
    assert [record.log for record in load_corpus(CORPUS_PATH)] == expected


def test_generator_output_depends_on_the_seed() -> None:
    first = [r["log"] for r in itertools.islice(generate(1, 5), 10)]
    second = [r["log"] for r in itertools.islice(generate(2, 5), 10)]
    assert first != second


def test_holdout_logs_are_not_in_the_corpus(
    real_logs: list[dict[str, Any]],
    handwritten_logs: list[dict[str, Any]],
    untouched_logs: list[dict[str, Any]],
) -> None:
    # Canonical one-line tool messages (e.g. Travis "No output has been received ...")
    # legitimately appear in both; a multi-line holdout excerpt must never be in the corpus.
    corpus_text = "\n".join(record.log for record in load_corpus())
    holdouts = real_logs + handwritten_logs + untouched_logs
    multi_line = [row for row in holdouts if row["log"].count("\n") >= 2]
    assert len(multi_line) >= 150
    for row in multi_line:
        assert row["log"] not in corpus_text, row["source"]
