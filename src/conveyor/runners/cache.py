"""Caches: directories a project keeps between executions under a key it chooses.

One tar file per key in ``<cache dir>/<project>/``, next to a small JSON file naming the key.
A file's modification time is when it was last used: restoring touches it, and saving evicts
the least recently used entries until the project is within its budget. A new entry is
written to a temporary name and renamed, so readers never see half of one.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tarfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class CacheError(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    key: str
    archive: Path
    size: int
    used: float


@dataclass(frozen=True)
class CacheStore:
    root: Path  # this project's directory
    budget: int

    def _archive(self, key: str) -> Path:
        return self.root / f"{hashlib.sha256(key.encode()).hexdigest()}.tar"

    def entries(self) -> list[Entry]:
        found = []
        for meta in self.root.glob("*.json"):
            archive = meta.with_suffix(".tar")
            with contextlib.suppress(OSError, ValueError):
                key = json.loads(meta.read_text())["key"]
                info = archive.stat()
                found.append(Entry(key, archive, info.st_size, info.st_mtime))
        return found

    def find(self, key: str, restore_keys: list[str]) -> Entry | None:
        """The entry saved under ``key``, else the newest whose key starts with a restore key."""
        entries = self.entries()
        exact = next((entry for entry in entries if entry.key == key), None)
        if exact is not None:
            return exact
        for prefix in restore_keys:
            matches = [entry for entry in entries if entry.key.startswith(prefix)]
            if matches:
                return max(matches, key=lambda entry: entry.used)
        return None

    def restore(self, entry: Entry, workspace: Path) -> None:
        """Unpack into the workspace: the 'tar' filter refuses members that would land outside it."""
        try:
            with tarfile.open(entry.archive) as archive:
                archive.extractall(workspace, filter="tar")
        except (OSError, tarfile.TarError) as exc:
            raise CacheError(f"cache {entry.key!r} cannot be restored: {exc}") from None
        os.utime(entry.archive)

    def save(self, key: str, paths: list[str], workspace: Path, log: Callable[[str], None]) -> int | None:
        """Pack ``paths`` under ``key``; its size, or None when none of the paths exist."""
        root = workspace.resolve()
        members = []
        for relative in paths:
            path = root / relative
            if not path.resolve().is_relative_to(root):
                log(f"cache: {relative!r} leads outside the workspace; not saved")
            elif path.exists() or path.is_symlink():
                members.append(relative)
            else:
                log(f"cache: {relative!r} does not exist; not saved")
        if not members:
            return None
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{uuid.uuid4().hex}.partial"
        try:
            with tarfile.open(temporary, "w") as archive:
                for relative in members:
                    archive.add(root / relative, arcname=relative)
            size = temporary.stat().st_size
            if size > self.budget:
                raise CacheError(
                    f"cache {key!r} holds {size} bytes, over the project's budget of {self.budget}"
                )
            archive_path = self._archive(key)
            os.replace(temporary, archive_path)
            archive_path.with_suffix(".json").write_text(json.dumps({"key": key}))
        finally:
            temporary.unlink(missing_ok=True)
        self.evict(keep=archive_path)
        return size

    def evict(self, keep: Path) -> None:
        """Remove the least recently used entries until the project is within its budget."""
        entries = sorted(self.entries(), key=lambda entry: entry.used)
        total = sum(entry.size for entry in entries)
        for entry in entries:
            if total <= self.budget:
                return
            if entry.archive == keep:
                continue
            entry.archive.unlink(missing_ok=True)
            entry.archive.with_suffix(".json").unlink(missing_ok=True)
            total -= entry.size
