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


# The best-known message of each label, as a step of any CI prints it. One mislabelled training
# excerpt once pulled the Python import failure below to configuration (training data README,
# issue #17 fourth part): these guard the canonical shapes against such drift.
CANONICAL = {
    "dependency_missing": (
        'Traceback (most recent call last):\n  File "app/main.py", line 2, in <module>\n'
        "    import yaml\nModuleNotFoundError: No module named 'yaml'\n"
    ),
    "dependency_conflict": NPM_CONFLICT,
    "compile_error": "src/main.c:12:5: error: expected ';' before 'return'\n"
    "make: *** [Makefile:4: main.o] Error 1\n",
    "test_failure": "FAILED tests/test_api.py::test_create - AssertionError: assert 404 == 201\n"
    "========================= 1 failed, 41 passed in 3.2s =========================\n",
    "lint_format": "$ ruff check .\napp/views.py:3:1: F401 [*] `os` imported but unused\nFound 1 error.\n",
    "type_check": "$ mypy src\n"
    'src/app.py:10: error: Incompatible return value type (got "int", expected "str")  [return-value]\n'
    "Found 1 error in 1 file (checked 12 source files)\n",
    "timeout": "##[error]The job running on runner GitHub Actions 2 has exceeded "
    "the maximum execution time of 360 minutes.\n",
    "out_of_memory": "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n",
    "network": "curl: (6) Could not resolve host: registry.example.org\n",
    "permission_auth": "remote: Permission to acme/app.git denied to github-actions[bot].\n"
    "fatal: unable to access 'https://github.com/acme/app/': The requested URL returned error: 403\n",
    "configuration": 'npm ERR! Missing script: "build"\n',
    "disk_space": "OSError: [Errno 28] No space left on device\n",
    "infrastructure": "##[error]We stopped hearing from agent Hosted Agent. "
    "Verify the agent machine is running and has a healthy network connection.\n",
}


@pytest.mark.parametrize(("label", "log"), CANONICAL.items(), ids=list(CANONICAL))
def test_the_canonical_message_of_each_label_is_read_as_it(label: str, log: str) -> None:
    assert set(CANONICAL) == set(LABELS)
    assert classify_log(log).label == label
