"""Failure diagnosis: find the errors in a CI log and classify their cause.

Public interface::

    from conveyor.debug import detect, classify_log
    errors = detect(raw_log)              # list[DetectedError]
    result = classify_log(raw_log)        # ClassificationResult
    result.model_dump()                   # {"label", "confidence", "top", "errors"}

Invalid input raises ``InvalidLogError`` (a ``ValueError``); see ``normalize``.
"""

from typing import TYPE_CHECKING, Any

from conveyor.debug.detect import detect
from conveyor.debug.normalize import MAX_LOG_BYTES
from conveyor.debug.schemas import (
    LABELS,
    BinaryLogError,
    ClassificationResult,
    DetectedError,
    InvalidLogError,
    LabelScore,
    LogTooLargeError,
)

if TYPE_CHECKING:
    from conveyor.debug.classify import classify_log


def __getattr__(name: str) -> Any:
    # classify_log pulls in scikit-learn; import it only when it is first used.
    if name == "classify_log":
        from conveyor.debug.classify import classify_log

        return classify_log
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LABELS",
    "MAX_LOG_BYTES",
    "BinaryLogError",
    "ClassificationResult",
    "DetectedError",
    "InvalidLogError",
    "LabelScore",
    "LogTooLargeError",
    "classify_log",
    "detect",
]
