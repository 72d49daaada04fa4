"""Small edits of a pipeline's YAML text that keep everything else (comments, order) as written."""

from __future__ import annotations

import re

from conveyor.pipelines.spec.loader import Path, load


def set_value(text: str, mapping: Path, key: str, value: str) -> str | None:
    """``key: value`` in the block mapping at ``mapping``: the line replaced, or a new line as its
    first key; None when the text is not laid out so that this can be done safely."""
    loaded = load(text)
    lines = text.splitlines(keepends=True)
    existing = loaded.lines.get((*mapping, key))
    if existing is not None:
        line = lines[existing - 1]
        new, count = re.subn(
            rf"^(\s*(?:-\s+)?{re.escape(key)}\s*:\s*)[^#\n]*?(\s*(#.*)?)$",
            rf"\g<1>{value}\2",
            line.rstrip("\n"),
        )
        if count != 1:
            return None
        lines[existing - 1] = new + "\n"
        return "".join(lines)
    children = sorted(
        line for path, line in loaded.lines.items() if len(path) == len(mapping) + 1 and path[:-1] == mapping
    )
    if not children:
        return None
    first = lines[children[0] - 1]
    column = len(first) - len(first.lstrip(" -"))
    own = loaded.lines.get(mapping)
    if first.lstrip().startswith("-") or own is None or own == children[0]:
        if _opens_block(first):
            return None
        lines.insert(children[0], " " * column + f"{key}: {value}\n")
    else:
        lines.insert(children[0] - 1, " " * column + f"{key}: {value}\n")
    return "".join(lines)


def _opens_block(line: str) -> bool:
    return bool(re.search(r":\s*[|>][-+0-9]*\s*(#.*)?$", line.rstrip("\n")))


def rename_key(text: str, line_number: int, old: str, new: str) -> str | None:
    lines = text.splitlines(keepends=True)
    if not 0 < line_number <= len(lines):
        return None
    line = lines[line_number - 1]
    fixed, count = re.subn(rf"(^|[\s{{,-]){re.escape(old)}(\s*:)", rf"\g<1>{new}\2", line, count=1)
    if count != 1:
        return None
    lines[line_number - 1] = fixed
    return "".join(lines)
