from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """Attacks on the HTTP surface do not depend on the database: SQLite only."""
    return f"sqlite+aiosqlite:///{tmp_path}/conveyor.db"
