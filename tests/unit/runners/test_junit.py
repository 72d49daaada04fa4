from __future__ import annotations

from pathlib import Path

from conveyor.executions.claims import TestCase
from conveyor.runners.junit import collect_reports

PYTEST = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="3">
  <testcase classname="tests.test_a" name="test_ok" time="0.010"/>
  <testcase classname="tests.test_a" name="test_bad" time="1,204.5">
    <failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2</failure>
  </testcase>
  <testcase classname="tests.test_b" name="test_later" time="x"><skipped message="not today"/></testcase>
  <testcase classname="tests.test_b" name="test_crash"><error message="boom"/></testcase>
</testsuite></testsuites>
"""


def test_cases_from_every_suite_with_status_duration_and_message(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "unit.xml").write_text(PYTEST)
    (tmp_path / "reports" / "go.xml").write_text(
        '<testsuite name="go"><testcase name="TestX" time="2"/></testsuite>'
    )
    notes: list[str] = []
    cases = collect_reports(tmp_path, ["reports/*.xml", "missing/*.xml"], notes.append)
    assert notes == []
    assert cases[0] == TestCase("go", "", "TestX", "passed", 2.0, None)
    assert [(c.name, c.status, c.duration) for c in cases[1:]] == [
        ("test_ok", "passed", 0.01),
        ("test_bad", "failed", 1204.5),
        ("test_later", "skipped", 0.0),
        ("test_crash", "failed", 0.0),
    ]
    assert cases[2].message == "assert 1 == 2\ndef test_bad():\n>       assert 1 == 2"
    assert cases[3].message == "not today"


def test_hostile_reports_are_skipped_with_a_reason(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><testsuite>&b;</testsuite>'
    )
    (tmp_path / "bomb.xml").write_text(bomb)
    (tmp_path / "broken.xml").write_text("<testsuite><testcase")
    (tmp_path / "outside.xml").symlink_to("/etc/hostname")
    notes: list[str] = []
    assert collect_reports(tmp_path, ["*.xml"], notes.append) == []
    assert notes[0] == "reports: bomb.xml skipped, it declares XML entities"
    assert notes[1].startswith("reports: broken.xml is not JUnit XML")
    assert len(notes) == 2
    assert collect_reports(tmp_path, ["none/*.xml"], notes.append) == []
    assert notes[-1] == "reports: no JUnit report matches none/*.xml"
