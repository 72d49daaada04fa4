"""A small slice of the generated corpus for tests that fit real models."""

from __future__ import annotations

from training.debug.fit import CorpusRecord, load_corpus


def first_per_label(count: int) -> list[CorpusRecord]:
    """The first ``count`` generated examples of each label, in corpus order."""
    taken: dict[str, int] = {}
    records = []
    for record in load_corpus():
        if taken.get(record.label, 0) < count:
            taken[record.label] = taken.get(record.label, 0) + 1
            records.append(record)
    return records
