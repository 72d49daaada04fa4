from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from conveyor.security.lockfiles import Dependency
from conveyor.security.osv import AdvisoryError, AdvisoryIndex, cvss3_score, parse_advisory, read_records
from conveyor.security.scanners.dependencies import match, smallest_safe
from conveyor.security.versions import Interval, SemVer, requirement_interval


def test_semver_orders_prereleases_before_their_release() -> None:
    order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.10.0",
    ]
    parsed = [SemVer.parse(v) for v in order]
    assert sorted(reversed(parsed)) == parsed
    assert SemVer.parse("v2.1.3+build.5") == SemVer.parse("2.1.3")
    with pytest.raises(ValueError):
        SemVer.parse("latest")


@pytest.mark.parametrize(
    ("specifier", "inside", "outside"),
    [
        (">=2.25,<2.32", ["2.25", "2.31.9"], ["2.24", "2.32"]),
        ("~=1.4.2", ["1.4.2", "1.4.99"], ["1.5.0", "1.4.1"]),
        ("~=1.4", ["1.4", "1.9"], ["2.0", "1.3"]),
        ("==1.2.*", ["1.2", "1.2.7"], ["1.3", "1.1.9"]),
        ("==3.0.0", ["3.0.0"], ["3.0.1"]),
        (">1.0,!=1.5", ["1.0.1", "1.5"], ["1.0"]),
    ],
)
def test_requirement_ranges(specifier: str, inside: list[str], outside: list[str]) -> None:
    interval = requirement_interval(specifier)
    assert all(interval.contains(Version(v)) for v in inside)
    assert not any(interval.contains(Version(v)) for v in outside)


def test_intervals_overlap_only_when_they_share_a_version() -> None:
    a = Interval(Version("1.0"), True, Version("2.0"), False)
    assert a.intersect(Interval(Version("2.0"), True, None, False)) is None
    assert a.intersect(Interval(None, True, Version("1.0"), True)) == Interval.point(Version("1.0"))


def _record(events: list[dict[str, str]], ecosystem: str = "PyPI", versions: list[str] | None = None) -> dict:
    return {
        "id": "TEST-1",
        "aliases": ["CVE-2099-1", "GHSA-aaaa-bbbb-cccc"],
        "summary": "a test advisory",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": "Some_Pkg"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": versions or [],
            }
        ],
    }


def test_osv_ranges_with_introduced_fixed_and_last_affected() -> None:
    advisory = parse_advisory(
        _record([{"introduced": "1.0"}, {"fixed": "1.2"}, {"introduced": "2.0"}, {"last_affected": "2.3"}])
    )
    (affected,) = advisory.affected
    assert affected.name == "some-pkg"
    hits = [
        v
        for v in ["0.9", "1.0", "1.1.5", "1.2", "1.9", "2.0", "2.3", "2.3.1"]
        if affected.affects(Version(v))
    ]
    assert hits == ["1.0", "1.1.5", "2.0", "2.3"]
    assert (advisory.cve, advisory.ghsa) == ("CVE-2099-1", "GHSA-aaaa-bbbb-cccc")


def test_explicit_versions_match_without_ranges() -> None:
    advisory = parse_advisory(_record([{"introduced": "0"}, {"fixed": "0.1"}], versions=["5.0"]))
    assert advisory.affected[0].affects(Version("5.0.0"))  # PEP 440 equality, not string equality


def test_a_range_requirement_is_checked_across_every_version_it_admits() -> None:
    index = AdvisoryIndex([_record([{"introduced": "2.28"}, {"fixed": "2.31"}])])
    below = Dependency("PyPI", "some-pkg", "requirements.txt", 1, specifier=">=2.20,<2.28")
    spans = Dependency("PyPI", "some-pkg", "requirements.txt", 2, specifier=">=2.20,<2.40")
    (finding,) = match([below, spans], index)
    assert finding.line == 2 and finding.fixed_version == "2.31"
    assert "2.31" in finding.remediation


def test_npm_semver_ranges_and_smallest_safe_upgrade() -> None:
    index = AdvisoryIndex(
        [
            {**_record([{"introduced": "0"}, {"fixed": "4.17.21"}], ecosystem="npm"), "id": "GHSA-1"},
            {**_record([{"introduced": "4.17.21"}, {"fixed": "4.17.23"}], ecosystem="npm"), "id": "GHSA-2"},
        ]
    )
    dep = Dependency("npm", "some_pkg", "package-lock.json", 3, version="4.17.20")
    findings = match([dep], index)
    assert [f.rule_id for f in findings] == ["GHSA-1"]
    assert findings[0].fixed_version == "4.17.21"
    assert (
        str(smallest_safe(index.for_package("npm", "some_pkg"), Interval.point(SemVer.parse("4.17.20"))))
        == "4.17.23"
    )
    assert "4.17.23" in findings[0].remediation


def test_cvss3_base_scores() -> None:
    assert cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == 9.8
    assert cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == 6.1
    assert cvss3_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N") == 2.8
    assert cvss3_score("garbage") is None
    assert (
        parse_advisory(
            {
                **_record([{"introduced": "0"}]),
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            }
        ).severity
        == "critical"
    )


def test_reading_a_zip_and_naming_a_malformed_file(tmp_path: Path) -> None:
    archive = tmp_path / "osv.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("TEST-1.json", json.dumps(_record([{"introduced": "0"}])))
    assert [name for name, _ in read_records(archive)] == ["TEST-1.json"]
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "X.yaml").write_text("id: [unclosed")
    with pytest.raises(AdvisoryError, match=r"X\.yaml: malformed"):
        list(read_records(folder))


def test_the_shipped_snapshot_loads() -> None:
    index = AdvisoryIndex.load()
    assert index.count > 2600
    assert {a.id for a, _ in index.for_package("PyPI", "Requests")} >= {"PYSEC-2023-74", "PYSEC-2014-14"}
