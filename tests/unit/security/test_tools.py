from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from conveyor.security.scanners import run_scanners
from conveyor.security.scanners.base import Finding, ScanContext, ScannerError, run_tool, tool_env


class Crashing:
    name = "crashing"

    def unavailable(self) -> str | None:
        return None

    async def scan(self, context: ScanContext) -> list[Finding]:
        await run_tool(
            [sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"],
            cwd=context.root,
            limit=30,
        )
        return []


class Fine:
    name = "fine"

    def unavailable(self) -> str | None:
        return None

    async def scan(self, context: ScanContext) -> list[Finding]:
        return []


def test_a_crashing_tool_fails_its_scanner_with_the_reason_and_the_others_report(tmp_path: Path) -> None:
    runs = asyncio.run(run_scanners(ScanContext(root=tmp_path), [Crashing(), Fine()]))
    assert [(r.name, r.status) for r in runs] == [("crashing", "failed"), ("fine", "completed")]
    assert runs[0].error == "exited with 3: boom"


def test_tools_see_none_of_the_servers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVEYOR_JWT_SECRET", "do-not-leak")
    env = tool_env()
    assert "CONVEYOR_JWT_SECRET" not in env and env["PATH"] == os.environ["PATH"]


def test_a_timeout_kills_the_tool(tmp_path: Path) -> None:
    with pytest.raises(ScannerError, match=r"timed out after 0\.2 s"):
        asyncio.run(run_tool([sys.executable, "-c", "import time; time.sleep(60)"], cwd=tmp_path, limit=0.2))
