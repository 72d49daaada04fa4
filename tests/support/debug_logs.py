"""Labelled real and hand-written CI logs (tests/data/debug/) as fixtures for the debug tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "debug"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def real_logs() -> list[dict[str, Any]]:
    return read_jsonl(DATA_DIR / "real_logs.jsonl")


@pytest.fixture(scope="session")
def handwritten_logs() -> list[dict[str, Any]]:
    return read_jsonl(DATA_DIR / "handwritten.jsonl")


@pytest.fixture(scope="session")
def untouched_logs() -> list[dict[str, Any]]:
    return read_jsonl(DATA_DIR / "real_logs_untouched.jsonl")
