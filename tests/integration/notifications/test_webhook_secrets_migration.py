"""Migration 0022 encrypts the signing secrets of existing project webhooks; its downgrade decrypts."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from conveyor.db import alembic_config
from conveyor.projects.secrets import SecretCipher

KEY = "the server's secrets key"
SECRET = "a-plaintext-signing-secret-of-old"


def test_existing_webhook_secrets_are_encrypted_and_come_back_on_downgrade(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/old.db")
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0021")
        connection.execute(
            text(
                "INSERT INTO projects (id, name, default_branch, created_at)"
                " VALUES ('p', 'p', 'main', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO project_webhooks (id, project_id, url, secret, kinds, created_at)"
                " VALUES ('h', 'p', 'https://hooks.example.com/x', :secret, '[\"run_failed\"]', '2026-01-01')"
            ),
            {"secret": SECRET},
        )
        command.upgrade(alembic_config(connection, secrets_key=KEY), "0022")
        columns = {row[1] for row in connection.execute(text("PRAGMA table_info(project_webhooks)"))}
        [ciphertext] = connection.execute(text("SELECT secret_ciphertext FROM project_webhooks")).scalars()
        dump = "\n".join(connection.connection.iterdump())  # type: ignore[attr-defined]
        command.downgrade(alembic_config(connection, secrets_key=KEY), "0021")
        [restored] = connection.execute(text("SELECT secret FROM project_webhooks")).scalars()
    assert "secret" not in columns and "secret_ciphertext" in columns
    assert SECRET not in dump, "no plaintext left anywhere in the database"
    assert SecretCipher(KEY).decrypt(ciphertext) == SECRET
    assert restored == SECRET
