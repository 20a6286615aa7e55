"""Tables and queries for data protection: workspace settings, redaction bookkeeping, the audit log.

* ``workspace_settings``: typed settings the workspace carries with it (redaction rules,
  retention period) as JSON by key, plus the secret that keys the redaction hashes.
* ``redaction_tokens``: per trace, a keyed hash (HMAC) of each redacted value → its placeholder
  number, so that a trace arriving over several files keeps ``[EMAIL_1]`` for the same address.
  The values themselves are never stored.
* ``import_redactions``: how many values of each kind each import replaced (the redaction report).
* ``audit_log``: imports, exports, purges and settings changes; append-only (triggers refuse
  updates and deletes). Label changes are audited by ``label_events`` (ADR 0004).

Created by migration 0003. These models register on the shared ``Base`` (``orm.py`` imports this
module), so Alembic's model comparison sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, ForeignKey, Integer, LargeBinary, String, Text, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from reviewdesk.storage import dialect
from reviewdesk.storage.orm import Base, JsonText, UtcDateTime

_IN_CHUNK = 500


class WorkspaceSettingRow(Base):
    """One setting of the workspace, by key (``redaction``, ``retention``, ``redaction.secret``)."""

    __tablename__ = "workspace_settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonText)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RedactionTokenRow(Base):
    """The placeholder number a redacted value has in one trace, known by its keyed hash only."""

    __tablename__ = "redaction_tokens"

    trace_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)


class ImportRedactionRow(Base):
    """How many values of one kind one import replaced."""

    __tablename__ = "import_redactions"

    import_rowid: Mapped[int] = mapped_column(ForeignKey("imports.import_rowid", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class AuditRow(Base):
    """One operation on the workspace other than a label change: who did what, when, to what."""

    __tablename__ = "audit_log"

    audit_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32), index=True)
    """``import``, ``export``, ``purge`` or ``settings``."""
    subject: Mapped[str] = mapped_column(Text)
    """What it acted on: a file name, an export target, a settings key."""
    details: Mapped[dict[str, Any]] = mapped_column(JsonText)


# -- settings ------------------------------------------------------------------------------------


def get_setting(conn: Connection, key: str) -> Any:
    """The stored JSON of ``key``, or ``None``."""
    return conn.execute(select(WorkspaceSettingRow.value).where(WorkspaceSettingRow.key == key)).scalar()


def put_setting(conn: Connection, key: str, value: Any, now: datetime) -> None:
    statement = dialect.insert(conn, WorkspaceSettingRow).values(key=key, value=value, updated_at=now)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["key"], set_={"value": statement.excluded.value, "updated_at": now}
        )
    )


RUNNING_IMPORT = "import.running."
"""Key prefix of the settings naming the process of each running import (``import.running.<rowid>``)."""


def delete_setting(conn: Connection, key: str) -> None:
    conn.execute(delete(WorkspaceSettingRow).where(WorkspaceSettingRow.key == key))


def keys_with_prefix(conn: Connection, prefix: str) -> dict[str, Any]:
    """The settings whose key starts with ``prefix``, with their JSON."""
    rows = conn.execute(
        select(WorkspaceSettingRow.key, WorkspaceSettingRow.value).where(WorkspaceSettingRow.key.startswith(prefix))
    )
    return {key: value for key, value in rows}


# -- redaction numbering and counts -----------------------------------------------------------------


def load_numbering(conn: Connection, trace_ids: Sequence[str]) -> dict[str, dict[tuple[str, bytes], int]]:
    """The known placeholder numbers of each trace among ``trace_ids``."""
    found: dict[str, dict[tuple[str, bytes], int]] = {}
    table = RedactionTokenRow.__table__
    for start in range(0, len(trace_ids), _IN_CHUNK):
        chunk = trace_ids[start : start + _IN_CHUNK]
        rows = conn.execute(
            select(table.c.trace_id, table.c.kind, table.c.digest, table.c.number).where(table.c.trace_id.in_(chunk))
        )
        for trace_id, kind, digest, number in rows:
            found.setdefault(trace_id, {})[(kind, bytes(digest))] = number
    return found


def add_numbering(conn: Connection, rows: Iterable[tuple[str, str, bytes, int]]) -> None:
    """Remember new numbers: ``(trace_id, kind, digest, number)``. Existing keys are left alone."""
    values = [{"trace_id": t, "kind": k, "digest": d, "number": n} for t, k, d, n in rows]
    if values:
        conn.execute(
            dialect.insert(conn, RedactionTokenRow).on_conflict_do_nothing(
                index_elements=["trace_id", "kind", "digest"]
            ),
            values,
        )


def forget_numbering(conn: Connection, trace_ids: Sequence[str]) -> None:
    """Drop the numbering of purged traces: nothing of them may stay behind."""
    for start in range(0, len(trace_ids), _IN_CHUNK):
        chunk = trace_ids[start : start + _IN_CHUNK]
        conn.execute(delete(RedactionTokenRow).where(RedactionTokenRow.trace_id.in_(chunk)))


def add_import_redactions(conn: Connection, import_rowid: int, counts: Mapping[str, int]) -> None:
    """Add one batch's replacement counts to its import's totals."""
    values = [{"import_rowid": import_rowid, "kind": k, "count": n} for k, n in counts.items() if n]
    if not values:
        return
    statement = dialect.insert(conn, ImportRedactionRow)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=["import_rowid", "kind"],
            set_={"count": ImportRedactionRow.__table__.c.count + statement.excluded.count},
        ),
        values,
    )


def import_redactions(conn: Connection) -> dict[int, dict[str, int]]:
    """Replacement counts of every import, by kind."""
    found: dict[int, dict[str, int]] = {}
    for import_rowid, kind, count in conn.execute(
        select(ImportRedactionRow.import_rowid, ImportRedactionRow.kind, ImportRedactionRow.count)
    ):
        found.setdefault(import_rowid, {})[kind] = count
    return found


# -- audit log ------------------------------------------------------------------------------------


def append_audit(
    conn: Connection, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
) -> None:
    conn.execute(
        insert(AuditRow).values(created_at=at, actor=actor, action=action, subject=subject, details=dict(details))
    )
