"""Alembic environment: runs on the connection Conveyor hands it (see conveyor.db)."""

from alembic import context

from conveyor.db import FOREIGN_KEYS_OFF
from conveyor.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `conveyor db upgrade` or conveyor.db.Database.migrate")

if connection.dialect.name == "sqlite":
    # SQLite alters a table by copying it (batch mode), and with foreign keys on, dropping the old
    # copy cascade-deletes every row that references it. They are off while migrating (the pragma
    # counts only before a transaction's first write); conveyor.db turns them on again when the
    # connection goes back to its pool.
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.info[FOREIGN_KEYS_OFF] = True

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
