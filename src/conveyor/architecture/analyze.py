"""The import graph of a source tree: Python through ``ast``, JavaScript/TypeScript through their
import syntax; modules grouped into components (the first ``depth`` parts of their path), import
cycles between components, and the breaches of the project's layering rules.

Pure functions over a folder: no database, no network, so it runs in a thread or a runner.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

PY_SUFFIXES = (".py",)
JS_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")
SKIP_DIRS = frozenset(
    {"node_modules", "venv", "__pycache__", "dist", "build", "site-packages"}
)  # and every hidden folder (.git, .venv, .tox...)
MAX_FILE_BYTES = 2 * 1024 * 1024
_JS_IMPORT = re.compile(
    r"""(?:\bimport\s+(?:[\w*{}\s,$]+\s+from\s+)?|\bexport\s+[\w*{}\s,$]+\s+from\s+|\brequire\s*\(\s*|\bimport\s*\(\s*)
        ["']([^"'\n]+)["']""",
    re.VERBOSE,
)


@dataclass
class Module:
    name: str  # dotted for Python ("pkg.sub.mod"), slash path without suffix for JS ("src/app/main")
    path: str  # file path relative to the root
    language: str
    imports: set[str] = field(default_factory=set)  # names of other modules of the tree


@dataclass(frozen=True)
class LayerRule:
    """Layers from top to bottom; each a list of component patterns (fnmatch). A component may
    import its own layer and the ones below; importing a layer above is a breach."""

    layers: tuple[tuple[str, ...], ...]


@dataclass
class Graph:
    components: dict[str, list[str]]  # component -> its modules
    edges: dict[tuple[str, str], int]  # (from, to) -> number of module imports
    cycles: list[list[str]]
    breaches: list[dict[str, str]]
    skipped: list[dict[str, str]]
    modules: int
    files: dict[str, int]  # language -> files read

    def as_json(self) -> dict[str, Any]:
        return {
            "components": [
                {"id": name, "modules": len(mods), "sample": sorted(mods)[:5]}
                for name, mods in sorted(self.components.items())
            ],
            "edges": [{"from": a, "to": b, "imports": n} for (a, b), n in sorted(self.edges.items())],
            "cycles": self.cycles,
            "breaches": self.breaches,
            "skipped": self.skipped,
            "stats": {"modules": self.modules, "files": self.files, "components": len(self.components)},
        }


def source_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if any(part in SKIP_DIRS or part.startswith(".") for part in relative[:-1]):
            continue
        if path.suffix in PY_SUFFIXES + JS_SUFFIXES and path.is_file() and not path.is_symlink():
            yield path


def python_name(root: Path, relative: Path) -> str:
    """The dotted name Python imports the file by: from its topmost package folder (so ``src/``
    or ``lib/`` layouts drop the folder that holds the packages); a file outside any package
    keeps its whole path."""
    parts = list(relative.with_suffix("").parts)
    folders = relative.parts[:-1]
    start = len(folders)
    while start > 0 and (root.joinpath(*folders[:start]) / "__init__.py").is_file():
        start -= 1
    if start < len(folders):
        parts = parts[start:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def js_name(relative: Path) -> str:
    name = relative.with_suffix("").as_posix()
    return name[: -len("/index")] if name.endswith("/index") else name


def _python_imports(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    found: set[str] = set()
    package = name.split(".") if is_package else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1] if node.level > 1 else package
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return {f for f in found if f}


def _resolve_python(target: str, known: set[str]) -> str | None:
    """The module of the tree ``target`` names: itself, or its closest known parent package."""
    parts = target.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            return candidate
        parts.pop()
    return None


def _resolve_js(source: Path, specifier: str, known: set[str]) -> str | None:
    if not specifier.startswith("."):
        return None  # a package: outside the tree
    base = (source.parent / specifier).as_posix()
    parts: list[str] = []
    for part in base.split("/"):
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    name = "/".join(parts)
    for suffix in ("", *JS_SUFFIXES):
        candidate = name[: -len(suffix)] if suffix and name.endswith(suffix) else name
        if candidate in known:
            return candidate
    return None


def read_modules(root: Path) -> tuple[list[tuple[Module, set[str]]], list[dict[str, str]]]:
    """Every module of the tree with what it imports (not yet resolved), and the files skipped."""
    parsed: list[tuple[Module, set[str]]] = []
    skipped: list[dict[str, str]] = []
    for path in source_files(root):
        relative = path.relative_to(root)
        if path.stat().st_size > MAX_FILE_BYTES:
            skipped.append({"path": relative.as_posix(), "reason": "larger than 2 MiB"})
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError) as exc:
            skipped.append({"path": relative.as_posix(), "reason": f"unreadable: {type(exc).__name__}"})
            continue
        if path.suffix in PY_SUFFIXES:
            try:
                tree = ast.parse(text, filename=str(relative))
            except (SyntaxError, ValueError) as exc:
                line = getattr(exc, "lineno", None)
                skipped.append({"path": relative.as_posix(), "reason": f"syntax error at line {line}"})
                continue
            module = Module(python_name(root, relative), relative.as_posix(), "python")
            parsed.append((module, _python_imports(tree, module.name, relative.name == "__init__.py")))
        else:
            module = Module(js_name(relative), relative.as_posix(), "javascript")
            parsed.append((module, {m.group(1) for m in _JS_IMPORT.finditer(text)}))
    return parsed, skipped


def component_of(module: Module, depth: int) -> str:
    """Python: the first ``depth`` parts of the dotted name; JS/TS: of the file's folder."""
    if module.language == "python":
        return ".".join(module.name.split(".")[:depth])
    folders = module.path.split("/")[:-1] or [module.name]
    return "/".join(folders[:depth])


def analyse(root: Path, *, depth: int = 2, rule: LayerRule | None = None) -> Graph:
    parsed, skipped = read_modules(root)
    modules = [module for module, _ in parsed]
    py_known = {m.name for m in modules if m.language == "python"}
    js_known = {m.name for m in modules if m.language == "javascript"}
    for module, raw in parsed:
        if module.language == "python":
            targets = {_resolve_python(t, py_known) for t in raw}
        else:
            targets = {_resolve_js(Path(module.path), s, js_known) for s in raw}
        module.imports = {t for t in targets if t and t != module.name}
    return build_graph(modules, skipped, depth=depth, rule=rule)


def build_graph(
    modules: Sequence[Module], skipped: list[dict[str, str]], *, depth: int, rule: LayerRule | None
) -> Graph:
    by_name = {(m.language, m.name): m for m in modules}
    components: dict[str, list[str]] = defaultdict(list)
    owner: dict[tuple[str, str], str] = {}
    for module in modules:
        component = component_of(module, depth)
        components[component].append(module.name)
        owner[(module.language, module.name)] = component
    edges: dict[tuple[str, str], int] = defaultdict(int)
    for module in modules:
        source = owner[(module.language, module.name)]
        for target in module.imports:
            if (module.language, target) in by_name:
                destination = owner[(module.language, target)]
                if destination != source:
                    edges[(source, destination)] += 1
    files: dict[str, int] = defaultdict(int)
    for module in modules:
        files[module.language] += 1
    return Graph(
        components=dict(components),
        edges=dict(edges),
        cycles=find_cycles(set(components), set(edges)),
        breaches=find_breaches(set(edges), rule),
        skipped=skipped,
        modules=len(modules),
        files=dict(files),
    )


def find_cycles(nodes: set[str], edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected groups of more than one component (Tarjan, iterative)."""
    successors: dict[str, list[str]] = defaultdict(list)
    for a, b in sorted(edges):
        successors[a].append(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(successors[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(successors[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(groups)


def layer_of(component: str, rule: LayerRule) -> int | None:
    for position, patterns in enumerate(rule.layers):
        if any(fnmatchcase(component, p) for p in patterns):
            return position
    return None


def find_breaches(edges: set[tuple[str, str]], rule: LayerRule | None) -> list[dict[str, str]]:
    if rule is None:
        return []
    breaches = []
    for a, b in sorted(edges):
        la, lb = layer_of(a, rule), layer_of(b, rule)
        if la is not None and lb is not None and lb < la:
            breaches.append({"from": a, "to": b, "rule": f"layer {la + 1} may not import layer {lb + 1}"})
    return breaches
