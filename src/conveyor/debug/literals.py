"""Literal strings a regular expression cannot match without: a cheap test before running it.

``required_literals(pattern)`` reads the pattern's syntax tree and returns strings of which
every match contains at least one (``[Nn]o space left|ENOSPC`` gives ``{"o space left",
"ENOSPC"}``), or None when it finds no such set. A pattern none of whose literals occurs in a
text has no match there, so skipping it changes nothing; detection and the cue table run a
few hundred patterns over each log and most of them find nothing.

The reading is conservative: anything it does not model (case-insensitive flags, lookarounds,
optional parts, negated or large character classes) contributes no literal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Final

# Bounds of the alternatives a piece can expand to (``[Ww]ould`` is two strings), and of the
# strings a pattern's alternatives may require (each is one substring search per log).
MAX_ALTERNATIVES: Final = 16
MAX_NECESSARY: Final = 64
MAX_CLASS_CHARS: Final = 4
_REPEATS: Final = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)

Node = tuple[Any, Any]


def may_match(literals: frozenset[str] | None, text: str) -> bool:
    """False when ``text`` holds none of a pattern's required ``literals``: it cannot match."""
    return literals is None or any(map(text.__contains__, literals))


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` compiled with ``flags`` contains, or None
    when none is known (the flags matter: ``re.IGNORECASE`` gives None)."""
    parsed = sre_parse.parse(pattern, flags)
    if parsed.state.flags & (re.IGNORECASE | re.LOCALE):
        return None
    found = _necessary(list(parsed))
    return frozenset(found) if found else None


def _necessary(items: list[Node]) -> set[str] | None:
    """Necessary strings of a sequence: the most selective set any of its pieces gives."""
    candidates: list[set[str]] = []
    run: set[str] = {""}
    for op, av in items:
        exact = _exact_piece(op, av)
        if exact is not None and len(run) * len(exact) <= MAX_ALTERNATIVES:
            run = {head + tail for head in run for tail in exact}
            continue
        candidates.append(run)
        run = exact if exact is not None else {""}
        if exact is None:
            candidates.append(_necessary_piece(op, av) or {""})
    candidates.append(run)
    useful = [candidate for candidate in candidates if "" not in candidate]
    return max(useful, key=lambda strings: (min(map(len, strings)), -len(strings)), default=None)


def _necessary_piece(op: Any, av: Any) -> set[str] | None:
    if op is sre.SUBPATTERN:
        _, add_flags, _, body = av
        return None if add_flags & re.IGNORECASE else _necessary(list(body))
    if op is sre.ATOMIC_GROUP:
        return _necessary(list(av))
    if op is sre.BRANCH:
        return _union((_necessary(list(branch)) for branch in av[1]), MAX_NECESSARY)
    if op in _REPEATS and av[0] >= 1:
        return _necessary(list(av[2]))
    return None


def _exact_piece(op: Any, av: Any) -> set[str] | None:
    """The finite set of strings a piece matches, when small and known."""
    if op is sre.LITERAL:
        return {chr(av)}
    if op is sre.IN and len(av) <= MAX_CLASS_CHARS and all(kind is sre.LITERAL for kind, _ in av):
        return {chr(code) for _, code in av}
    if op is sre.SUBPATTERN and not av[1] & re.IGNORECASE:
        return _exact(list(av[3]))
    if op is sre.BRANCH:
        return _union((_exact(list(branch)) for branch in av[1]), MAX_ALTERNATIVES)
    return None


def _exact(items: list[Node]) -> set[str] | None:
    strings: set[str] = {""}
    for op, av in items:
        piece = _exact_piece(op, av)
        if piece is None or len(strings) * len(piece) > MAX_ALTERNATIVES:
            return None
        strings = {head + tail for head in strings for tail in piece}
    return strings


def _union(sets: Iterable[set[str] | None], limit: int) -> set[str] | None:
    union: set[str] = set()
    for strings in sets:
        if not strings or "" in strings:
            return None
        union |= strings
    return union if len(union) <= limit else None
