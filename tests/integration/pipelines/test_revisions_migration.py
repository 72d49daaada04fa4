"""Migration 0011 gives every existing pipeline its current version as revision 1."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from conveyor.db import alembic_config


def test_existing_pipelines_get_their_first_revision(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/old.db")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0010")
        connection.execute(
            text(
                "INSERT INTO projects (id, name, default_branch, created_at)"
                " VALUES ('p', 'p', 'main', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO pipelines (id, project_id, name, definition, created_at, updated_at)"
                " VALUES ('x', 'p', 'ci', 'jobs: {}', '2026-01-01', '2026-01-02')"
            )
        )
        command.upgrade(alembic_config(connection), "0011")
        rows = connection.execute(
            text("SELECT pipeline_id, number, name, definition FROM pipeline_revisions")
        ).all()
    assert [tuple(row) for row in rows] == [("x", 1, "ci", "jobs: {}")]
