from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from conveyor.security.scanners import base, run_scanners
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


def test_a_tool_past_its_memory_is_failed_with_the_reason(tmp_path: Path) -> None:
    """A huge repository cannot make a scanner exhaust the host: its address space is capped."""
    grab = "x = bytearray(512 * 1024 * 1024); print(len(x))"
    assert asyncio.run(run_tool([sys.executable, "-c", grab], cwd=tmp_path, limit=60)) == b"536870912\n"
    with pytest.raises(ScannerError, match=r"ran out of its 256 MiB of memory"):
        asyncio.run(run_tool([sys.executable, "-c", grab], cwd=tmp_path, limit=60, memory=256 * 1024 * 1024))


def test_a_capped_tool_cannot_write_past_the_output_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "MAX_OUTPUT_BYTES", 1024 * 1024)
    spill = "import sys\nfor _ in range(64): sys.stdout.write('x' * 65536)\nsys.stdout.flush()"
    with pytest.raises(ScannerError, match=r"output larger than 1 MB"):
        asyncio.run(run_tool([sys.executable, "-c", spill], cwd=tmp_path, limit=60, memory=1024**3))
    big = tmp_path / "written"
    write = f"open({str(big)!r}, 'wb').write(b'x' * 4 * 1024 * 1024)"
    with pytest.raises(ScannerError):
        asyncio.run(run_tool([sys.executable, "-c", write], cwd=tmp_path, limit=60, memory=1024**3))
    assert big.stat().st_size <= 1024 * 1024 + 1
