"""docs/architecture.md names every top-level package of src/conveyor, and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
PACKAGE_ROW = re.compile(r"^\| `(?P<name>[a-z_]+)/` \|", re.MULTILINE)


def named_in_the_map() -> set[str]:
    return set(PACKAGE_ROW.findall((ROOT / "docs" / "architecture.md").read_text()))


def packages_in_the_tree() -> set[str]:
    source = ROOT / "src" / "conveyor"
    return {
        path.name
        for path in source.iterdir()
        if path.is_dir() and not path.name.startswith(("_", ".")) and any(path.glob("*.py"))
    }


def test_the_map_names_every_top_level_package_and_no_other() -> None:
    named, present = named_in_the_map(), packages_in_the_tree()
    assert named - present == set(), "named in docs/architecture.md but missing from src/conveyor"
    assert present - named == set(), "in src/conveyor but not named in docs/architecture.md"


def test_the_map_was_read() -> None:
    assert {"events", "executions", "pipelines", "runners"} <= named_in_the_map()
