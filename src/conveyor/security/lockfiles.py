"""Dependencies declared in a tree: requirements*.txt (pins and ranges), pyproject.toml,
poetry.lock, uv.lock, Pipfile.lock and package-lock.json.

A ``Dependency`` carries either an exact ``version`` or a PEP 440 ``specifier`` (ranges are
checked whole, see versions.py). Names without any version constraint are not checked: what
they resolve to is only known at install time (the lock files give it).
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from conveyor.security.versions import NPM, PYPI

SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox"}
)
MAX_MANIFEST_BYTES = 32 * 1024 * 1024
_REQUIREMENTS = re.compile(r"^requirements.*\.txt$")
_PINNED_NAMES = frozenset({"poetry.lock", "uv.lock", "Pipfile.lock", "package-lock.json", "pyproject.toml"})


class ManifestError(ValueError):
    """A manifest that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Dependency:
    ecosystem: str
    name: str
    file: str
    line: int | None
    version: str | None = None  # exact
    specifier: str | None = None  # a PEP 440 range when not exact

    @property
    def shown_version(self) -> str:
        return self.version or self.specifier or ""


def find_manifests(root: Path, *, max_files: int = 200_000) -> list[Path]:
    found: list[Path] = []
    seen = 0
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        seen += len(files)
        if seen > max_files:
            break
        found.extend(
            path
            for f in sorted(files)
            if (f in _PINNED_NAMES or _REQUIREMENTS.match(f))
            # A link could point anywhere on the runner; a parse error would then show what it read.
            and not (path := Path(directory) / f).is_symlink()
        )
    return found


def read_manifest(path: Path, root: Path) -> list[Dependency]:
    """The dependencies one manifest declares; ManifestError when unreadable or malformed."""
    rel = path.relative_to(root).as_posix()
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ManifestError(f"{rel}: larger than {MAX_MANIFEST_BYTES // (1024 * 1024)} MB")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{rel}: unreadable ({type(exc).__name__})") from exc
    try:
        return list(_PARSERS.get(path.name, _requirements)(text, rel))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ManifestError(f"{rel}: malformed ({exc})") from exc


def _requirements(text: str, rel: str) -> Iterator[Dependency]:
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-", "http:", "https:", "git+", ".", "/")):
            continue
        dep = _from_requirement(line, rel, number)
        if dep is not None:
            yield dep


def _from_requirement(text: str, rel: str, line: int | None) -> Dependency | None:
    try:
        req = Requirement(text)
    except InvalidRequirement:
        raise ValueError(f"line {line}: not a requirement") from None
    if req.url or not req.specifier:
        return None
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return Dependency(PYPI, req.name, rel, line, version=specs[0].version)
    return Dependency(PYPI, req.name, rel, line, specifier=str(req.specifier))


def _pyproject(text: str, rel: str) -> Iterator[Dependency]:
    data = tomllib.loads(text)
    project = data.get("project", {})
    declared = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        declared.extend(extra)
    for group in data.get("dependency-groups", {}).values():
        declared.extend(d for d in group if isinstance(d, str))
    for text_ in declared:
        dep = _from_requirement(text_, rel, _line_of(text, text_))
        if dep is not None:
            yield dep
    for name, constraint in data.get("tool", {}).get("poetry", {}).get("dependencies", {}).items():
        spec = constraint.get("version") if isinstance(constraint, dict) else constraint
        if name != "python" and isinstance(spec, str) and (specifier := _poetry_specifier(spec)):
            yield _from_requirement(f"{name}{specifier}", rel, _line_of(text, name)) or Dependency(
                PYPI, name, rel, None, specifier=specifier
            )


def _poetry_specifier(spec: str) -> str | None:
    """Poetry's ^ and ~ constraints as PEP 440 (``^1.2.3`` -> ``>=1.2.3,<2.0.0``)."""
    spec = spec.strip()
    if spec in ("", "*"):
        return None
    if spec[0] in "^~" and not spec.startswith("~="):
        parts = [int(p) for p in re.findall(r"\d+", spec)[:3]]
        if spec[0] == "^":
            idx = next((i for i, p in enumerate(parts) if p != 0), len(parts) - 1)
        else:
            idx = 0 if len(parts) == 1 else 1
        upper = [*parts[:idx], parts[idx] + 1]
        return f">={spec[1:]},<{'.'.join(map(str, upper))}"
    if spec[0].isdigit():
        return f"=={spec}"
    return spec


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def _toml_packages(text: str, rel: str) -> Iterator[Dependency]:
    """poetry.lock and uv.lock: ``[[package]]`` tables with name and version."""
    for package in tomllib.loads(text).get("package", []):
        if "version" in package:
            yield Dependency(
                PYPI,
                package["name"],
                rel,
                _line_of(text, f'name = "{package["name"]}"'),
                version=str(package["version"]),
            )


def _pipfile_lock(text: str, rel: str) -> Iterator[Dependency]:
    data = json.loads(text)
    for section in ("default", "develop"):
        for name, entry in (data.get(section) or {}).items():
            version = str(entry.get("version", "")) if isinstance(entry, dict) else ""
            if version.startswith("=="):
                yield Dependency(PYPI, name, rel, _line_of(text, f'"{name}"'), version=version[2:])


def _package_lock(text: str, rel: str) -> Iterator[Dependency]:
    data: dict[str, Any] = json.loads(text)
    seen: set[tuple[str, str]] = set()
    for key, entry in (data.get("packages") or {}).items():
        if key and isinstance(entry, dict) and "version" in entry and not entry.get("link"):
            name = entry.get("name") or key.rsplit("node_modules/", 1)[-1]
            seen.add((name, entry["version"]))
    if not data.get("packages"):
        stack = list((data.get("dependencies") or {}).items())
        while stack:
            name, entry = stack.pop()
            if isinstance(entry, dict) and "version" in entry:
                seen.add((name, str(entry["version"])))
                stack.extend((entry.get("dependencies") or {}).items())
    for name, version in sorted(seen):
        yield Dependency(NPM, name, rel, _line_of(text, f'"node_modules/{name}"'), version=version)


_PARSERS = {
    "pyproject.toml": _pyproject,
    "poetry.lock": _toml_packages,
    "uv.lock": _toml_packages,
    "Pipfile.lock": _pipfile_lock,
    "package-lock.json": _package_lock,
}
