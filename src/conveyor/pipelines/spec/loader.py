"""YAML loading that remembers the line of every key and item, so errors can name it.

Bounded, because definitions come from any maintainer: the text's size, the nesting depth and the
number of nodes once aliases are expanded (a 1 KB "billion laughs" document would otherwise
expand to gigabytes) are limited before anything walks the expanded tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

_BOOL = "tag:yaml.org,2002:bool"
MAX_CHARS = 256 * 1024
MAX_DEPTH = 64
MAX_NODES = 20_000  # counted with aliases expanded


class YamlError(Exception):
    def __init__(self, line: int, problem: str, column: int = 1) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.column = column
        self.problem = problem


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: ``on``, ``yes`` and ``off`` stay strings (GitHub's ``on:`` key).

    Composing is recursive: the depth is checked here, before Python's own limit is reached."""

    depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlError(mark.line + 1, f"nested deeper than {MAX_DEPTH} levels", mark.column + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@dataclass
class Loaded:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    columns: dict[Path, int] = field(default_factory=dict)
    problems: list[tuple[int, int, str]] = field(default_factory=list)  # line, column, what

    def line_of(self, path: Path) -> int:
        """The line of the deepest known part of ``path`` (1 when nothing is known)."""
        return self.position_of(path)[0]

    def position_of(self, path: Path) -> tuple[int, int]:
        """The 1-based line and column of the deepest known part of ``path`` ((1, 1) when none is)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line, self.columns.get(path[:end], 1)
        return 1, 1


def load(text: str) -> Loaded:
    if len(text) > MAX_CHARS:
        raise YamlError(1, f"the definition is longer than {MAX_CHARS} characters")
    try:
        loader = _Loader(text)  # reads the text: refuses control characters
    except yaml.YAMLError as exc:
        line, column = _reader_position(text, exc)
        raise YamlError(line, f"invalid YAML: {_reader_problem(exc)}", column) from None
    try:
        node = loader.get_single_node()
        loaded = Loaded(data=None)
        if node is not None:
            _Indexer(loaded).index(node, ())
            loaded.data = loader.construct_document(node)
        return loaded
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.context_mark and exc.problem:
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise YamlError(line, problem, column) from None
    except yaml.YAMLError as exc:
        raise YamlError(1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _reader_position(text: str, exc: yaml.YAMLError) -> tuple[int, int]:
    position = exc.position if isinstance(exc, yaml.reader.ReaderError) else 0
    return text.count("\n", 0, position) + 1, position - (text.rfind("\n", 0, position) + 1) + 1


def _reader_problem(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError) and isinstance(exc.character, int):
        return f"control character #x{exc.character:04x} is not allowed"
    return str(exc).splitlines()[0]


class _Indexer:
    """Records each key's and item's line, walking aliases as the data will be: counted."""

    def __init__(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.nodes = 0

    def index(self, node: Node, path: Path) -> None:
        self.nodes += 1
        line = node.start_mark.line + 1
        if self.nodes > MAX_NODES:
            raise YamlError(line, f"the definition expands to more than {MAX_NODES} values (YAML aliases?)")
        if len(path) > MAX_DEPTH:
            raise YamlError(line, f"nested deeper than {MAX_DEPTH} levels (a recursive alias?)")
        if isinstance(node, MappingNode):
            self._mapping(node, path)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                self._place((*path, index), item)
                self.index(item, (*path, index))
        elif isinstance(node, ScalarNode):
            self._scalar(node)

    def _mapping(self, node: MappingNode, path: Path) -> None:
        seen: set[str] = set()
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            column = key_node.start_mark.column + 1
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else f"<key at {line}:{column}>"
            if key in seen:
                self.loaded.problems.append((line, column, f"duplicate key {key!r}"))
            seen.add(key)
            self._place((*path, key), key_node)
            self.index(key_node, (*path, key))
            self.index(value_node, (*path, key))

    def _place(self, path: Path, node: Node) -> None:
        self.loaded.lines[path] = node.start_mark.line + 1
        self.loaded.columns[path] = node.start_mark.column + 1

    def _scalar(self, node: ScalarNode) -> None:
        value = str(node.value)
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if "\x00" in value:
            # a "\0" escape: no command, name or database text can hold it
            self.loaded.problems.append((line, column, "NUL characters (\\0) are not allowed"))
        if _SURROGATE.search(value):
            # a "\ud800" escape: not text any database or log can store
            self.loaded.problems.append(
                (line, column, "unpaired surrogate escapes (\\ud800-\\udfff) are not allowed")
            )


_SURROGATE = re.compile("[\ud800-\udfff]")
