"""Classify the cause of a failed CI run from its log.

``classify_log(log)`` is the single entry point used by the CLI and the HTTP route.
It returns a ``ClassificationResult`` whose ``model_dump()`` is the public JSON
(see ``conveyor.debug.schemas``). Input policy:

* empty or whitespace-only log: ``label=None``, ``confidence=0.0``, empty ``top``
  and ``errors`` (nothing to diagnose, not an error);
* more than ``MAX_LOG_BYTES`` (64 MiB): ``LogTooLargeError``;
* binary data: ``BinaryLogError``; both subclass ``InvalidLogError(ValueError)``;
* invalid UTF-8 in a text log: replaced, then classified as usual;
* large logs: only the tail and the regions around error markers are read.

The model is loaded lazily on first use and cached for the process.
"""

from __future__ import annotations

from typing import Final

from conveyor.debug.detect import detect_in_text
from conveyor.debug.features import build_document
from conveyor.debug.model import load_model
from conveyor.debug.normalize import MAX_LOG_BYTES, prepare_log
from conveyor.debug.schemas import ClassificationResult, DetectedError, LabelScore

TOP_K: Final = 3
CONFIDENCE_DIGITS: Final = 4

__all__ = ["MAX_LOG_BYTES", "classify_log"]


def classify_log(log: str | bytes) -> ClassificationResult:
    """Detect the errors in ``log`` and classify the failure (may raise ``InvalidLogError``)."""
    text = prepare_log(log)
    if not text.strip():
        return ClassificationResult(label=None, confidence=0.0, top=[], errors=[])
    errors = detect_in_text(text)
    model = load_model()
    probabilities = model.predict_proba([build_document(text, errors)])[0]
    ranked = sorted(zip(model.labels, probabilities, strict=True), key=lambda pair: -pair[1])
    top = [
        LabelScore(label=label, confidence=round(float(p), CONFIDENCE_DIGITS)) for label, p in ranked[:TOP_K]
    ]
    return ClassificationResult(
        label=top[0].label,
        confidence=top[0].confidence,
        top=top,
        errors=errors,
        failing_tests=failing_tests(errors),
    )


def failing_tests(errors: list[DetectedError]) -> list[str]:
    """The distinct test names the detected errors report, in log order."""
    return list(dict.fromkeys(error.test for error in errors if error.test))
