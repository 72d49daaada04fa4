"""The expression language of pipelines, as GitHub Actions has it: one evaluator for `if:` and
for every `${{ }}` a user writes (`run`, `env`, `with`, `name`, `working-directory`, `timeout`,
job `outputs`).

    if: failure() && matrix.os == 'linux'
    run: echo ${{ format('{0}-{1}', conveyor.ref, needs.build.outputs.version) }}

Literals ('text', numbers, true, false, null), contexts (`matrix`, `env`, `secrets`, `inputs`,
`needs`, `steps`, `conveyor`) with `.name` and `['name']` access, `== != < <= > >= && || !` and
parentheses, and the functions success(), failure(), always(), cancelled(), contains(),
startsWith(), endsWith(), format(), join(), toJSON(), fromJSON(), hashFiles(). As in GitHub, a
condition that calls no status function means `success() && (condition)`, text comparisons
ignore case, and `&&`/`||` yield one of their operands.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import operator
import platform
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

STATUS_FUNCTIONS: Final = frozenset({"success", "failure", "always", "cancelled"})
CONTEXTS: Final = ("matrix", "env", "secrets", "inputs", "needs", "steps", "conveyor", "github", "runner")
# `github.*` (GitHub Actions' names for what `conveyor.*` holds) and `runner.*`
GITHUB_FIELDS: Final = (
    "sha", "ref", "ref_name", "ref_type", "event_name", "event", "run_id", "run_number", "run_attempt",
    "actor", "triggering_actor", "job", "workspace", "repository", "repository_owner", "server_url",
    "api_url", "head_ref", "base_ref", "token", "action", "workflow", "retention_days",
)  # fmt: skip
RUNNER_FIELDS: Final = ("os", "arch", "name", "temp", "tool_cache", "debug")
_EVENT_NAMES: Final = {"manual": "workflow_dispatch", "debug": "workflow_dispatch"}
CONVEYOR_FIELDS: Final = (
    "sha",
    "ref",
    "event",
    "run_number",
    "run_id",
    "actor",
    "base_ref",
    "head_ref",
    "pull_request",
    "job",
    "workspace",
)
COMPARISONS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
DEFAULT_CONDITION: Final = "success()"
MAX_EXPRESSION_CHARS: Final = 1000
MAX_HASHED_FILES: Final = 10_000
# argument counts: (least, most); None means any number
FUNCTIONS: Final[dict[str, tuple[int, int | None]]] = {
    "success": (0, 0),
    "failure": (0, 0),
    "always": (0, 0),
    "cancelled": (0, 0),
    "contains": (2, 2),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "format": (1, None),
    "join": (1, 2),
    "tojson": (1, 1),
    "fromjson": (1, 1),
    "hashfiles": (1, None),
}
KNOWN_FUNCTIONS: Final = (
    "success(), failure(), always(), cancelled(), contains(a, b), startsWith(a, b), endsWith(a, b), "
    "format(text, ...), join(list, separator), toJSON(value), fromJSON(text), hashFiles(pattern, ...)"
)
# `${{ ... }}`; a `}}` inside a quoted text does not end it
TEMPLATE: Final = re.compile(r"\$\{\{((?:'(?:[^']|'')*'|[^'])*?)\}\}", re.DOTALL)

_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<text>'(?:[^']|'')*')|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!().,\[\]]))"
)


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Context:
    """What an expression can see where it is evaluated; a context left empty reads as nulls."""

    success: bool = True
    failure: bool = False
    cancelled: bool = False
    matrix: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    needs: Mapping[str, Any] = field(default_factory=dict)
    steps: Mapping[str, Any] = field(default_factory=dict)
    conveyor: Mapping[str, Any] = field(default_factory=dict)
    workspace: Path | None = None  # where hashFiles() looks; None where no files exist yet


# ("lit", value) | ("ref", context, *names) | ("get", node, key) | ("call", function, args)
# | ("not", node) | (op, left, right)
Node = tuple[Any, ...]


@dataclass(frozen=True)
class Expression:
    text: str
    tree: Node
    references: frozenset[tuple[str, ...]]  # (context, *names) as written, for validation
    functions: frozenset[str]

    @property
    def checks_status(self) -> bool:
        return bool(self.functions & STATUS_FUNCTIONS)

    def value(self, context: Context) -> Any:
        return _evaluate(self.tree, context)


@dataclass(frozen=True)
class Condition(Expression):
    def evaluate(self, context: Context) -> bool:
        value = _truthy(self.value(context))
        return value if self.checks_status else context.success and value


@functools.lru_cache(maxsize=4096)
def parse_expression(source: str) -> Expression:
    """Parse one expression (the text inside `${{ }}`); ExpressionError says what is wrong."""
    text = source.strip()
    if not text:
        raise ExpressionError("an empty expression")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"an expression may have at most {MAX_EXPRESSION_CHARS} characters")
    parser = _Parser(text)
    tree = parser.expression()
    parser.expect_end()
    return Expression(text, tree, frozenset(parser.references), frozenset(parser.functions))


@functools.lru_cache(maxsize=1024)
def parse_condition(source: str) -> Condition:
    """Parse an `if:` value (with or without `${{ }}`)."""
    text = source.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    if not text:
        raise ExpressionError("an empty condition")
    parsed = parse_expression(text)
    return Condition(parsed.text, parsed.tree, parsed.references, parsed.functions)


def template_expressions(text: str) -> list[Expression]:
    """Every `${{ }}` in a text, parsed."""
    return [parse_expression(inner) for inner in TEMPLATE.findall(text)]


def interpolate(text: str, context: Context) -> str:
    """The text with each `${{ }}` replaced by its value (lists and objects as JSON)."""
    return TEMPLATE.sub(lambda match: to_text(parse_expression(match.group(1)).value(context)), text)


def to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = list(_tokens(text))
        self.index = 0
        self.references: set[tuple[str, ...]] = set()
        self.functions: set[str] = set()

    def expression(self) -> Node:
        return self._binary("||", self._and)

    def expect_end(self) -> None:
        if self.index < len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.index][1]!r}")

    def _and(self) -> Node:
        return self._binary("&&", self._comparison)

    def _binary(self, op: str, operand: Callable[[], Node]) -> Node:
        node = operand()
        while self._accept(op):
            node = (op, node, operand())
        return node

    def _comparison(self) -> Node:
        node = self._unary()
        for op in COMPARISONS:
            if self._accept(op):
                return (op, node, self._unary())
        return node

    def _unary(self) -> Node:
        # `!` binds tighter than `==`, as in GitHub: `!a == b` is `(!a) == b`
        if self._accept("!"):
            return ("not", self._unary())
        return self._postfix(self._primary())

    def _postfix(self, node: Node) -> Node:
        """`.name` and `[key]` after a value: literal ones extend a context reference."""
        while True:
            if self._accept("."):
                key: Node = ("lit", self._name())
            elif self._accept("["):
                key = self.expression()
                self._expect("]")
            else:
                return node
            if node[0] == "ref" and key[0] == "lit" and isinstance(key[1], str):
                node = (*node, key[1])
            else:
                node = ("get", node, key)

    def _name(self) -> str:
        kind, value = self._next("a name")
        if kind != "name":
            raise ExpressionError(f"expected a name after '.', found {value!r}")
        return value

    def _primary(self) -> Node:
        kind, value = self._next("a value")
        if kind == "number":
            return ("lit", float(value))
        if kind == "text":
            return ("lit", value[1:-1].replace("''", "'"))
        if kind == "op" and value == "(":
            node = self.expression()
            self._expect(")")
            return node
        if kind == "name":
            return self._named(value)
        raise ExpressionError(f"unexpected {value!r}")

    def _named(self, name: str) -> Node:
        literals: dict[str, Any] = {"true": True, "false": False, "null": None}
        if name in literals:
            return ("lit", literals[name])
        if self._accept("("):
            return self._call(name)
        if name in CONTEXTS:
            return self._reference(name)
        if name in STATUS_FUNCTIONS:  # `if: always` as older definitions wrote it
            self.functions.add(name)
            return ("call", name, ())
        raise ExpressionError(f"unknown name {name!r}; contexts: {', '.join(CONTEXTS)}")

    def _reference(self, context: str) -> Node:
        node = self._postfix(("ref", context))
        self.references.add(_static_part(node))
        return node

    def _call(self, name: str) -> Node:
        args: list[Node] = []
        if not self._accept(")"):
            args.append(self.expression())
            while self._accept(","):
                args.append(self.expression())
            self._expect(")")
        function = name.lower()
        least, most = FUNCTIONS.get(function, (-1, -1))
        if least < 0 or len(args) < least or (most is not None and len(args) > most):
            raise ExpressionError(
                f"unknown function {name}() with {len(args)} argument(s); known: {KNOWN_FUNCTIONS}"
            )
        self.functions.add(function)
        return ("call", function, tuple(args))

    def _next(self, wanted: str) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise ExpressionError(f"the expression ends where {wanted} was expected")
        self.index += 1
        return self.tokens[self.index - 1]

    def _accept(self, op: str) -> bool:
        if self.index < len(self.tokens) and self.tokens[self.index] == ("op", op):
            self.index += 1
            return True
        return False

    def _expect(self, op: str) -> None:
        if not self._accept(op):
            found = repr(self.tokens[self.index][1]) if self.index < len(self.tokens) else "the end"
            raise ExpressionError(f"expected {op!r}, found {found}")


def _static_part(node: Node) -> tuple[str, ...]:
    while node[0] == "get":
        node = node[1]
    return tuple(node[1:])


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read the expression at {text[position:].strip()[:20]!r}")
        kind = match.lastgroup
        assert kind is not None
        yield kind, match.group(kind)
        position = match.end()


def _evaluate(node: Node, context: Context) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ref":
        return _reference(node[1], node[2:], context)
    if kind == "get":
        return _member(_evaluate(node[1], context), _evaluate(node[2], context))
    if kind == "call":
        return _call(node[1], [_evaluate(arg, context) for arg in node[2]], context)
    if kind == "not":
        return not _truthy(_evaluate(node[1], context))
    left = _evaluate(node[1], context)
    if kind == "&&":
        return _evaluate(node[2], context) if _truthy(left) else left
    if kind == "||":
        return left if _truthy(left) else _evaluate(node[2], context)
    return COMPARISONS[kind](*_comparable(left, _evaluate(node[2], context)))


def _reference(source: str, names: tuple[str, ...], context: Context) -> Any:
    value: Any
    if source == "github":
        value = github_context(context.conveyor)
    elif source == "runner":
        value = runner_context(context.conveyor)
    else:
        value = getattr(context, source)
    if source == "matrix":
        # matrix values travel as text; YAML's true/false were booleans, as GitHub keeps them
        value = {k: {"true": True, "false": False}.get(v, v) for k, v in value.items()}
    for name in names:
        value = _member(value, name)
    return value


def github_context(conveyor: Mapping[str, Any]) -> dict[str, Any]:
    """The `github` context of a run, from its `conveyor` context (what GitHub would say)."""
    ref = str(conveyor.get("ref") or "")
    full_ref = ref if ref.startswith("refs/") or not ref else f"refs/heads/{ref}"
    pull_request = conveyor.get("pull_request") or None
    event = str(conveyor.get("event") or "")
    return {
        "sha": conveyor.get("sha", ""),
        "ref": full_ref,
        "ref_name": full_ref.removeprefix("refs/heads/").removeprefix("refs/tags/"),
        "ref_type": "tag" if full_ref.startswith("refs/tags/") else "branch",
        "event_name": _EVENT_NAMES.get(event, event),
        "event": {"pull_request": pull_request} if pull_request else {},
        "run_id": conveyor.get("run_id", ""),
        "run_number": conveyor.get("run_number", 0),
        "run_attempt": "1",
        "actor": conveyor.get("actor", ""),
        "triggering_actor": conveyor.get("actor", ""),
        "job": conveyor.get("job", ""),
        "workspace": conveyor.get("workspace", ""),
        "head_ref": conveyor.get("head_ref", ""),
        "base_ref": conveyor.get("base_ref", ""),
        "repository": conveyor.get("repository", ""),
        "token": "",  # Conveyor gives jobs no GitHub token
    }


def runner_context(conveyor: Mapping[str, Any]) -> dict[str, Any]:
    """The `runner` context: every Conveyor runner is a Linux machine."""
    machine = platform.machine().lower()
    arch = {"x86_64": "X64", "amd64": "X64", "aarch64": "ARM64", "arm64": "ARM64"}.get(machine, machine)
    return {"os": "Linux", "arch": arch, "name": "conveyor", "temp": "/tmp", "debug": ""}  # noqa: S108 (a job's private /tmp)


def _member(value: Any, key: Any) -> Any:
    """``value[key]``; a missing member is null. Object keys ignore case, as GitHub's do."""
    if isinstance(value, Mapping):
        if not isinstance(key, str):
            return None
        if key in value:
            return value[key]
        folded = key.lower()
        return next((v for k, v in value.items() if str(k).lower() == folded), None)
    if isinstance(value, list) and isinstance(key, float) and key.is_integer() and 0 <= key < len(value):
        return value[int(key)]
    return None


