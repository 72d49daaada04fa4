"""Python dependency manifests: which one a project really installs from, and adding a
distribution to it with the smallest edit (the file's own layout is kept).

Each editor takes the file's text and returns the edited text, or None when the file does not
declare dependencies in a form it can extend safely (a computed list, a dynamic field).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass

Editor = Callable[[str, str], str | None]

# "pip install -r requirements-dev.txt", "pip install --requirement=ci/reqs.txt", "uv pip install -r x"
REQUIREMENT_FILE = re.compile(r"\bpip3?\s+install\b[^\n]*?(?:-r\s*|--requirement[=\s]+)([\w./-]+)")
# "pip install .", "pip install -e .[test]", "pip install --editable ."
PROJECT_INSTALL = re.compile(
    r"\bpip3?\s+install\b[^\n]*?\s(?:-e\s+|--editable[=\s]+)?\.(?:\[[\w,-]*\])?(?=\s|$|['\"])"
)
ROOT_REQUIREMENTS = ("requirements.txt", "requirements.in")


@dataclass(frozen=True)
class Manifest:
    path: str
    describe: str
    edit: Editor


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(line: str) -> str:
    return normalized(re.split(r"[\s<>=!~;\[@]", line.strip(), maxsplit=1)[0])


# requirements files ------------------------------------------------------------------------


def edit_requirements(text: str, dist: str) -> str | None:
    names = {_requirement_name(line) for line in text.splitlines() if line.strip() and line[0] not in "#-"}
    if normalized(dist) in names:
        return None
    return text + ("" if text.endswith("\n") or not text else "\n") + f"{dist}\n"


# pyproject.toml ----------------------------------------------------------------------------


def pyproject_kind(text: str) -> str | None:
    """ "project" (PEP 621 dependencies), "dynamic" (declared elsewhere), "poetry", or None."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    project = data.get("project")
    if isinstance(project, dict):
        return "dynamic" if "dependencies" in project.get("dynamic", []) else "project"
    poetry = data.get("tool", {}).get("poetry", {})
    return "poetry" if isinstance(poetry, dict) and "dependencies" in poetry else None


def dynamic_dependency_files(text: str) -> list[str]:
    """``[tool.setuptools.dynamic] dependencies = {file = [...]}``: where the list really is."""
    dynamic = tomllib.loads(text).get("tool", {}).get("setuptools", {}).get("dynamic", {})
    files = dynamic.get("dependencies", {}).get("file", []) if isinstance(dynamic, dict) else []
    return [files] if isinstance(files, str) else [f for f in files if isinstance(f, str)]


def _section(lines: list[str], header: str) -> tuple[int, int] | None:
    """(index of the header line, index after the section's last non-blank line)."""
    start = next((i for i, line in enumerate(lines) if line.strip() == header), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return start, end


def edit_pyproject(text: str, dist: str) -> str | None:
    """Add to ``[project] dependencies`` (the key is created when missing) or Poetry's table."""
    kind = pyproject_kind(text)
    if kind == "poetry":
        return _add_poetry(text, dist)
    if kind != "project":
        return None
    declared = tomllib.loads(text)["project"].get("dependencies", [])
    if any(_requirement_name(d) == normalized(dist) for d in declared):
        return None
    lines = text.splitlines(keepends=True)
    bounds = _section(lines, "[project]")
    if bounds is None:  # [project] written as a dotted or inline table: not edited by hand
        return None
    start, end = bounds
    for index in range(start + 1, end):
        if re.match(r"dependencies\s*=\s*\[", lines[index].strip()):
            return _extend_array(lines, index, dist)
    eol = "" if lines[end - 1].endswith("\n") else "\n"
    lines.insert(end, f'{eol}dependencies = ["{dist}"]\n')
    return "".join(lines)


def _extend_array(lines: list[str], index: int, dist: str) -> str | None:
    stripped = lines[index].strip()
    inline = re.match(r"(dependencies\s*=\s*\[)(.*)\]\s*(#.*)?$", stripped)
    if inline:
        items = inline.group(2).strip().rstrip(",")
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        lines[index] = f'{indent}{inline.group(1)}{items + ", " if items else ""}"{dist}"]\n'
        return "".join(lines)
    following = lines[index + 1] if index + 1 < len(lines) else ""
    item_indent = "    "
    if following.strip() not in ("", "]"):
        item_indent = following[: len(following) - len(following.lstrip())]
    lines.insert(index + 1, f'{item_indent}"{dist}",\n')
    return "".join(lines)


def _add_poetry(text: str, dist: str) -> str | None:
    lines = text.splitlines(keepends=True)
    bounds = _section(lines, "[tool.poetry.dependencies]")
    if bounds is None:
        return None
    start, end = bounds
    if any(_requirement_name(line.split("=")[0]) == normalized(dist) for line in lines[start + 1 : end]):
        return None
    eol = "" if lines[end - 1].endswith("\n") else "\n"
    lines.insert(end, f'{eol}{dist} = "*"\n')
    return "".join(lines)


# setup.cfg ---------------------------------------------------------------------------------


def edit_setup_cfg(text: str, dist: str) -> str | None:
    """Add to ``[options] install_requires`` (created under ``[options]`` when missing)."""
    lines = text.splitlines(keepends=True)
    bounds = _section(lines, "[options]")
    if bounds is None:
        return None
    start, end = bounds
    for index in range(start + 1, end):
        if re.match(r"install_requires\s*=", lines[index]):
            last = index
            while last + 1 < end and lines[last + 1][:1] in (" ", "\t") and lines[last + 1].strip():
                last += 1
            values = [lines[index].split("=", 1)[1], *lines[index + 1 : last + 1]]
            if any(_requirement_name(v) == normalized(dist) for v in values if v.strip()):
                return None
            eol = "" if lines[last].endswith("\n") else "\n"
            lines.insert(last + 1, f"{eol}    {dist}\n")
            return "".join(lines)
    lines.insert(start + 1, f"install_requires =\n    {dist}\n")
    return "".join(lines)


def declares_options(text: str) -> bool:
    return any(line.strip() == "[options]" for line in text.splitlines())


# setup.py ----------------------------------------------------------------------------------


def _offset(lines: list[str], lineno: int, col: int) -> int:
    """ast's (1-based line, UTF-8 byte column) as an index into the text."""
    before = sum(len(line) for line in lines[: lineno - 1])
    return before + len(lines[lineno - 1].encode()[:col].decode(errors="ignore"))


def _setup_call(tree: ast.Module) -> ast.Call | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Name) and func.id == "setup") or (
                isinstance(func, ast.Attribute) and func.attr == "setup"
            ):
                return node
    return None


