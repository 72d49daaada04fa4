"""Secret masking: every secret value, and the forms tools turn it into by themselves, becomes
``***`` in logs and errors.

Forms: base64 (standard and URL-safe, at each of the three offsets a value can sit at inside a
longer encoded text), URL encoding, hex, JSON and HTML escapes, shell quoting (``printf %q``,
``shlex.quote``), each line of a multi-line value. A value cut in two by a line break (a wrapped
base64 line, a cut overlong line) is masked on both lines: a line that ends with the start of a
form, or starts with the end of one, loses that fragment. A value split by terminal escapes
(``hun\\e[0mter2``) is found in the line's visible text, which then replaces the line.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shlex
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_MASKED_LENGTH = 3
# A line's end (or start) that is a piece of a form at least this long is masked.
MIN_FRAGMENT = 3
MIN_INNER_LINE = 16
EDGE_WINDOW = 64  # pieces longer than this are found by a search instead of the edge pattern
ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def neutralise(text: str) -> str:
    """What a step printed, safe to show anywhere: terminal escapes (colours, titles, OSC 52
    clipboard writes, cursor moves) removed, a carriage-return overwrite reduced to what a
    terminal would finally show, other control characters made visible (``^[``)."""
    if "\r" in text:
        shown = [part for part in text.split("\r") if part]
        text = shown[-1] if shown else ""
    return _CONTROL.sub(_visible, ANSI.sub("", text))


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"^{chr(code ^ 0x40)}" if code < 0x20 or code == 0x7F else "\ufffd"


class Masker:
    def __init__(self, secrets: Iterable[str]) -> None:
        variants = {v for secret in secrets for v in _variants(secret) if len(v) >= MIN_MASKED_LENGTH}
        self._pattern = re.compile(_alternation(variants)) if variants else None
        self._heads = _Edges(variants)
        self._tails = _Edges({v[::-1] for v in variants})

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        masked = self._mask(text)
        if "\x1b" in text:
            visible = ANSI.sub("", text)
            masked_visible = self._mask(visible)
            if masked_visible != visible:
                return masked_visible
        return masked

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self(text)

    def _mask(self, text: str) -> str:
        assert self._pattern is not None
        text = self._pattern.sub(MASK, text)
        if self._heads.inside_long_form(text):
            return MASK
        head = self._heads.piece_at_end(text)
        if head:
            text = text[:-head] + MASK
        tail = self._tails.piece_at_end(text[: self._tails.longest][::-1])
        if tail and not text.startswith(MASK):
            text = MASK + text[tail:]
        return text


class _Edges:
    """Finds the longest proper prefix (of at least MIN_FRAGMENT characters) of any form that a
    text ends with."""

    def __init__(self, variants: set[str]) -> None:
        heads = {v[: min(len(v) - 1, EDGE_WINDOW)] for v in variants if len(v) > MIN_FRAGMENT}
        self._pattern = re.compile(f"(?:{_alternation(heads, pieces=True)})\\Z") if heads else None
        self._long: dict[str, list[str]] = {}
        for variant in variants:
            if len(variant) > EDGE_WINDOW + 1:
                self._long.setdefault(variant[:EDGE_WINDOW], []).append(variant)
        self._long_heads = re.compile(_alternation(set(self._long))) if self._long else None
        self._long_chars = set("".join(self._long))
        self.longest = max((len(v) for v in variants), default=0)

    def inside_long_form(self, text: str) -> bool:
        """A whole line from the middle of a long form (the inner lines of wrapped base64)."""
        piece = text.strip()
        if len(piece) < MIN_INNER_LINE or not set(piece) <= self._long_chars:
            return False
        return any(piece in variant for variants in self._long.values() for variant in variants)

    def piece_at_end(self, text: str) -> int:
        found = 0
        if self._pattern is not None:
            match = self._pattern.search(text, max(0, len(text) - EDGE_WINDOW))
            found = len(match.group()) if match else 0
        if self._long_heads is not None:
            for match in self._long_heads.finditer(text, max(0, len(text) - self.longest)):
                piece = text[match.start() :]
                if any(len(piece) < len(v) and v.startswith(piece) for v in self._long[match.group()]):
                    found = max(found, len(piece))
                    break
        # a run of one character ("----") ends too many ordinary lines to count as a piece
        return found if found >= MIN_FRAGMENT and len(set(text[-found:])) > 1 else 0


def _alternation(words: set[str], *, pieces: bool = False) -> str:
    """One regular expression for many literals, as a trie: each position is tried against one
    path instead of every word. ``pieces``: any prefix of MIN_FRAGMENT characters or more."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(root, 0, pieces)


def _trie_pattern(node: dict[str, Any], depth: int, pieces: bool) -> str:
    branches = []
    for char, child in sorted(node.items()):
        if not char:
            continue
        run, below, level = char, child, depth + 1
        while len(below) == 1 and "" not in below and not (pieces and level >= MIN_FRAGMENT):
            ((next_char, below),) = below.items()
            run, level = run + next_char, level + 1
        branches.append(re.escape(run) + _trie_pattern(below, level, pieces))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    optional = "" in node or (pieces and depth >= MIN_FRAGMENT)
    return f"(?:{body})?" if optional else body


def _variants(secret: str) -> set[str]:
    found = {secret}
    # Each line of a multi-line secret (keys, certificates) arrives as its own log line.
    found.update(line.strip() for line in secret.splitlines())
    found.update(_base64_forms(secret.encode()))
    found.update(_text_forms(secret))
    return found


def _base64_forms(raw: bytes) -> set[str]:
    """The characters of the encoding that depend on the secret alone, whatever precedes it."""
    forms: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        start = (offset * 8 + 5) // 6
        # the last character is shared with whatever follows, unless the bits end evenly
        end = len(encoded) - (1 if (offset + len(raw)) * 8 % 6 else 0)
        core = encoded[start:end]
        forms.update({core, core.replace("+", "-").replace("/", "_")})
    forms |= {base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()}
    return forms


def _text_forms(secret: str) -> set[str]:
    raw = secret.encode()
    url = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    url |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), u) for u in url}
    escaped_json = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    escaped_json |= {j.replace("/", "\\/") for j in escaped_json}
    escaped_html = {html.escape(secret), html.escape(secret, quote=False)}
    escaped_html |= {
        h.replace("&#x27;", alternative) for h in escaped_html for alternative in ("&#39;", "&apos;")
    }
    escaped_html |= {h.replace("&quot;", "&#34;") for h in escaped_html}
    quoted = shlex.quote(secret)
    shell = {_printf_q(secret), quoted, quoted.removeprefix("'").removesuffix("'")}
    return {raw.hex(), raw.hex().upper(), *url, *escaped_json, *escaped_html, *shell}


_SHELL_SPECIAL = set(" \t\n!\"$&'()*,;<>?[\\]^`{|}")


def _printf_q(secret: str) -> str:
    """bash's ``printf %q``: backslashes before special characters, ``$'...'`` for control ones."""
    if any(not char.isprintable() for char in secret):
        return "$'" + "".join(_c_escape(char) for char in secret) + "'"
    quoted = "".join(f"\\{char}" if char in _SHELL_SPECIAL else char for char in secret)
    return f"\\{quoted}" if secret[:1] in ("~", "#") else quoted


_C_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\v": "\\v",
    "\f": "\\f",
    "\r": "\\r",
    "\x1b": "\\E",
}


def _c_escape(char: str) -> str:
    if char in _C_ESCAPES:
        return _C_ESCAPES[char]
    if char in "'\\":
        return "\\" + char
    return char if char.isprintable() else "".join(f"\\{byte:03o}" for byte in char.encode())
