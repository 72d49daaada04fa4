"""The shipped model on the untouched real-log holdout (never used for training or tuning).

Floors sit a little under the scores measured once with the sixth part of issue #17's model
(see training/debug/data/README.md): all 696 excerpts 0.905 accuracy / 0.913 macro-F1 / 0.987
top-3 (the seventh part's model: all 733, 0.914 / 0.923 / 0.988); batch 2 alone, collected after
every change of issue #4 was made, 0.853 / 0.827 / 1.000;
batch 3, split off by a hash of the source while collecting the real training excerpts, 0.949 /
0.958 / 1.000; batch 4, split off the same way by the third part's collectors, 0.960 / 0.961 /
0.994; batch 5, routed by repository (no repository of it has a training excerpt) in the fourth
part, 0.794 / 0.809 / 0.979; batch 6, routed the same way in the fifth part, 0.886 / 0.878 / 0.977;
batch 7, routed the same way in the sixth part, 0.908 / 0.834 / 0.985; batch 8, routed the same
way in the seventh part, 0.892 / 0.848 / 0.946 (37 excerpts); batches 9 and 10, routed the same
way in the eighth part, 0.882 / 0.900 / 0.973 and 0.892 / 0.818 / 0.959 before the model was retrained
with their training side (the eighth part's model: all 917, 0.919 / 0.929 / 0.989; batch 9 0.936 /
0.948 / 0.982; batch 10 0.932 / 0.938 / 0.986); batches 11 and 12, routed the same way in the ninth part,
0.869 / 0.889 / 0.961 and 0.824 / 0.820 / 1.000 (17 excerpts) before retraining (the ninth part's model:
all 1087, 0.917 / 0.930 / 0.991; batch 11 0.882 / 0.910 / 0.993; batch 12 0.824 / 0.820 / 0.941).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conveyor.debug.model import load_model
from conveyor.debug.schemas import LABELS
from training.debug.evaluation import Evaluation, evaluate_model


def _evaluate(rows: list[dict[str, Any]]) -> Evaluation:
    return evaluate_model(load_model(), [row["log"] for row in rows], [row["label"] for row in rows])


def test_untouched_set_is_large_labelled_and_sourced(untouched_logs: list[dict[str, Any]]) -> None:
    counts = Counter(row["label"] for row in untouched_logs)
    assert set(counts) == set(LABELS)
    assert len(untouched_logs) >= 150
    assert min(Counter(row["label"] for row in untouched_logs if row["batch"] == 1).values()) >= 8
    assert all(row["source"].startswith("https://") for row in untouched_logs)
    assert len({row["source"] for row in untouched_logs}) == len(untouched_logs)
    assert len({row["ci"] for row in untouched_logs}) >= 8


def test_untouched_set_does_not_overlap_the_other_holdout(
    untouched_logs: list[dict[str, Any]], real_logs: list[dict[str, Any]]
) -> None:
    assert not {row["source"] for row in untouched_logs} & {row["source"] for row in real_logs}


def test_shipped_model_on_the_untouched_set(untouched_logs: list[dict[str, Any]]) -> None:
    evaluation = _evaluate(untouched_logs)
    assert evaluation.accuracy >= 0.90
    assert evaluation.macro_f1 >= 0.91
    assert evaluation.top3_accuracy >= 0.98


# Accuracy floor of each batch collected after the first; every batch's top-3 floor is 0.94.
BATCH_FLOORS = {
    2: 0.82,
    3: 0.85,
    4: 0.93,
    5: 0.74,
    6: 0.85,
    7: 0.87,
    8: 0.86,
    9: 0.90,
    10: 0.88,
    11: 0.85,
    12: 0.76,
}


@pytest.mark.parametrize(("batch", "accuracy"), BATCH_FLOORS.items())
def test_shipped_model_on_the_batches_collected_last(
    untouched_logs: list[dict[str, Any]], batch: int, accuracy: float
) -> None:
    evaluation = _evaluate([row for row in untouched_logs if row["batch"] == batch])
    assert evaluation.accuracy >= accuracy
    assert evaluation.top3_accuracy >= 0.94
