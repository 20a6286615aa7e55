"""Alembic environment: runs migrations on the engine handed over by ``storage.engine``."""

from __future__ import annotations

from alembic import context

from reviewdesk.storage.orm import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        # render_as_batch: SQLite cannot ALTER most things; batch mode recreates the table.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
