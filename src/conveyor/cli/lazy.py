"""A command group whose commands are imported only when one of them runs (or shows its help).

``conveyor --help`` lists every command from the one-line helps of the registry without
importing any command module; ``conveyor run`` imports what a local run needs and nothing of
the server, the client or the other commands. A command module imports only ``typer`` and the
standard library at the top and the rest inside its functions (``tests/unit/cli`` guards it).
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup

from conveyor.cli.help import plain_help

plain_help()


@dataclass(frozen=True)
class Lazy:
    """``target`` is ``module:attribute``: a ``typer.Typer`` (a group) or a command function."""

    target: str
    help: str

    def load(self, name: str) -> Any:
        module, attribute = self.target.split(":")
        with collection_paused():
            found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            group = typer.main.get_group(found)
            group.name = name
            return group
        single = typer.Typer(add_completion=False)
        single.command(name)(found)
        return typer.main.get_command(single)


@contextmanager
def collection_paused() -> Iterator[None]:
    """For imports: what they build lives until the process ends, so the garbage collector
    would only scan it again and again (a fifth of a local run's CPU). Paused meanwhile, and
    afterwards it is frozen out of every later collection."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


class LazyGroup(TyperGroup):
    """A ``TyperGroup`` over a registry of ``Lazy`` commands (set ``registry`` on a subclass)."""

    registry: dict[str, Lazy] = {}
    _listing = False

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [*super().list_commands(ctx), *(n for n in self.registry if n not in self.commands)]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        lazy = self.registry.get(cmd_name)
        if lazy is not None and cmd_name not in self.commands:
            if self._listing:  # the group's own help needs only the one-line help
                return TyperCommand(cmd_name, help=lazy.help)
            self.commands[cmd_name] = lazy.load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
