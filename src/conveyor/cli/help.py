"""Help texts in words, not Python types.

Typer 0.2x prints the annotation of each parameter (``<list[str]>``, ``<int range> [x>=0]``,
``--help <bool>``); ``plain_help()`` makes it print ``TEXT``, ``INTEGER``, ``PATH``, nothing
for flags and "at least 0" for ranges, as click did. ``tests/unit/cli`` renders every
command's help and fails if a Python type shows again (e.g. after a Typer upgrade).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from typer import core

WORDS: dict[Any, str] = {str: "TEXT", int: "INTEGER", float: "NUMBER", Path: "PATH", datetime: "DATETIME"}


def _word(self: Any, ctx: Any) -> str | None:
    descriptor = self.type_descriptor
    if getattr(self, "is_flag", False):
        return None
    if descriptor.is_choice and descriptor.choices:
        return "|".join(str(getattr(choice, "value", choice)) for choice in descriptor.choices)
    if descriptor.is_path:
        return "PATH"
    annotation = descriptor.annotation
    if descriptor.is_list:
        annotation = (getattr(annotation, "__args__", None) or (str,))[0]
    if descriptor.is_ranged:
        return "NUMBER" if annotation is float else "INTEGER"
    return WORDS.get(annotation, "TEXT")


def _option_word(self: Any, ctx: Any) -> str | None:
    return str(self.metavar) if self.metavar is not None else _word(self, ctx)


def _range(self: Any) -> str | None:
    low, high = self.min, self.max
    if low is None and high is None:
        return None
    if high is None:
        return f"at least {low}"
    if low is None:
        return f"at most {high}"
    return f"{low} to {high}"


def _usage_name(self: Any) -> str:
    name = str(self.metavar or self.name.upper())
    name = name if self.required else f"[{name}]"
    return name + ("..." if self.nargs != 1 else "")


def plain_help() -> None:
    parameter: Any = core._TyperParameter
    parameter.display_type = _word
    core.TyperOption.display_type_rich = _option_word  # type: ignore[method-assign]
    core.TyperOption._get_number_range_help_str = _range  # type: ignore[method-assign]
    core.TyperArgument._get_number_range_help_str = _range  # type: ignore[method-assign]
    core.TyperArgument._usage_display_name = _usage_name  # type: ignore[method-assign]
    core.TyperArgument.display_name_raw = property(lambda self: str(self.metavar or self.name.upper()))  # type: ignore[method-assign,assignment]
