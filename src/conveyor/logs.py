"""Structured logs (structlog) on stderr.

Modules on the path of a local ``conveyor run`` take their logger from ``get_logger``: importing
structlog also imports rich's tracebacks and pretty-printer and pygments (~50 ms at every start
of the command), which only a line actually logged needs.
"""

from __future__ import annotations

import logging
from typing import Any


class LazyLogger:
    """``structlog.get_logger(name)``, with structlog imported at the first log call."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, method: str) -> Any:
        import structlog

        return getattr(structlog.get_logger(self._name), method)


def get_logger(name: str) -> Any:
    return LazyLogger(name)


def configure_logging(level: int = logging.INFO) -> None:
    import structlog

    logging.basicConfig(level=level, format="%(message)s")
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            structlog.processors.format_exc_info,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
    )
