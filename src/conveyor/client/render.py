"""One line per event for a terminal: time, seq, priority, type and the gist of its data."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from conveyor.client.models import Event

PRIORITY_STYLES = {"HIGH": "bold red", "MEDIUM": "yellow", "LOW": "dim"}
GIST_FIELDS = ("title", "name", "status", "severity", "conclusion", "message")
MAX_GIST = 120


def summary(event: Event) -> Text:
    line = Text()
    line.append(event.timestamp.astimezone().strftime("%H:%M:%S"), style="dim")
    line.append(f" #{event.seq:<6}")
    line.append(f"{event.priority:<7}", style=PRIORITY_STYLES.get(event.priority, ""))
    line.append(f"{event.event_type:<32}", style="bold")
    line.append(gist(event.data))
    return line


def gist(data: dict[str, Any]) -> str:
    """Top-level scalars (the ids), then the telling fields of nested objects, shortened."""
    parts = [f"{key}={_shown(value)}" for key, value in data.items() if _is_scalar(value)]
    for value in data.values():
        if isinstance(value, dict):
            parts += [f"{k}={_shown(value[k])}" for k in GIST_FIELDS if _is_scalar(value.get(k))]
    text = " ".join(parts)
    return text if len(text) <= MAX_GIST else text[: MAX_GIST - 1] + "…"


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and value != ""


def _shown(value: Any) -> str:
    text = str(value)
    return repr(text) if " " in text else text
