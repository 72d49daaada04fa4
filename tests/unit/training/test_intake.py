"""Taking in collected real excerpts: refusals, the split by source, and what gets appended."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.debug.intake import append as append_intake
from training.debug.intake import check, read_rows, summary

LONG_LOG = "error: linking with `cc` failed: exit status: 1\n  = note: /usr/bin/ld: cannot find -lssl\n"


def _record(number: int, log: str = "", label: str = "dependency_missing", **changes: str) -> dict[str, str]:
    record = {
        "label": label,
        "log": log or f"ImportError: libfoo{number}.so: cannot open shared object file",
        "source": f"https://github.com/o/r/issues/{number}",
        "ci": "github-actions",
        "ecosystem": "python",
        "origin": "issue",
        "note": "",
    }
    return record | changes


KNOWN: list[dict[str, Any]] = [
    {
        "label": "network",
        "log": "curl: (6) Could not resolve host: x",
        "source": "https://github.com/k/k/issues/1",
    },
    {"label": "dependency_missing", "log": LONG_LOG, "source": "https://github.com/k/k/issues/2"},
]


def test_records_go_where_their_source_hashes_whatever_file_they_came_in() -> None:
    # issues/0 hashes to train, issues/1 to untouched (records.split_of).
    intake = check([_record(0), _record(1)], KNOWN)
    assert [row["source"] for row in intake.train] == ["https://github.com/o/r/issues/0"]
    assert [row["source"] for row in intake.untouched] == ["https://github.com/o/r/issues/1"]
    assert intake.refused == []


def test_bad_and_repeated_records_are_refused_with_a_reason() -> None:
    collected = [
        _record(2, label="flaky"),
        _record(3, source="https://gitlab.com/o/r/-/issues/3"),
        _record(5, ci=""),
        _record(6, origin="blog"),
        _record(7, source="https://github.com/k/k/issues/1"),
        _record(8, log="curl:  (6) Could not resolve host: x"),
        _record(10, log="Run cargo build\n" + LONG_LOG + "Error: Process completed with exit code 1."),
        _record(14),
        _record(15, log=_record(14)["log"]),
    ]
    intake = check(collected, KNOWN)
    assert [row["source"] for row in intake.train] == ["https://github.com/o/r/issues/14"]
    assert [reason for _, reason in intake.refused] == [
        "unknown label 'flaky'",
        "source is not a GitHub URL",
        "missing ci",
        "unknown origin 'blog'",
        "source already in a set",
        "excerpt already in a set",
        "excerpt contains one already in a set",
        "excerpt already in a set",
    ]


def test_accepted_records_are_appended_and_untouched_ones_tagged_with_their_batch(tmp_path: Path) -> None:
    train, untouched = tmp_path / "train.jsonl", tmp_path / "untouched.jsonl"
    train.write_text(json.dumps(_record(16)) + "\n", "utf-8")
    untouched.write_text(json.dumps({"label": "network", "batch": 3}), "utf-8")
    intake = check([_record(0), _record(1)], KNOWN)
    append_intake(intake, 4, train, untouched)
    assert [row["source"] for row in read_rows(train)] == [
        "https://github.com/o/r/issues/16",
        "https://github.com/o/r/issues/0",
    ]
    added = read_rows(untouched)[-1]
    assert added["batch"] == 4 and added["source"] == "https://github.com/o/r/issues/1"
    assert "origin" not in added and len(read_rows(untouched)) == 2
    assert "libfoo1" not in summary(intake) and "untouched +1" in summary(intake)
