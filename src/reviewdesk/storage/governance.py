"""Queries for data protection: workspace settings and redaction bookkeeping (the audit log's are in
``storage.audit``).

Their tables (``workspace_settings``, ``redaction_tokens``, ``import_redactions``, ``audit_log``)
are in ``storage.tables`` with every other table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from reviewdesk.storage import dialect
from reviewdesk.storage.tables import ImportRedactionRow, RedactionTokenRow, WorkspaceSettingRow

_IN_CHUNK = 500


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
