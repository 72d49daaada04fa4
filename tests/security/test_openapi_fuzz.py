"""A bounded schemathesis run against the OpenAPI document: no 5xx, and every answer is a
documented status whose body matches its schema (401/403/404/409/413/422/429 included)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.support.server import RunningServer

pytest.importorskip("schemathesis", reason="the dev extra: pip install -e '.[dev]'")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ST = str(Path(sys.executable).with_name("st"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"


async def test_no_5xx_and_every_response_is_documented(server: RunningServer) -> None:
    token = await server.admin_token()
    process = await asyncio.create_subprocess_exec(
        ST, "run", f"{server.base_url}/api/v1/openapi.json",
        "-H", f"Authorization: Bearer {token}",
        "--checks", CHECKS, "--phases", "coverage,fuzzing",
        "--max-examples", "1", "--seed", "1", "--no-color",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 600)
    report = out.decode(errors="replace")
    assert process.returncode == 0, report[-6000:]
    assert "passed" in report and "Server error" not in report
