"""Alembic environment: runs migrations on the engine handed over by ``storage.engine``."""

from __future__ import annotations

from alembic import context

from reviewdesk.storage.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        # render_as_batch: SQLite cannot ALTER most things; batch mode recreates the table.
        # transaction_per_migration: each revision commits together with its version bump, so an
        # upgrade killed at any point leaves the workspace at a whole revision, which the next
        # open upgrades from. The engine emits a real BEGIN (storage.engine._begin), so SQLite's
        # DDL (CREATE VIRTUAL TABLE, CREATE TRIGGER) is inside that transaction too.
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
