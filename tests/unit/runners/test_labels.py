from __future__ import annotations

import platform

import pytest

from conveyor.runners.labels import default_labels, queue_for, runner_labels, worker_queues


def test_every_runner_has_self_hosted_its_system_and_architecture() -> None:
    labels = default_labels()
    assert "self-hosted" in labels and platform.system().lower() in labels
    assert runner_labels([], local=True) == labels | {"local"}
    assert runner_labels([" GPU", "cuda-12"], local=False) == labels | {"gpu", "cuda-12"}


def test_bad_or_too_many_labels_are_refused() -> None:
    with pytest.raises(ValueError, match="invalid runner label 'a b'"):
        runner_labels(["a b"], local=False)
    with pytest.raises(ValueError, match="at most 8 labels"):
        runner_labels([f"l{n}" for n in range(6)], local=False)


def test_a_job_travels_on_its_label_set_queue_which_every_able_worker_takes() -> None:
    assert queue_for("jobs", []) == "jobs"
    assert queue_for("jobs", ["linux", "gpu", "gpu"]) == "jobs@gpu+linux"
    queues = worker_queues("jobs", frozenset({"linux", "gpu", "x64"}))
    assert len(queues) == 8 and queues[0] == "jobs"
    assert {"jobs@gpu", "jobs@gpu+linux", "jobs@gpu+linux+x64"} <= set(queues)
    assert queue_for("jobs", ["gpu", "arm64"]) not in queues
