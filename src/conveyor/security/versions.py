"""Versions and version ranges of the ecosystems advisories cover: PEP 440 for PyPI, semver for npm.

A range is an ``Interval`` (bounds may be open or unbounded); a requirement such as
``requests>=2.25,<2.32`` becomes one interval and is vulnerable when it overlaps an affected one,
so every version it admits is checked, not only its lowest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering
from typing import Any, Protocol

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "PyPI"
NPM = "npm"


class Comparable(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...
    def __le__(self, other: Any, /) -> bool: ...


_SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


@total_ordering
@dataclass(frozen=True)
class SemVer:
    """A semver 2.0 version; pre-releases sort before their release, build metadata is ignored."""

    major: int
    minor: int
    patch: int
    pre: tuple[int | str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = _SEMVER.match(text.strip())
        if not match:
            raise ValueError(f"not a semver version: {text!r}")
        major, minor, patch, pre = match.groups()
        parts = tuple(int(p) if p.isdigit() else p for p in pre.split(".")) if pre else ()
        return cls(int(major), int(minor or 0), int(patch or 0), parts)

    def _key(self) -> tuple[Any, ...]:
        # A release (no pre-release) sorts after every pre-release of the same version;
        # numeric identifiers sort before alphanumeric ones.
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.patch}"
        return base + ("-" + ".".join(map(str, self.pre)) if self.pre else "")


def parse_version(ecosystem: str, text: str) -> Any:
    """The comparable version, or ValueError when the text is not one of the ecosystem."""
    if ecosystem == NPM:
        return SemVer.parse(text)
    try:
        return Version(text)
    except InvalidVersion as exc:
        raise ValueError(str(exc)) from exc


def normalize_name(ecosystem: str, name: str) -> str:
    return canonicalize_name(name) if ecosystem == PYPI else name.strip().lower()


@dataclass(frozen=True)
class Interval:
    """Versions between ``low`` and ``high``; ``None`` is unbounded on that side."""

    low: Any = None
    low_inclusive: bool = True
    high: Any = None
    high_inclusive: bool = False

    @classmethod
    def point(cls, version: Any) -> Interval:
        return cls(version, True, version, True)

    def contains(self, version: Any) -> bool:
        if self.low is not None and (version < self.low or (version == self.low and not self.low_inclusive)):
            return False
        return not (
            self.high is not None
            and (self.high < version or (version == self.high and not self.high_inclusive))
        )

    def intersect(self, other: Interval) -> Interval | None:
        low, low_inc = _tighter_low(self, other)
        high, high_inc = _tighter_high(self, other)
        if (
            low is not None
            and high is not None
            and (high < low or (low == high and not (low_inc and high_inc)))
        ):
            return None
        return Interval(low, low_inc, high, high_inc)


def _tighter_low(a: Interval, b: Interval) -> tuple[Any, bool]:
    if a.low is None:
        return b.low, b.low_inclusive
    if b.low is None or b.low < a.low:
        return a.low, a.low_inclusive
    if a.low < b.low:
        return b.low, b.low_inclusive
    return a.low, a.low_inclusive and b.low_inclusive


def _tighter_high(a: Interval, b: Interval) -> tuple[Any, bool]:
    if a.high is None:
        return b.high, b.high_inclusive
    if b.high is None or a.high < b.high:
        return a.high, a.high_inclusive
    if b.high < a.high:
        return b.high, b.high_inclusive
    return a.high, a.high_inclusive and b.high_inclusive


def _bump(release: tuple[int, ...]) -> Version:
    """The first version after every ``release.*``: 1.4 -> 2.dev0 for ~=1.4, 1.2 -> 1.3.dev0 for ==1.2.*."""
    head = [*release[:-1], release[-1] + 1]
    return Version(".".join(map(str, head)) + ".dev0")


def requirement_interval(specifier: str) -> Interval:
    """The one interval a PEP 440 specifier set admits (``!=`` is ignored: it removes single points).

    Raises ValueError on a specifier that is not PEP 440.
    """
    try:
        specs = SpecifierSet(specifier)
    except InvalidSpecifier as exc:
        raise ValueError(str(exc)) from exc
    interval: Interval | None = Interval()
    for spec in specs:
        if interval is None:
            break
        interval = interval.intersect(_spec_interval(spec.operator, spec.version))
    return interval or Interval(Version("0"), False, Version("0"), False)


def _spec_interval(operator: str, text: str) -> Interval:
    if operator == "==" and text.endswith(".*"):
        base = Version(text[:-2])
        return Interval(Version(f"{base.base_version}.dev0"), True, _bump(base.release), False)
    if operator in ("==", "==="):
        return Interval.point(Version(text))
    version = Version(text)
    if operator == ">=":
        return Interval(low=version)
    if operator == ">":
        return Interval(low=version, low_inclusive=False)
    if operator == "<=":
        return Interval(high=version, high_inclusive=True)
    if operator == "<":
        return Interval(high=version)
    if operator == "~=":
        return Interval(low=version, high=_bump(version.release[:-1]))
    return Interval()  # "!=": excluding one version does not narrow the range we check
