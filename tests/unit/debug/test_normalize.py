from __future__ import annotations

import pytest

from conveyor.debug.normalize import (
    ANALYSIS_LIMIT_BYTES,
    MAX_LOG_BYTES,
    REGION_SEPARATOR,
    TAIL_BYTES,
    prepare_log,
    select_regions,
    strip_noise,
)
from conveyor.debug.schemas import BinaryLogError, InvalidLogError, LogTooLargeError


def test_strip_noise_removes_ansi_timestamps_and_ci_markers() -> None:
    raw = (
        "2024-03-01T10:00:00.1234567Z ##[group]Run pytest\n"
        "2024-03-01T10:00:01.0000000Z \x1b[31;1mFAILED\x1b[0m tests/test_a.py::test_x\n"
        "[2024-03-01T10:00:02.000Z] + make\n"
        "##[error]Process completed with exit code 1.\n"
    )
    assert strip_noise(raw).splitlines() == [
        "Run pytest",
        "FAILED tests/test_a.py::test_x",
        "+ make",
        "Process completed with exit code 1.",
    ]


def test_strip_noise_keeps_only_last_progress_overwrite_and_drops_gitlab_sections() -> None:
    raw = "\x1b[0Ksection_start:1700000000:build\r\x1b[0KBuilding\nDownloading 10%\rDownloading 100%\r\n"
    assert strip_noise(raw).splitlines() == ["Building", "Downloading 100%"]


def test_buildkit_step_timing_is_dropped_but_step_number_kept() -> None:
    assert (
        strip_noise("#7 2.913 E: Unable to locate package libfoo") == "#7 E: Unable to locate package libfoo"
    )


@pytest.mark.parametrize("empty", ["", "   \n\t\n", b"", b"\n\n"])
def test_empty_input_gives_empty_text(empty: str | bytes) -> None:
    assert prepare_log(empty) == ""


def test_nul_bytes_are_rejected_as_binary() -> None:
    with pytest.raises(BinaryLogError):
        prepare_log(b"\x7fELF\x02\x01\x01\x00\x00\x00" * 100)


def test_mostly_undecodable_bytes_are_rejected_as_binary() -> None:
    junk = bytes(range(128, 256)) * 64
    with pytest.raises(BinaryLogError):
        prepare_log(junk)


def test_invalid_utf8_inside_text_is_replaced() -> None:
    text = prepare_log(b"npm ERR! code ENOSPC caf\xe9 \xff\xfe\nmore text here\n")
    assert "npm ERR! code ENOSPC" in text
    assert "\ufffd" in text


def test_too_large_input_raises_a_value_error() -> None:
    with pytest.raises(LogTooLargeError) as caught:
        prepare_log(b"a" * (MAX_LOG_BYTES + 1))
    assert isinstance(caught.value, InvalidLogError)
    assert isinstance(caught.value, ValueError)


def test_select_regions_keeps_small_logs_whole() -> None:
    raw = b"line\n" * 100
    assert select_regions(raw) is raw


def test_select_regions_bounds_large_logs_and_keeps_tail_and_error_window() -> None:
    noise = b"compiling module ok\n" * 200_000
    raw = noise + b"fatal: early error marker here\n" + noise + b"the final tail line\n"
    selected = select_regions(raw)
    assert len(selected) < TAIL_BYTES + ANALYSIS_LIMIT_BYTES
    assert selected.endswith(b"the final tail line\n")
    assert b"fatal: early error marker here" in selected
    assert REGION_SEPARATOR in selected


def test_a_log_of_more_than_a_tenth_control_bytes_is_binary() -> None:
    # Tab, newline, form feed, carriage return, backspace and escape are text; other bytes < 32 not.
    text = b"x" * 880
    assert prepare_log(text + b"\t\n\x0c\r\x08\x1b" * 20)
    assert prepare_log(text + b"\x01" * 97)
    with pytest.raises(BinaryLogError):
        prepare_log(text + b"\x01\x02" * 50)
