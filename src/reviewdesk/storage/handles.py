"""The database handles services hold and pass on, named here so that services never import SQLAlchemy.

A service decides where a transaction begins and ends (``engine.begin_write``, ``Workspace.session``)
and hands the open connection or session to functions of ``storage/``, which run the queries and
return plain objects (dataclasses, domain objects, ids). The service never builds a statement: these
names exist only so its signatures can say what it holds (docs/adr/0011-storage-owns-the-sql.md).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, RootTransaction
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Connection", "DatabaseError", "Engine", "RootTransaction", "Session", "SessionFactory"]

# ``DatabaseError``: what the driver raises on a damaged file, which a service turns into its own message.

SessionFactory = sessionmaker[Session]
"""What ``Workspace.session`` opens its short-lived sessions with."""


def sessions(engine: Engine) -> SessionFactory:
    """The session factory of a workspace: objects read stay usable after their session commits."""
    return sessionmaker(engine, expire_on_commit=False)
