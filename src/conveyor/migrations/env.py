"""Alembic environment: runs on the connection Conveyor hands it (see conveyor.db)."""

from alembic import context

from conveyor.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `conveyor db upgrade` or conveyor.db.Database.migrate")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
