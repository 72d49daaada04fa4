"""JUnit XML reports: the test cases a job's reports hold (pytest, JUnit, Go, Jest all write it).

Reports come from the job's workspace, so they are read as hostile: a size limit per file, a
limit on cases, and expat (which refuses entity expansion bombs; no external entities are fetched).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

from conveyor.executions.claims import TestCase

MAX_REPORT_BYTES = 20 * 1024 * 1024
MAX_CASES = 20_000
MAX_MESSAGE_CHARS = 4000


def collect_reports(workspace: Path, patterns: list[str], log: Callable[[str], None]) -> list[TestCase]:
    root = workspace.resolve()
    cases: list[TestCase] = []
    files = sorted({path.resolve() for pattern in patterns for path in root.glob(pattern.lstrip("/"))})
    if not files:
        log(f"reports: no JUnit report matches {', '.join(patterns)}")
    for path in files:
        if not path.is_relative_to(root) or not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if path.stat().st_size > MAX_REPORT_BYTES:
            log(f"reports: {relative} skipped, over {MAX_REPORT_BYTES} bytes")
            continue
        data = path.read_bytes()
        if b"<!ENTITY" in data:
            log(f"reports: {relative} skipped, it declares XML entities")
            continue
        try:
            # no entity declarations (checked above) and expat fetches nothing external
            found = list(parse_junit(ET.fromstring(data)))  # noqa: S314
        except ET.ParseError as exc:
            log(f"reports: {relative} is not JUnit XML ({exc})")
            continue
        cases += found[: MAX_CASES - len(cases)]
        if len(cases) >= MAX_CASES:
            log(f"reports: only the first {MAX_CASES} test cases are kept")
            break
    return cases


def parse_junit(root: ET.Element) -> Iterator[TestCase]:
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        for case in suite.findall("testcase"):
            yield _case(suite.get("name", ""), case)


def _case(suite: str, case: ET.Element) -> TestCase:
    problem = case.find("failure")
    if problem is None:
        problem = case.find("error")
    skipped = case.find("skipped")
    message: str | None = None
    if problem is not None:
        status, message = "failed", _message(problem)
    elif skipped is not None:
        status, message = "skipped", _message(skipped) or None
    else:
        status = "passed"
    return TestCase(
        suite=suite[:500],
        classname=case.get("classname", "")[:500],
        name=case.get("name", "")[:1000],
        status=status,
        duration=_seconds(case.get("time")),
        message=message,
    )


def _message(element: ET.Element) -> str:
    parts = [element.get("message", ""), (element.text or "").strip()]
    text = "\n".join(part for part in parts if part)
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def _seconds(value: str | None) -> float:
    try:
        seconds = float((value or "0").replace(",", ""))
    except ValueError:
        return 0.0
    return seconds if seconds >= 0 and seconds == seconds else 0.0
