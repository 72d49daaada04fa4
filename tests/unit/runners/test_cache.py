from __future__ import annotations

import os
import tarfile
from pathlib import Path

import pytest

from conveyor.runners.artifacts import ArtifactError, safe_target
from conveyor.runners.cache import CacheError, CacheStore


def workspace_with(tmp_path: Path, name: str, size: int) -> Path:
    workspace = tmp_path / name
    (workspace / "venv" / "bin").mkdir(parents=True)
    (workspace / "venv" / "bin" / "data").write_bytes(b"x" * size)
    (workspace / "venv" / "bin" / "python").symlink_to("/usr/bin/python3")
    return workspace


def test_exact_key_then_newest_restore_key_prefix(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache", budget=10_000_000)
    source = workspace_with(tmp_path, "a", 100)
    assert store.save("deps-1", ["venv", "missing"], source, print) is not None
    store.save("deps-2", ["venv"], source, print)
    os.utime(store.find("deps-1", []).archive, (1, 1))  # type: ignore[union-attr]
    assert store.find("deps-2", []).key == "deps-2"  # type: ignore[union-attr]
    assert store.find("deps-3", ["other-", "deps-"]).key == "deps-2"  # type: ignore[union-attr]
    assert store.find("deps-3", ["other-"]) is None
    target = tmp_path / "b"
    target.mkdir()
    store.restore(store.find("deps-1", []), target)  # type: ignore[arg-type]
    assert (target / "venv" / "bin" / "data").read_bytes() == b"x" * 100
    assert os.readlink(target / "venv" / "bin" / "python") == "/usr/bin/python3"


def test_least_recently_used_entries_go_first_over_the_budget(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache", budget=45_000)  # two archives of 20 KiB fit
    source = workspace_with(tmp_path, "a", 10_000)
    store.save("k0", ["venv"], source, print)
    store.save("k1", ["venv"], source, print)
    os.utime(store.find("k1", []).archive, (1, 1))  # type: ignore[union-attr]  # k0 was used later
    store.save("k2", ["venv"], source, print)
    assert sorted(entry.key for entry in store.entries()) == ["k0", "k2"]
    with pytest.raises(CacheError, match="over the project's budget"):
        CacheStore(tmp_path / "small", budget=100).save("big", ["venv"], source, print)


def test_nothing_outside_the_workspace_is_saved_or_restored(tmp_path: Path) -> None:
    store = CacheStore(tmp_path / "cache", budget=10_000_000)
    workspace = tmp_path / "w"
    workspace.mkdir()
    (workspace / "escape").symlink_to(tmp_path)
    notes: list[str] = []
    assert store.save("k", ["escape/cache"], workspace, notes.append) is None
    assert notes == ["cache: 'escape/cache' leads outside the workspace; not saved"]
    evil = tmp_path / "cache" / "evil.tar"
    (tmp_path / "cache").mkdir(exist_ok=True)
    with tarfile.open(evil, "w") as archive:
        info = tarfile.TarInfo("../outside.txt")
        archive.addfile(info)
    (tmp_path / "cache" / "evil.json").write_text('{"key": "evil"}')
    with pytest.raises(CacheError, match="cannot be restored"):
        store.restore(store.find("evil", []), workspace)  # type: ignore[arg-type]
    assert not (tmp_path / "outside.txt").exists()


def test_artifacts_are_never_written_outside_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "w"
    workspace.mkdir()
    (workspace / "link").symlink_to(tmp_path)
    assert safe_target(workspace, "a/b/c.txt") == workspace.resolve() / "a" / "b" / "c.txt"
    for bad in ("../x", "/etc/passwd", "a/../../x"):
        with pytest.raises(ArtifactError, match="outside the workspace"):
            safe_target(workspace, bad)
    with pytest.raises(ArtifactError, match="'link' in the workspace is a link"):
        safe_target(workspace, "link/x.txt")
