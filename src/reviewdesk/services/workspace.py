"""Opening a workspace: one SQLite file holding imports, traces, spans, cases and labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from reviewdesk import paths
from reviewdesk.domain.errors import WorkspaceError
from reviewdesk.domain.labels import DEFAULT_LABEL_SCHEMA_VERSION, DEFAULT_ROOT_CAUSES, DEFAULT_SCORES
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage.orm import LabelSchemaRow


@dataclass
class Workspace:
    """An open workspace. Sessions are short-lived: open one per operation, never keep one in a view."""

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session]
    read_only: bool = False
    """Opened without write access: reads work, every write is refused with a ``WorkspaceError``."""
    read_only_reason: str | None = None
    """Why, for messages: "it is on a read-only medium", "the file is read-only", "opened read-only"."""

    @property
    def name(self) -> str:
        return self.path.stem

    def session(self) -> Session:
        return self.session_factory()

    def close(self) -> None:
        self.engine.dispose()


def open_workspace(path: Path | None = None, *, read_only: bool | None = None) -> Workspace:
    """Open (creating or upgrading as needed) the workspace at ``path``, or the default one.

    ``read_only=None`` opens read-only by itself when the file cannot be written (a read-only
    medium or file); ``True`` always opens read-only (risk owners' views); ``False`` insists on
    writing. A read-only workspace is neither created nor upgraded.
    """
    path = (path or paths.default_workspace()).expanduser().resolve()
    reason = storage_engine.read_only_reason(path)
    if read_only is False and reason is not None:
        raise WorkspaceError(f"cannot open {path} for writing: {reason}")
    if read_only or reason is not None:
        return _open_read_only(path, reason or "opened read-only")
    engine = storage_engine.create_workspace_engine(path)
    storage_engine.upgrade(engine)
    workspace = Workspace(path=path, engine=engine, session_factory=sessionmaker(engine, expire_on_commit=False))
    _ensure_label_schema(workspace)
    return workspace


def _open_read_only(path: Path, reason: str) -> Workspace:
    engine = storage_engine.create_workspace_engine(path, read_only=True)
    storage_engine.check_read_only_schema(engine)
    return Workspace(
        path=path,
        engine=engine,
        session_factory=sessionmaker(engine, expire_on_commit=False),
        read_only=True,
        read_only_reason=reason,
    )


def _ensure_label_schema(workspace: Workspace) -> None:
    with workspace.session() as session, session.begin():
        if session.execute(select(LabelSchemaRow.version).limit(1)).first() is None:
            session.add(
                LabelSchemaRow(
                    version=DEFAULT_LABEL_SCHEMA_VERSION,
                    root_causes=[
                        {"id": rc.id, "layer": rc.layer, "title": rc.title, "description": rc.description}
                        for rc in DEFAULT_ROOT_CAUSES
                    ],
                    scores=list(DEFAULT_SCORES),
                    created_at=datetime.now(UTC),
                )
            )
