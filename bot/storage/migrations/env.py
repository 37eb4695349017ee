"""Alembic environment: runs on the connection handed over by `bot.storage.migrate`.

The application always migrates through `bot.storage.migrate.upgrade(engine)`, which passes
its own (sync-adapted) connection in `config.attributes["connection"]`, so the same code serves
SQLite and PostgreSQL, in the CLI and in tests.
"""

from __future__ import annotations

from alembic import context

from bot.storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with `python -m bot migrate`, not the alembic CLI.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
