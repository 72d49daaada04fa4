"""The live terminal view of an execution: a job table kept current, log lines scrolling above it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

STYLES = {
    "queued": "dim",
    "running": "yellow",
    "success": "green",
    "failed": "bold red",
    "timed_out": "red",
    "cancelled": "magenta",
    "skipped": "dim",
}


def log_line(key: str, text: str) -> Text:
    return Text.assemble((f"{key} | ", "cyan"), text)


class ExecutionView:
    """Call it with every event envelope; use it as a context manager around the run."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.execution: dict[str, Any] | None = None
        self.keys: dict[str, str] = {}
        self.live = Live(self._table(), console=console, refresh_per_second=8, transient=False)

    def __enter__(self) -> ExecutionView:
        self.live.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.live.update(self._table())
        self.live.stop()

    def __call__(self, envelope: dict[str, Any]) -> None:
        kind, data = envelope["event_type"], envelope["data"]
        if kind == "pipeline_log":
            key = self.keys.get(data["jobId"], data["jobId"][:8])
            for line in data["lines"]:
                self.live.console.print(log_line(key, line["text"]), soft_wrap=True)
        elif kind.startswith("pipeline_execution_"):
            self.execution = data["execution"]
            self.keys = {job["id"]: job["key"] for job in data["execution"]["jobs"]}
            self.live.update(self._table())

    def _table(self) -> Table:
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        for column in ("job", "status", "step", "time"):
            table.add_column(column)
        for job in (self.execution or {}).get("jobs", []):
            status = job["status"]
            table.add_row(job["key"], Text(status, STYLES.get(status, "")), _step(job), _duration(job))
        return table


def _step(job: dict[str, Any]) -> str:
    steps = job.get("steps", [])
    running = next((s for s in steps if s["status"] == "running"), None)
    done = sum(1 for s in steps if s["status"] not in ("queued", "running"))
    return f"{done}/{len(steps)} {running['name'] if running else ''}".rstrip()


def _duration(job: dict[str, Any]) -> str:
    if not job.get("startedAt"):
        return ""
    start = datetime.fromisoformat(job["startedAt"])
    end = datetime.fromisoformat(job["finishedAt"]) if job.get("finishedAt") else datetime.now(start.tzinfo)
    return f"{(end - start).total_seconds():.1f}s"
