"""The one vocabulary of run statuses (executions, their jobs and steps) and the sets that sort
them, defined here once: services, runners and the event catalog's priority rule read them, and
``conveyor typescript`` generates the dashboard's copies (web/src/services/events.generated.ts)."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    QUEUED = "queued"
    WAITING = "waiting"  # for a maintainer to approve a job of a protected environment
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    SKIPPED = "skipped"

    @property
    def done(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({Status.SUCCESS, Status.FAILED, Status.CANCELLED, Status.TIMED_OUT, Status.SKIPPED})
FAILING = frozenset({Status.FAILED, Status.CANCELLED, Status.TIMED_OUT})
RETRYABLE = FAILING
FAILED_ON_ITS_OWN = frozenset({Status.FAILED, Status.TIMED_OUT})

STATUS_SETS: dict[str, tuple[frozenset[Status], str]] = {
    "TERMINAL": (TERMINAL, "Ended: nothing about it changes any more (until a re-run)."),
    "FAILING": (FAILING, "Ended without success: `failure()` is true after it; a step like it ends its job."),
    "RETRYABLE": (RETRYABLE, "An execution that ended like this can re-run its failed jobs."),
    "FAILED_ON_ITS_OWN": (
        FAILED_ON_ITS_OWN,
        "Failed with nobody asking (not cancelled): its completion is announced with HIGH priority.",
    ),
}
