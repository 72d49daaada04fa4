from __future__ import annotations

import json
from pathlib import Path

import pytest

from conveyor.security.lockfiles import ManifestError, find_manifests, read_manifest


def _read(tmp_path: Path, name: str, text: str) -> list[tuple[str, str | None, str | None, int | None]]:
    path = tmp_path / name
    path.write_text(text)
    return [(d.name, d.version, d.specifier, d.line) for d in read_manifest(path, tmp_path)]


def test_requirements_pins_ranges_and_what_is_skipped(tmp_path: Path) -> None:
    text = "# c\nrequests==2.30.0\n-r other.txt\nflask\njinja2>=2.10,<3 ; python_version>'3'\n-e .\n"
    assert _read(tmp_path, "requirements-dev.txt", text) == [
        ("requests", "2.30.0", None, 2),
        ("jinja2", None, "<3,>=2.10", 5),
    ]


def test_pyproject_pep621_and_poetry(tmp_path: Path) -> None:
    text = (
        '[project]\ndependencies = ["httpx>=0.27,<1"]\n'
        '[project.optional-dependencies]\ndev = ["pytest==8.0.0"]\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\ndjango = "^4.2.1"\nrich = { version = "~13.7" }\n'
    )
    got = _read(tmp_path, "pyproject.toml", text)
    assert ("httpx", None, "<1,>=0.27", 2) in got
    assert ("pytest", "8.0.0", None, 4) in got
    assert ("django", None, "<5,>=4.2.1", 7) in got
    assert ("rich", None, "<13.8,>=13.7", 8) in got


def test_lock_files(tmp_path: Path) -> None:
    poetry = (
        '[[package]]\nname = "urllib3"\nversion = "1.26.4"\n\n[[package]]\nname = "idna"\nversion = "3.6"\n'
    )
    assert _read(tmp_path, "poetry.lock", poetry) == [
        ("urllib3", "1.26.4", None, 2),
        ("idna", "3.6", None, 6),
    ]
    assert _read(tmp_path, "uv.lock", poetry)[0][:2] == ("urllib3", "1.26.4")
    pipfile = json.dumps(
        {"default": {"django": {"version": "==3.2.0"}}, "develop": {"black": {"version": "*"}}}
    )
    assert _read(tmp_path, "Pipfile.lock", pipfile) == [("django", "3.2.0", None, 1)]
    npm = {
        "lockfileVersion": 3,
        "packages": {
            "": {"name": "app"},
            "node_modules/lodash": {"version": "4.17.20"},
            "node_modules/a/node_modules/@scope/b": {"version": "1.0.0"},
        },
    }
    got = _read(tmp_path, "package-lock.json", json.dumps(npm, indent=1))
    assert [(n, v) for n, v, _, _ in got] == [("@scope/b", "1.0.0"), ("lodash", "4.17.20")]
    v1 = {
        "lockfileVersion": 1,
        "dependencies": {"x": {"version": "1.0.0", "dependencies": {"y": {"version": "2.0.0"}}}},
    }
    assert [(n, v) for n, v, _, _ in _read(tmp_path, "package-lock.json", json.dumps(v1))] == [
        ("x", "1.0.0"),
        ("y", "2.0.0"),
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("poetry.lock", "[[package]\nname="),
        ("package-lock.json", "{not json"),
        ("requirements.txt", "requests>=>1\n"),
    ],
)
def test_malformed_manifests_name_the_file(tmp_path: Path, name: str, text: str) -> None:
    with pytest.raises(ManifestError, match=f"{name}: malformed"):
        _read(tmp_path, name, text)


def test_links_are_not_followed_and_errors_do_not_echo_the_file(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "requirements.txt").symlink_to(outside)
    assert find_manifests(repo) == []
    (repo / "requirements-dev.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(ManifestError) as caught:
        read_manifest(repo / "requirements-dev.txt", repo)
    assert str(caught.value) == "requirements-dev.txt: malformed (line 1: not a requirement)"


def test_find_manifests_skips_dependency_folders(tmp_path: Path) -> None:
    for rel in (
        "requirements.txt",
        "sub/uv.lock",
        "node_modules/x/package-lock.json",
        ".venv/requirements.txt",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    assert [p.relative_to(tmp_path).as_posix() for p in find_manifests(tmp_path)] == [
        "requirements.txt",
        "sub/uv.lock",
    ]
