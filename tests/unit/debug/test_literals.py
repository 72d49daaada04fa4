from __future__ import annotations

import importlib
import re
from typing import Any

import pytest

from conveyor.debug.cues import CUE_ROWS, EDGE_ROWS, cue_tokens, edge_tokens
from conveyor.debug.detect import detect_in_text, rules
from conveyor.debug.features import TAIL_LINES
from conveyor.debug.literals import may_match, required_literals
from conveyor.debug.normalize import prepare_log

# ``conveyor.debug`` exports a function named ``detect`` that hides the module of that name.
detect_module = importlib.import_module("conveyor.debug.detect")
cues_module = importlib.import_module("conveyor.debug.cues")


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (
            r"[Nn]o space left on device|ENOSPC",
            {"No space left on device", "no space left on device", "ENOSPC"},
        ),
        (r"^(?P<msg>.*: No module named '?[\w.]+'?)$", {": No module named "}),
        (r"^(?:E\s+)?(?P<msg>MemoryError\b.*)$", {"MemoryError"}),
        (r"[Ww]ould reformat", {"Would reformat", "would reformat"}),
        (r"exit(?:ed)? code (?P<code>137)", {" code 137"}),
        (r"ab(?:c|d)+e", {"ab"}),  # a repeat ends the run of literals
    ],
)
def test_literals_are_the_longest_strings_every_match_holds(pattern: str, expected: set[str]) -> None:
    assert required_literals(pattern) == expected


@pytest.mark.parametrize(
    "pattern", [r"(?i)error", r"(?i:error)", r"a?b?", r"x|\w+", r"(?:abc)?|def", r"(?=abc)\w"]
)
def test_patterns_without_a_known_required_string_always_run(pattern: str) -> None:
    assert required_literals(pattern) is None
    assert may_match(None, "")


def test_flags_given_at_compile_time_count() -> None:
    assert required_literals("error", re.IGNORECASE) is None
    assert required_literals("^error$", re.MULTILINE) == {"error"}


def test_a_text_without_the_literals_is_skipped() -> None:
    literals = required_literals(r"^(?P<msg>.*No space left on device.*)$")
    assert not may_match(literals, "no space left on device")
    assert may_match(literals, "write: No space left on device")


def _logs(rows: list[dict[str, Any]]) -> list[str]:
    return [prepare_log(row["log"]) for row in rows]


def test_every_rule_and_cue_match_in_the_real_logs_holds_one_of_its_literals(
    real_logs: list[dict[str, Any]], handwritten_logs: list[dict[str, Any]]
) -> None:
    texts = _logs(real_logs + handwritten_logs)
    # Cues read lower-cased text.
    patterns = [(rule.regex, rule.literals, False) for rule in rules()]
    patterns += [
        (re.compile(pattern), required_literals(pattern), True) for _, pattern in CUE_ROWS + EDGE_ROWS
    ]
    checked = 0
    for regex, literals, lower in patterns:
        for text in texts:
            for match in regex.finditer(text.lower() if lower else text):
                checked += 1
                assert may_match(literals, match.group(0)), (regex.pattern, match.group(0))
    assert checked > 300


def test_skipping_rules_and_cues_by_their_literals_changes_nothing(
    real_logs: list[dict[str, Any]], handwritten_logs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = _logs(real_logs + handwritten_logs)

    def outputs() -> list[tuple[object, ...]]:
        tails = ["\n".join(text.split("\n")[-TAIL_LINES:]) for text in texts]
        return [
            (detect_in_text(text), cue_tokens(text), edge_tokens(tail))
            for text, tail in zip(texts, tails, strict=True)
        ]

    fast = outputs()
    monkeypatch.setattr(detect_module, "may_match", lambda literals, text: True)
    monkeypatch.setattr(cues_module, "may_match", lambda literals, text: True)
    assert outputs() == fast
    assert sum(len(errors) for errors, _, _ in fast) > 100
