"""YAML loading that remembers the line of every key and item, so errors can name it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]

_BOOL = "tag:yaml.org,2002:bool"


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: ``on``, ``yes`` and ``off`` stay strings (GitHub's ``on:`` key)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


@dataclass
class Loaded:
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, path: Path) -> int:
        """The line of the deepest known part of ``path`` (1 when nothing is known)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return 1


class YamlError(Exception):
    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def load(text: str) -> Loaded:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        loaded = Loaded(data=None)
        if node is not None:
            _index(node, (), loaded)
            loaded.data = loader.construct_document(node)
        return loaded
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.context_mark and exc.problem:
            problem += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise YamlError(line, problem) from None
    except yaml.YAMLError as exc:
        raise YamlError(1, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()


def _index(node: Node, path: Path, loaded: Loaded) -> None:
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else repr(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                loaded.problems.append((line, f"duplicate key {key!r}"))
            seen.add(key)
            loaded.lines[(*path, key)] = line
            _index(key_node, (*path, key), loaded)
            _index(value_node, (*path, key), loaded)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            loaded.lines[(*path, index)] = item.start_mark.line + 1
            _index(item, (*path, index), loaded)
    elif isinstance(node, ScalarNode) and "\x00" in str(node.value):
        # a "\0" escape: no command, name or database text can hold it
        loaded.problems.append((node.start_mark.line + 1, "NUL characters (\\0) are not allowed"))
