from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from conveyor.debug import LABELS, classify_log
from conveyor.debug.classify import MAX_LOG_BYTES, TOP_K
from conveyor.debug.schemas import BinaryLogError, InvalidLogError, LogTooLargeError

NPM_CONFLICT = "Run npm ci\nnpm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree\n"


def test_result_json_has_exactly_the_public_shape() -> None:
    dumped = classify_log(NPM_CONFLICT).model_dump()
    assert set(dumped) == {"label", "confidence", "top", "errors", "failing_tests"}
    assert set(dumped["top"][0]) == {"label", "confidence"}
    assert set(dumped["errors"][0]) == {
        "message",
        "kind",
        "tool",
        "file",
        "line",
        "column",
        "test",
        "exit_code",
        "excerpt",
    }


def test_top_labels_are_sorted_distinct_probabilities() -> None:
    result = classify_log(NPM_CONFLICT)
    confidences = [item.confidence for item in result.top]
    assert len(result.top) == TOP_K
    assert confidences == sorted(confidences, reverse=True)
    assert len({item.label for item in result.top}) == TOP_K
    assert all(item.label in LABELS for item in result.top)
    assert 0.0 < sum(confidences) <= 1.0001
    assert result.label == result.top[0].label == "dependency_conflict"
    assert result.confidence == result.top[0].confidence


def test_bytes_and_str_inputs_agree() -> None:
    assert classify_log(NPM_CONFLICT.encode()) == classify_log(NPM_CONFLICT)


@pytest.mark.parametrize("empty", ["", "\n\n   \n", b""])
def test_empty_log_gives_null_label_and_zero_confidence(empty: str | bytes) -> None:
    result = classify_log(empty)
    assert result.model_dump() == {
        "label": None,
        "confidence": 0.0,
        "top": [],
        "errors": [],
        "failing_tests": [],
    }


def test_binary_junk_raises_invalid_log_error() -> None:
    with pytest.raises(BinaryLogError):
        classify_log(bytes(range(256)) * 40)


def test_invalid_utf8_is_still_classified() -> None:
    log = b"$ df -h\n\xff\xfe\xfa garbled\nwrite /tmp/x: no space left on device\n"
    assert classify_log(log).label == "disk_space"


def test_oversized_log_raises_before_any_work() -> None:
    with pytest.raises(LogTooLargeError):
        classify_log(b" " * (MAX_LOG_BYTES + 1))
    assert issubclass(LogTooLargeError, InvalidLogError)


def test_fifty_megabyte_log_is_classified_from_its_error_regions() -> None:
    noise = b"2024-01-01T00:00:00Z [info] compiling module ok, progress 42%\n"
    body = noise * (50 * 1024 * 1024 // len(noise))
    result = classify_log(body + b"npm ERR! code ENOSPC\nnpm ERR! nospc ENOSPC: no space left on device\n")
    assert result.label == "disk_space"
    assert any(error.kind == "disk_full" for error in result.errors)


def test_model_is_not_loaded_at_import_time() -> None:
    code = (
        "import conveyor.debug, conveyor.debug.classify\n"
        "from conveyor.debug.model import load_model\n"
        "print(load_model.cache_info().currsize)"
    )
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "0"


def _accuracy(rows: list[dict[str, Any]]) -> float:
    return sum(classify_log(row["log"]).label == row["label"] for row in rows) / len(rows)


def test_real_ci_logs_holdout_accuracy(real_logs: list[dict[str, Any]]) -> None:
    assert len(real_logs) >= 40
    assert all(row["source"].startswith("https://github.com/") for row in real_logs)
    assert _accuracy(real_logs) >= 0.95


def test_handwritten_holdout_accuracy(handwritten_logs: list[dict[str, Any]]) -> None:
    assert {row["label"] for row in handwritten_logs} == set(LABELS)
    assert _accuracy(handwritten_logs) >= 0.9
