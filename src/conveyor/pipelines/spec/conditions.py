"""`if:` conditions: the part of GitHub Actions' expression language that decides whether to run.

    if: failure() && matrix.os == 'linux'
    if: ${{ !cancelled() && startsWith(conveyor.ref, 'release/') }}

Literals ('text', numbers, true, false, null), `matrix.<name>`, `env.<NAME>`, `conveyor.ref`,
`conveyor.event`, `== != < <= > >= && || !` and parentheses, and the functions success(), failure(),
always(), cancelled(), contains(), startsWith(), endsWith(). As in GitHub, a condition that calls
no status function means `success() && (condition)`, text comparisons ignore case, and `&&`/`||`
yield one of their operands.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

Value = str | float | bool | None

STATUS_FUNCTIONS: Final = frozenset({"success", "failure", "always", "cancelled"})
TEXT_FUNCTIONS: Final[dict[str, Callable[[str, str], bool]]] = {
    "contains": lambda haystack, needle: needle in haystack,
    "startswith": str.startswith,
    "endswith": str.endswith,
}
CONVEYOR_FIELDS: Final = frozenset({"ref", "event"})
COMPARISONS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
DEFAULT_CONDITION: Final = "success()"
MAX_CONDITION_CHARS: Final = 1000
KNOWN_FUNCTIONS: Final = (
    "success(), failure(), always(), cancelled(), contains(a, b), startsWith(a, b), endsWith(a, b)"
)
KNOWN_VALUES: Final = "matrix.<name>, env.<NAME>, conveyor.ref or conveyor.event"

_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<text>'(?:[^']|'')*')|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[<>!().,]))"
)


class ConditionError(ValueError):
    pass


@dataclass(frozen=True)
class Context:
    """What a condition can see when a job or step is about to run."""

    success: bool
    failure: bool
    cancelled: bool = False
    matrix: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    ref: str | None = None
    event: str | None = None


# ("lit", value) | ("ref", context, name) | ("call", function, args) | ("not", node) | (op, left, right)
Node = tuple[Any, ...]


@dataclass(frozen=True)
class Condition:
    text: str
    tree: Node
    references: frozenset[tuple[str, str]]
    checks_status: bool

    def evaluate(self, context: Context) -> bool:
        value = _truthy(_evaluate(self.tree, context))
        return value if self.checks_status else context.success and value


@functools.lru_cache(maxsize=1024)
def parse_condition(source: str) -> Condition:
    """Parse an `if:` value (with or without `${{ }}`); ConditionError says what is wrong."""
    text = source.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2].strip()
    if not text:
        raise ConditionError("an empty condition")
    if len(text) > MAX_CONDITION_CHARS:
        raise ConditionError(f"a condition may have at most {MAX_CONDITION_CHARS} characters")
    parser = _Parser(text)
    tree = parser.expression()
    parser.expect_end()
    return Condition(text, tree, frozenset(parser.references), parser.checks_status)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = list(_tokens(text))
        self.index = 0
        self.references: set[tuple[str, str]] = set()
        self.checks_status = False

    def expression(self) -> Node:
        return self._binary("||", self._and)

    def expect_end(self) -> None:
        if self.index < len(self.tokens):
            raise ConditionError(f"unexpected {self.tokens[self.index][1]!r}")

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
        return self._primary()

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
        raise ConditionError(f"unexpected {value!r}")

    def _named(self, name: str) -> Node:
        literals: dict[str, Value] = {"true": True, "false": False, "null": None}
        if name in literals:
            return ("lit", literals[name])
        if self._accept("("):
            return self._call(name)
        if self._accept("."):
            return self._reference(name)
        if name in STATUS_FUNCTIONS:  # `if: always` as older definitions wrote it
            self.checks_status = True
            return ("call", name, ())
        raise ConditionError(f"unknown name {name!r}; use {KNOWN_VALUES}")

    def _call(self, name: str) -> Node:
        args: list[Node] = []
        if not self._accept(")"):
            args.append(self.expression())
            while self._accept(","):
                args.append(self.expression())
            self._expect(")")
        function = name.lower()
        if function in STATUS_FUNCTIONS and not args:
            self.checks_status = True
            return ("call", function, ())
        if function in TEXT_FUNCTIONS and len(args) == 2:
            return ("call", function, tuple(args))
        known = (
            "success(), failure(), always(), cancelled(), contains(a, b), startsWith(a, b), endsWith(a, b)"
        )
        raise ConditionError(f"unknown function {name}() with {len(args)} argument(s); known: {known}")

    def _reference(self, context: str) -> Node:
        kind, name = self._next("a name")
        if kind != "name":
            raise ConditionError(f"expected a name after {context!r}.")
        if context not in ("matrix", "env", "conveyor") or (
            context == "conveyor" and name not in CONVEYOR_FIELDS
        ):
            raise ConditionError(
                f"unknown value {context}.{name}; use matrix.<name>, env.<NAME> or conveyor.ref"
            )
        self.references.add((context, name))
        return ("ref", context, name)

    def _next(self, wanted: str) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise ConditionError(f"the condition ends where {wanted} was expected")
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
            raise ConditionError(f"expected {op!r}, found {found}")


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    position = 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionError(f"cannot read the condition at {text[position:].strip()[:20]!r}")
        kind = match.lastgroup
        assert kind is not None
        yield kind, match.group(kind)
        position = match.end()


def _evaluate(node: Node, context: Context) -> Value:
    kind = node[0]
    if kind == "lit":
        return node[1]  # type: ignore[no-any-return]
    if kind == "ref":
        return _lookup(node[1], node[2], context)
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


def _lookup(source: str, name: str, context: Context) -> Value:
    if source == "matrix":
        # matrix values travel as text; YAML's true/false were booleans, as GitHub keeps them
        value = context.matrix.get(name)
        return {"true": True, "false": False}.get(value, value) if value is not None else None
    if source == "env":
        return context.env.get(name)
    return context.ref if name == "ref" else context.event


def _call(name: str, args: list[Value], context: Context) -> Value:
    statuses = {
        "success": context.success,
        "failure": context.failure,
        "always": True,
        "cancelled": context.cancelled,
    }
    if name in statuses:
        return statuses[name]
    haystack, needle = (_text(arg).lower() for arg in args)
    return TEXT_FUNCTIONS[name](haystack, needle)


def _truthy(value: Value) -> bool:
    return value not in (None, False, "", 0.0) and not (isinstance(value, float) and math.isnan(value))


def _comparable(left: Value, right: Value) -> tuple[str, str] | tuple[float, float]:
    """Two texts compare ignoring case; numbers or mixed types as numbers (NaN never matches),
    except that mixed non-numbers compare as text (``true == 'true'``)."""
    if isinstance(left, str) and isinstance(right, str):
        return left.lower(), right.lower()
    if isinstance(left, float) or isinstance(right, float):
        return _number(left), _number(right)
    return _text(left).lower(), _text(right).lower()


def _number(value: Value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if value is None:
        return 0.0
    try:
        return float(value)
    except ValueError:
        return math.nan


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return value
