"""Failure diagnosis: find the errors in a CI log and classify their cause.

Public interface::

    from conveyor.debug import detect, classify_log
    errors = detect(raw_log)              # list[DetectedError]
    result = classify_log(raw_log)        # ClassificationResult
    result.model_dump()                   # {"label", "confidence", "top", "errors"}

Invalid input raises ``InvalidLogError`` (a ``ValueError``); see ``normalize``.
"""

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

__all__ = [
    "LABELS",
    "MAX_LOG_BYTES",
    "BinaryLogError",
    "ClassificationResult",
    "DetectedError",
    "InvalidLogError",
    "LabelScore",
    "LogTooLargeError",
    "detect",
]
