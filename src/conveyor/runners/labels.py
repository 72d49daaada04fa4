"""Runner labels: what a runner offers, and the Celery queue per label set a job travels on.

Every runner has ``self-hosted``, its system (``linux``) and its architecture (``x64``,
``arm64``), as GitHub's self-hosted runners do; the local runner adds ``local``. A job's
``runs-on`` labels must all be among its runner's.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable
from itertools import combinations

from conveyor.pipelines.spec.model import MAX_LABELS, check_label

_ARCHITECTURES = {"x86_64": "x64", "amd64": "x64", "aarch64": "arm64", "armv7l": "arm", "i686": "x86"}


def default_labels() -> frozenset[str]:
    machine = platform.machine().lower()
    return frozenset({"self-hosted", platform.system().lower(), _ARCHITECTURES.get(machine, machine)})


def runner_labels(extra: Iterable[str], *, local: bool) -> frozenset[str]:
    """The defaults plus ``extra`` (ValueError names a bad label, or too many)."""
    labels = (
        default_labels() | {check_label(label.strip()) for label in extra} | ({"local"} if local else set())
    )
    if len(labels) > MAX_LABELS:
        raise ValueError(f"a runner has at most {MAX_LABELS} labels, defaults included: {sorted(labels)}")
    return labels


def queue_for(base: str, labels: Iterable[str]) -> str:
    """The Celery queue of jobs needing exactly this label set (``base`` without labels)."""
    wanted = sorted(set(labels))
    return f"{base}@{'+'.join(wanted)}" if wanted else base


def worker_queues(base: str, labels: frozenset[str]) -> list[str]:
    """Every queue a worker with these labels takes jobs from: one per subset of its labels."""
    ordered = sorted(labels)
    return [
        queue_for(base, subset) for size in range(len(ordered) + 1) for subset in combinations(ordered, size)
    ]
