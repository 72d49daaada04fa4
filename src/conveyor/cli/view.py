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
        self.steps: dict[str, list[str]] = {}
        self.shown_step: dict[str, int | None] = {}
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
            self._lines(data["jobId"], data["lines"])
        elif kind.startswith("pipeline_execution_"):
            self.execution = data["execution"]
            jobs = data["execution"]["jobs"]
            self.keys = {job["id"]: job["key"] for job in jobs}
            self.steps = {job["id"]: [step["name"] for step in job["steps"]] for job in jobs}
            self.live.update(self._table())

    def _lines(self, job_id: str, lines: list[dict[str, Any]]) -> None:
        key = self.keys.get(job_id, job_id[:8])
        for line in lines:
            step = line.get("step")
            if step is not None and step != self.shown_step.get(job_id):
                self.shown_step[job_id] = step
                names = self.steps.get(job_id, [])
                name = names[step] if step < len(names) else f"step {step + 1}"
                self.live.console.print(Text.assemble((f"{key} | ", "cyan"), (f"▸ {name}", "bold")))
            self.live.console.print(log_line(key, line["text"]), soft_wrap=True)

    def failures(self) -> list[Text]:
        """One line per job that did not succeed, with its reason."""
        jobs = (self.execution or {}).get("jobs", [])
        return [
            Text(f"{job['key']}: {job['error'] or job['status']}", STYLES.get(job["status"], ""))
            for job in jobs
            if job["status"] not in ("success", "skipped") or (job["status"] == "skipped" and job["error"])
        ]

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