def _list_named(tree: ast.Module, name: str) -> ast.List | ast.Tuple | None:
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.List | ast.Tuple):
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node.value
    return None


def setup_py_requires(text: str) -> list[str] | None:
    """The literal ``install_requires`` of ``setup()``; [] when it has none; None when computed."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    call = _setup_call(tree)
    if call is None:
        return None
    keyword = next((k for k in call.keywords if k.arg == "install_requires"), None)
    if keyword is None:
        return []
    value = keyword.value
    if isinstance(value, ast.Name):
        value = _list_named(tree, value.id)  # type: ignore[assignment]
    if not isinstance(value, ast.List | ast.Tuple):
        return None
    return [e.value for e in value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]


def edit_setup_py(text: str, dist: str) -> str | None:
    """Add to ``setup(install_requires=[...])`` (a literal list, or a module-level list it names),
    or add the keyword to the ``setup()`` call."""
    requires = setup_py_requires(text)
    if requires is None or any(_requirement_name(r) == normalized(dist) for r in requires):
        return None
    tree = ast.parse(text)
    call = _setup_call(tree)
    assert call is not None
    lines = text.splitlines(keepends=True)
    keyword = next((k for k in call.keywords if k.arg == "install_requires"), None)
    if keyword is not None:
        value = keyword.value
        listed = _list_named(tree, value.id) if isinstance(value, ast.Name) else value
        assert isinstance(listed, ast.List | ast.Tuple) and listed.end_lineno is not None
        if listed.elts:
            last = listed.elts[-1]
            assert last.end_lineno is not None and last.end_col_offset is not None
            at, insert = _offset(lines, last.end_lineno, last.end_col_offset), f', "{dist}"'
        else:
            assert listed.end_col_offset is not None
            at, insert = _offset(lines, listed.end_lineno, listed.end_col_offset) - 1, f'"{dist}"'
        return text[:at] + insert + text[at:]
    arguments: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    if not arguments:
        assert call.end_lineno is not None and call.end_col_offset is not None
        at = _offset(lines, call.end_lineno, call.end_col_offset) - 1
        return text[:at] + f'install_requires=["{dist}"]' + text[at:]
    last_argument = max(arguments, key=lambda a: (a.end_lineno or 0, a.end_col_offset or 0))
    end = last_argument.value if isinstance(last_argument, ast.keyword) else last_argument
    assert end.end_lineno is not None and end.end_col_offset is not None
    at = _offset(lines, end.end_lineno, end.end_col_offset)
    same_line = last_argument.lineno == call.lineno
    separator = ", " if same_line else ",\n" + " " * last_argument.col_offset
    return text[:at] + f'{separator}install_requires=["{dist}"]' + text[at:]
