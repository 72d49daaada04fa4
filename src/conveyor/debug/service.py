"""Debug domain services on top of the detection/classification library."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool

from conveyor.debug.redact import redact
from conveyor.debug.schemas import ClassificationResult, InvalidLogError, LogTooLargeError
from conveyor.errors import InvalidInput, PayloadTooLarge


async def classify(log: str) -> ClassificationResult:
    """Classify a failed run's log, its credentials redacted first; CPU-bound, so it runs off the
    event loop."""
    from conveyor.debug.classify import classify_log

    try:
        return await run_in_threadpool(lambda: classify_log(redact(log)))
    except LogTooLargeError as exc:
        raise PayloadTooLarge(str(exc)) from None
    except InvalidLogError as exc:
        raise InvalidInput(str(exc)) from None
