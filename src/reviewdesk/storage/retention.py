"""Queries of retention (``services.purge``): which cases are old, deleting their traces, giving
the freed space back.

Deleting a trace takes, by foreign-key cascades, its spans, case, label events, labels and
root-cause rows, and by trigger its search entries; the purge service decides which traces go
and runs all of this in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, exists, func, select, text, update

from reviewdesk.storage import dialect
from reviewdesk.storage.engine import holding_writes
from reviewdesk.storage.tables import CaseRow, ImportRecord, LabelEventRow, SpanRow, TraceRow

_IN_CHUNK = 500


@dataclass(frozen=True, slots=True)
class OldCase:
    """A case older than a purge's cut-off."""

    trace_rowid: int
    trace_id: str
    labeled: bool
    """It has at least one label event."""


def cases_older_than(conn: Connection, cutoff: datetime) -> list[OldCase]:
    """Cases whose trace started before ``cutoff`` (or, without times, was last written before it)."""
    age = func.coalesce(CaseRow.started_at, CaseRow.updated_at)
    labeled = exists().where(LabelEventRow.case_rowid == CaseRow.case_rowid)
    old = (
        select(CaseRow.trace_rowid, TraceRow.trace_id, labeled.label("labeled"))
        .join(TraceRow, TraceRow.trace_rowid == CaseRow.trace_rowid)
        .where(age < cutoff.astimezone(UTC).replace(tzinfo=None))
    )
    return [OldCase(rowid, trace_id, bool(is_labeled)) for rowid, trace_id, is_labeled in conn.execute(old)]


def count_spans(conn: Connection, trace_rowids: Sequence[int]) -> int:
    """How many spans the traces ``trace_rowids`` have."""
    total = 0
    for start in range(0, len(trace_rowids), _IN_CHUNK):
        chunk = trace_rowids[start : start + _IN_CHUNK]
        total += conn.execute(
            select(func.count()).select_from(SpanRow).where(SpanRow.trace_rowid.in_(chunk))
        ).scalar_one()
    return total


def delete_traces(conn: Connection, trace_rowids: Sequence[int]) -> set[int]:
    """Delete the traces and everything of them; the row ids of the imports their spans came from."""
    imports: set[int] = set()
    for start in range(0, len(trace_rowids), _IN_CHUNK):
        chunk = trace_rowids[start : start + _IN_CHUNK]
        found = conn.execute(select(SpanRow.import_rowid).where(SpanRow.trace_rowid.in_(chunk)).distinct())
        imports.update(rowid for rowid in found.scalars() if rowid is not None)
        # Cascades take spans, cases, label events, labels and root causes; a trigger takes
        # the search rows.
        conn.execute(delete(TraceRow).where(TraceRow.trace_rowid.in_(chunk)))
    return imports


def forget_import_contents(conn: Connection, import_rowids: Sequence[int]) -> None:
    """Clear the content hash of these imports, so importing their file again is not "already imported"."""
    for start in range(0, len(import_rowids), _IN_CHUNK):
        conn.execute(
            update(ImportRecord)
            .where(ImportRecord.import_rowid.in_(import_rowids[start : start + _IN_CHUNK]))
            .values(content_sha256="")
        )


def optimize_search(conn: Connection) -> None:
    """Merge SQLite's full-text index, which keeps deleted terms in older segments until merged."""
    if not dialect.is_postgresql(conn):
        conn.execute(text("INSERT INTO case_search(case_search) VALUES ('optimize')"))


def compact(engine: Engine, path: Path | None) -> None:
    """Rewrite the file without free pages and empty the WAL, so deleted content is gone from disk.

    On a server (``path`` is ``None``) the deleted rows' space is vacuumed for reuse (``VACUUM``;
    ``VACUUM FULL`` would lock every table against the whole team while it rewrites them)."""
    if path is None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
        return
    with (
        holding_writes(path, "reviewdesk purge (VACUUM)"),
        engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
    ):
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # Pooled connections keep the file open but hold no old pages; dispose so nothing lingers.
    engine.dispose()


def database_bytes(engine: Engine) -> int:
    """The size of a server workspace's database (a file workspace is measured on disk)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