def _call(name: str, args: list[Any], context: Context) -> Any:
    statuses = {
        "success": context.success,
        "failure": context.failure,
        "always": True,
        "cancelled": context.cancelled,
    }
    if name in statuses:
        return statuses[name]
    if name == "hashfiles":
        return hash_files(context.workspace, [to_text(arg) for arg in args])
    return _PURE[name](*args)


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(operator.eq(*_comparable(item, needle)) for item in haystack)
    return to_text(needle).lower() in to_text(haystack).lower()


def _format(template: Any, *args: Any) -> str:
    text = to_text(template)

    def fill(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        index = int(match.group(1))
        if index >= len(args):
            raise ExpressionError(f"format(): {{{index}}} has no argument")
        return to_text(args[index])

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", fill, text)


def _join(items: Any, separator: Any = ",") -> str:
    if isinstance(items, list):
        return to_text(separator).join(to_text(item) for item in items)
    return to_text(items)


def _from_json(text: Any) -> Any:
    try:
        value = json.loads(to_text(text))
    except ValueError as exc:
        raise ExpressionError(f"fromJSON(): not JSON ({exc})") from None
    return _numbers_as_floats(value)


def _numbers_as_floats(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_numbers_as_floats(item) for item in value]
    return {key: _numbers_as_floats(item) for key, item in value.items()}


def _to_json(value: Any) -> str:
    return json.dumps(value, indent=2, default=str)


_PURE: Final[dict[str, Callable[..., Any]]] = {
    "contains": _contains,
    "startswith": lambda text, prefix: to_text(text).lower().startswith(to_text(prefix).lower()),
    "endswith": lambda text, suffix: to_text(text).lower().endswith(to_text(suffix).lower()),
    "format": _format,
    "join": _join,
    "tojson": _to_json,
    "fromjson": _from_json,
}


def hash_files(workspace: Path | None, patterns: list[str]) -> str:
    """One SHA-256 over the files the globs match inside the workspace ('' when none match)."""
    if workspace is None:
        raise ExpressionError(
            "hashFiles() needs the job's workspace: use it in run, env, with or a cache key"
        )
    root = workspace.resolve()
    found: set[Path] = set()
    for pattern in patterns:
        if pattern.startswith("/") or ".." in Path(pattern).parts:
            raise ExpressionError(f"hashFiles(): {pattern!r} reaches outside the workspace")
        for path in root.glob(pattern):
            resolved = path.resolve()
            if resolved.is_relative_to(root) and resolved.is_file():
                found.add(resolved)
        if len(found) > MAX_HASHED_FILES:
            raise ExpressionError(f"hashFiles(): more than {MAX_HASHED_FILES} files match")
    if not found:
        return ""
    total = hashlib.sha256()
    for path in sorted(found):
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
        total.update(digest.digest())
    return total.hexdigest()


def _truthy(value: Any) -> bool:
    if isinstance(value, list | dict):
        return True
    return value not in (None, False, "", 0.0) and not (isinstance(value, float) and math.isnan(value))


def _comparable(left: Any, right: Any) -> tuple[str, str] | tuple[float, float]:
    """Two texts compare ignoring case; numbers or mixed types as numbers (NaN never matches),
    except that mixed non-numbers compare as text (``true == 'true'``)."""
    if isinstance(left, str) and isinstance(right, str):
        return left.lower(), right.lower()
    if isinstance(left, float) or isinstance(right, float):
        return _number(left), _number(right)
    return to_text(left).lower(), to_text(right).lower()


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value is None:
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
