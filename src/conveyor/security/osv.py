"""Advisories in the OSV format: reading them (folders or zips of JSON/YAML), their severity, and
which versions of which packages they affect.

Only ``ECOSYSTEM`` and ``SEMVER`` ranges and explicit ``versions`` are used; ``GIT`` ranges name
commits, which a lock file never does.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from conveyor.security.schemas import Severity
from conveyor.security.versions import NPM, PYPI, Interval, normalize_name, parse_version

ECOSYSTEMS = (PYPI, NPM)
SHIPPED = Path(__file__).parent / "data" / "pypa-advisory-database.zip"
# Severity when an advisory gives no CVSS vector (most of the PyPA database): see docs/security.md.
UNRATED: Severity = "medium"
MAX_RECORD_BYTES = 4 * 1024 * 1024
_TRAILING_ZEROS = re.compile(r"(\.0+)+$")


class AdvisoryError(ValueError):
    """An advisory file that cannot be read as OSV: the message names it."""


@dataclass(frozen=True)
class Affected:
    ecosystem: str
    name: str  # normalized
    intervals: tuple[Interval, ...]
    raw_versions: frozenset[str]  # the explicit list, compared as version_key()s
    fixed: tuple[Any, ...]  # every "fixed" event, for the smallest safe upgrade

    @cached_property
    def _keys(self) -> frozenset[str]:
        return frozenset(version_key(v) for v in self.raw_versions)

    @cached_property
    def versions(self) -> frozenset[Any]:
        """The explicit list parsed (only a range requirement needs it: parsing is the costly part)."""
        return frozenset(v for text in self.raw_versions if (v := _version(self.ecosystem, text)) is not None)

    def affects(self, version: Any) -> bool:
        return any(i.contains(version) for i in self.intervals) or version_key(str(version)) in self._keys

    def overlaps(self, interval: Interval) -> bool:
        if interval.low is not None and interval == Interval.point(interval.low):
            return self.affects(interval.low)
        if any(interval.intersect(i) is not None for i in self.intervals):
            return True
        return any(interval.contains(v) for v in self.versions)


def version_key(text: str) -> str:
    """A version's text for equality without parsing: 2.30.0, 2.30 and V2.30 are one key."""
    return _TRAILING_ZEROS.sub("", text.strip().lower().lstrip("v"))


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity
    modified: datetime | None
    affected: tuple[Affected, ...] = field(default=())

    @property
    def cve(self) -> str | None:
        return next((a for a in (self.id, *self.aliases) if a.startswith("CVE-")), None)

    @property
    def ghsa(self) -> str | None:
        return next((a for a in (self.id, *self.aliases) if a.startswith("GHSA-")), None)


