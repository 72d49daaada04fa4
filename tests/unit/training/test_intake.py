"""Taking in collected real excerpts: refusals, the split by source, and what gets appended."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.debug.intake import append as append_intake
from training.debug.intake import check, read_rows, summary
from training.debug.records import sides_of_repositories, split_of, split_of_url_legacy

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


def _sides(train: tuple[str, ...] = (), untouched: tuple[str, ...] = ()) -> dict[str, set[str]]:
    return sides_of_repositories(train, untouched)


def test_batches_one_to_four_were_split_by_a_hash_of_the_url() -> None:
    # The sides the existing records were put on; test_real checks every one of them with it.
    assert split_of_url_legacy("https://github.com/o/r/issues/0") == "train"
    assert split_of_url_legacy("https://github.com/o/r/issues/1") == "untouched"


def test_a_new_repository_goes_where_its_name_hashes_with_all_its_records() -> None:
    # "o/r" hashes to untouched, "u/q" to train, whatever the issue numbers hash to.
    assert split_of("https://github.com/o/r/issues/0", {}) == "untouched"
    assert split_of("https://github.com/U/Q/pull/1", {}) == "train"
    collected = [_record(0), _record(1, source="https://github.com/u/q/issues/1"), _record(3)]
    intake = check(collected, KNOWN, _sides())
    assert [row["source"] for row in intake.untouched] == [
        "https://github.com/o/r/issues/0",
        "https://github.com/o/r/issues/3",
    ]
    assert [row["source"] for row in intake.train] == ["https://github.com/u/q/issues/1"]
    assert intake.refused == []


def test_a_known_repository_keeps_its_side_and_one_on_both_sides_goes_to_training() -> None:
    sides = _sides(
        train=("https://github.com/o/r/issues/7", "https://github.com/both/x/issues/1"),
        untouched=("https://github.com/u/q/issues/9", "https://github.com/both/x/issues/2"),
    )
    repositories = ("o/r", "u/q", "both/x")
    intake = check(
        [_record(n, source=f"https://github.com/{repo}/issues/4{n}") for n, repo in enumerate(repositories)],
        KNOWN,
        sides,
    )
    assert [row["source"] for row in intake.untouched] == ["https://github.com/u/q/issues/41"]
    assert [row["source"] for row in intake.train] == [
        "https://github.com/o/r/issues/40",
        "https://github.com/both/x/issues/42",
    ]


def test_a_web_page_is_its_own_repository() -> None:
    page = "https://stackoverflow.com/questions/123/npm-err-code-enoent"
    intake = check([_record(1, source=page, origin="page")], KNOWN, _sides())
    sides = intake.train or intake.untouched
    assert [row["source"] for row in sides] == [page]
    assert (sides is intake.untouched) == (split_of_url_legacy(page) == "untouched")
    assert split_of(page, _sides(untouched=(page,))) == "untouched"


def test_bad_and_repeated_records_are_refused_with_a_reason() -> None:
    collected = [
        _record(2, label="flaky"),
        _record(3, source="https://gitlab.com/o/r/-/issues/3"),
        _record(5, ci=""),
        _record(6, origin="blog"),
        _record(4, origin="page"),
        _record(9, origin="page", source="http://example.com/ci/9"),
        _record(7, source="https://github.com/k/k/issues/1"),
        _record(8, log="curl:  (6) Could not resolve host: x"),
        _record(10, log="Run cargo build\n" + LONG_LOG + "Error: Process completed with exit code 1."),
        _record(14),
        _record(15, log=_record(14)["log"]),
    ]
    intake = check(collected, KNOWN, _sides())
    assert [row["source"] for row in intake.train + intake.untouched] == ["https://github.com/o/r/issues/14"]
    assert [reason for _, reason in intake.refused] == [
        "unknown label 'flaky'",
        "source is not a GitHub URL",
        "missing ci",
        "unknown origin 'blog'",
        "a page's source is not an https URL off GitHub",
        "a page's source is not an https URL off GitHub",
        "source already in a set",
        "excerpt already in a set",
        "excerpt contains one already in a set",
        "excerpt already in a set",
    ]


def test_accepted_records_are_appended_tagged_with_their_batch(tmp_path: Path) -> None:
    train, untouched = tmp_path / "train.jsonl", tmp_path / "untouched.jsonl"
    train.write_text(json.dumps(_record(16)) + "\n", "utf-8")
    untouched.write_text(json.dumps({"label": "network", "batch": 3}), "utf-8")
    intake = check([_record(0), _record(1, source="https://github.com/u/q/issues/1")], KNOWN, _sides())
    append_intake(intake, 5, train, untouched)
    assert [(row["source"], row.get("batch")) for row in read_rows(train)] == [
        ("https://github.com/o/r/issues/16", None),
        ("https://github.com/u/q/issues/1", 5),
    ]
    added = read_rows(untouched)[-1]
    assert added["batch"] == 5 and added["source"] == "https://github.com/o/r/issues/0"
    assert "origin" not in added and len(read_rows(untouched)) == 2
    assert "libfoo1" not in summary(intake) and "untouched +1" in summary(intake)
