"""project webhook secrets encrypted at rest, like project secrets: existing rows are encrypted

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from conveyor.projects.secrets import SecretCipher

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOOKS = sa.table(
    "project_webhooks",
    sa.column("id", sa.String),
    sa.column("secret", sa.String),
    sa.column("secret_ciphertext", sa.LargeBinary),
)


def _cipher() -> SecretCipher:
    """The key the server encrypts secrets with: handed in by Database.migrate, else configured."""
    key = context.config.attributes.get("secrets_key")
    if key is None:
        from conveyor.config import Settings

        key = Settings().resolved_secrets_key
    return SecretCipher(key)


def upgrade() -> None:
    op.add_column("project_webhooks", sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(HOOKS.c.id, HOOKS.c.secret)).all()
    cipher = _cipher() if rows else None
    for row in rows:
        assert cipher is not None
        encrypted = cipher.encrypt(row.secret)
        connection.execute(HOOKS.update().where(HOOKS.c.id == row.id).values(secret_ciphertext=encrypted))
    with op.batch_alter_table("project_webhooks") as batch_op:
        batch_op.alter_column("secret_ciphertext", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("secret")


def downgrade() -> None:
    op.add_column("project_webhooks", sa.Column("secret", sa.String(length=128), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(HOOKS.c.id, HOOKS.c.secret_ciphertext)).all()
    cipher = _cipher() if rows else None
    for row in rows:
        assert cipher is not None
        plain = cipher.decrypt(row.secret_ciphertext)
        connection.execute(HOOKS.update().where(HOOKS.c.id == row.id).values(secret=plain))
    with op.batch_alter_table("project_webhooks") as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=128), nullable=False)
        batch_op.drop_column("secret_ciphertext")