def parse_advisory(record: dict[str, Any]) -> Advisory:
    """An advisory from an OSV record (raises AdvisoryError when it lacks what matching needs)."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise AdvisoryError("not an OSV record (no id)")
    try:
        return _parse(record)
    except (AttributeError, TypeError, ValueError) as exc:
        raise AdvisoryError(f"{record['id']}: malformed ({type(exc).__name__})") from exc


def _parse(record: dict[str, Any]) -> Advisory:
    affected = tuple(a for raw in record.get("affected") or () if (a := _affected(raw)) is not None)
    summary = str(record.get("summary") or record.get("details") or record["id"]).strip()
    return Advisory(
        id=record["id"],
        aliases=tuple(str(a) for a in record.get("aliases") or ()),
        summary=summary.splitlines()[0][:300] if summary else record["id"],
        severity=_severity(record),
        modified=_timestamp(record.get("modified")),
        affected=affected,
    )


def _timestamp(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _affected(raw: Any) -> Affected | None:
    package = raw.get("package") if isinstance(raw, dict) else None
    if not isinstance(package, dict) or package.get("ecosystem") not in ECOSYSTEMS:
        return None
    ecosystem, name = package["ecosystem"], str(package.get("name") or "")
    intervals: list[Interval] = []
    fixed: list[Any] = []
    for range_ in raw.get("ranges") or ():
        if range_.get("type") in ("ECOSYSTEM", "SEMVER"):
            got = _range_intervals(ecosystem, range_.get("events") or ())
            if got is not None:
                intervals.extend(got[0])
                fixed.extend(got[1])
    versions = frozenset(str(v) for v in raw.get("versions") or ())
    if not name or not (intervals or versions):
        return None
    return Affected(ecosystem, normalize_name(ecosystem, name), tuple(intervals), versions, tuple(fixed))


def _version(ecosystem: str, text: Any) -> Any:
    try:
        return parse_version(ecosystem, str(text))
    except ValueError:
        return None


def _range_intervals(
    ecosystem: str, events: Iterable[dict[str, Any]]
) -> tuple[list[Interval], list[Any]] | None:
    """The affected intervals of one range, walking its events in version order (the OSV rule)."""
    parsed: list[tuple[str, Any]] = []
    for event in events:
        (kind, text), *_ = event.items()
        if kind == "limit":
            continue
        version = None if kind == "introduced" and str(text) == "0" else _version(ecosystem, text)
        if version is None and not (kind == "introduced" and str(text) == "0"):
            return None  # a range we cannot order is better dropped than guessed
        parsed.append((kind, version))
    parsed.sort(key=lambda e: (e[1] is not None, e[1] if e[1] is not None else 0))
    intervals: list[Interval] = []
    start: tuple[Any] | None = None
    for kind, version in parsed:
        if kind == "introduced" and start is None:
            start = (version,)
        elif kind in ("fixed", "last_affected") and start is not None:
            intervals.append(Interval(start[0], True, version, kind == "last_affected"))
            start = None
    if start is not None:
        intervals.append(Interval(start[0], True, None, False))
    return intervals, [v for k, v in parsed if k == "fixed"]


def _severity(record: dict[str, Any]) -> Severity:
    for entry in record.get("severity") or ():
        if str(entry.get("type", "")).startswith("CVSS_V3"):
            score = cvss3_score(str(entry.get("score", "")))
            if score is not None:
                return score_severity(score)
    label = str((record.get("database_specific") or {}).get("severity", "")).lower()
    return {
        "critical": "critical",
        "high": "high",
        "moderate": "medium",
        "medium": "medium",
        "low": "low",
    }.get(label, UNRATED)  # type: ignore[return-value]


def score_severity(score: float) -> Severity:
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low" if score > 0 else "info"


_W = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "CIA": {"H": 0.56, "L": 0.22, "N": 0.0},
}


def cvss3_score(vector: str) -> float | None:
    """The CVSS 3.x base score of a vector string, or None when it is not one."""
    try:
        m = dict(part.split(":", 1) for part in vector.split("/")[1:])
        changed = m["S"] == "C"
        pr = {"N": 0.85, "L": 0.68 if changed else 0.62, "H": 0.5 if changed else 0.27}[m["PR"]]
        iss = 1 - math.prod(1 - _W["CIA"][m[k]] for k in ("C", "I", "A"))
        impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
        exploitability = 8.22 * _W["AV"][m["AV"]] * _W["AC"][m["AC"]] * pr * _W["UI"][m["UI"]]
    except (KeyError, ValueError):
        return None
    if impact <= 0:
        return 0.0
    total = min((impact + exploitability) * (1.08 if changed else 1), 10)
    return math.ceil(round(total * 100000) / 10000) / 10


def read_records(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(name, record) for each OSV JSON/YAML file in a folder or zip; AdvisoryError names a bad one."""
    if path.is_file() and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if _is_record(info.filename) and not info.is_dir():
                    if info.file_size > MAX_RECORD_BYTES:
                        raise AdvisoryError(f"{info.filename}: larger than {MAX_RECORD_BYTES} bytes")
                    yield info.filename, _load(info.filename, archive.read(info))
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file() and _is_record(p.name)):
            if file.stat().st_size > MAX_RECORD_BYTES:
                raise AdvisoryError(f"{file}: larger than {MAX_RECORD_BYTES} bytes")
            yield str(file), _load(str(file), file.read_bytes())
    else:
        raise AdvisoryError(f"{path}: not a folder or a zip of OSV advisories")


def _is_record(name: str) -> bool:
    return name.endswith((".json", ".yaml", ".yml")) and not name.rsplit("/", 1)[-1].startswith(".")


def _load(name: str, data: bytes) -> dict[str, Any]:
    try:
        record = json.loads(data) if name.endswith(".json") else yaml.safe_load(data)
    except (ValueError, yaml.YAMLError) as exc:
        raise AdvisoryError(f"{name}: malformed ({type(exc).__name__})") from exc
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise AdvisoryError(f"{name}: not an OSV record (no id)")
    return record


def package_keys(record: dict[str, Any]) -> set[tuple[str, str]]:
    """The (ecosystem, normalized name) pairs an OSV record names, without parsing its versions."""
    keys = set()
    for raw in record.get("affected") or ():
        package = raw.get("package") if isinstance(raw, dict) else None
        if isinstance(package, dict) and package.get("ecosystem") in ECOSYSTEMS and package.get("name"):
            keys.add((package["ecosystem"], normalize_name(package["ecosystem"], str(package["name"]))))
    return keys


class AdvisoryIndex:
    """Advisories by (ecosystem, normalized package name), parsed on first use of a package:
    most of the cost is in the explicit version lists, and a scan asks for few packages."""

    def __init__(self, records: Iterable[dict[str, Any]] = ()) -> None:
        self._raw: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._parsed: dict[tuple[str, str], list[tuple[Advisory, Affected]]] = {}
        self.count = 0
        for record in records:
            self.add(record)

    def add(self, record: dict[str, Any]) -> None:
        self.count += 1
        for key in package_keys(record):
            self._raw.setdefault(key, []).append(record)

    def for_package(self, ecosystem: str, name: str) -> list[tuple[Advisory, Affected]]:
        key = (ecosystem, normalize_name(ecosystem, name))
        if key not in self._parsed:
            pairs: list[tuple[Advisory, Affected]] = []
            for record in self._raw.get(key, ()):
                try:
                    advisory = parse_advisory(record)
                except AdvisoryError:
                    continue  # imports reject these; a shipped or stored one is skipped, not fatal
                pairs.extend((advisory, a) for a in advisory.affected if (a.ecosystem, a.name) == key)
            self._parsed[key] = pairs
        return self._parsed[key]

    @classmethod
    def load(cls, path: Path = SHIPPED) -> AdvisoryIndex:
        return cls(record for _, record in read_records(path))
