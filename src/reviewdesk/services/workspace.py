"""Opening a workspace: one SQLite file holding imports, traces, spans, cases and labels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from reviewdesk import paths
from reviewdesk.domain.labels import DEFAULT_LABEL_SCHEMA_VERSION, DEFAULT_ROOT_CAUSES, DEFAULT_SCORES
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage.orm import LabelSchemaRow


@dataclass
class Workspace:
    """An open workspace. Sessions are short-lived: open one per operation, never keep one in a view."""

    path: Path
    engine: Engine
    session_factory: sessionmaker[Session]

    @property
    def name(self) -> str:
        return self.path.stem

    def session(self) -> Session:
        return self.session_factory()

    def close(self) -> None:
        self.engine.dispose()


def open_workspace(path: Path | None = None) -> Workspace:
    """Open (creating or upgrading as needed) the workspace at ``path``, or the default one."""
    path = (path or paths.default_workspace()).expanduser().resolve()
    engine = storage_engine.create_workspace_engine(path)
    storage_engine.upgrade(engine)
    workspace = Workspace(path=path, engine=engine, session_factory=sessionmaker(engine, expire_on_commit=False))
    _ensure_label_schema(workspace)
    return workspace


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
