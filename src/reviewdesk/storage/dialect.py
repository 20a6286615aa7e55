"""What differs between the two engines in the statements every write path shares.

Both SQLite and PostgreSQL speak ``INSERT … ON CONFLICT`` (upserts); SQLAlchemy spells it per
dialect, so writers take their ``insert`` from here. Raw driver statements differ in their
parameter marks (``?`` for sqlite3, ``%s`` for psycopg).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def insert(conn: Connection, table: Any) -> Any:
    """``INSERT`` with ``on_conflict_do_nothing`` / ``on_conflict_do_update`` for ``conn``'s engine."""
    if is_postgresql(conn):
        return postgresql.insert(table)
    return sqlite.insert(table)


def marks(conn: Connection, count: int) -> str:
    """``count`` positional parameter marks for ``exec_driver_sql`` on ``conn``'s driver."""
    return ", ".join(("%s" if is_postgresql(conn) else "?") for _ in range(count))
