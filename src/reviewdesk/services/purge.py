"""Retention: delete old cases for good, so their bytes are gone from the workspace file.

A case is as old as its trace (``started_at``, the first span's start; the time it was last
written when the trace has no times). ``purge`` deletes, in one transaction, the traces of the
cases older than the cut-off — with them, by foreign-key cascades, their spans, cases, label
events, labels and root-cause rows, and by trigger their search entries — plus the redaction
numbering of those traces, and logs the purge in the audit log. Deleting rows only marks pages
free, so it then

1. merges the full-text index (``optimize``): FTS5 records a deletion as a new marker and keeps
   the old terms in its older segments until they are merged;
2. runs ``VACUUM``, which rewrites the file without the free pages;
3. checkpoints the WAL with ``TRUNCATE``, so the write-ahead log does not keep old page images.

``secure_delete`` is on during the transaction as well, so freed content is zeroed even before the
VACUUM. Import records stay (the audit log refers to them), without their data and without the
content hash of their file, so importing a purged file again restores it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, exists, func, select, text, update

from reviewdesk.domain.errors import UsageError
from reviewdesk.privacy import RetentionSettings
from reviewdesk.services import audit
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import governance
from reviewdesk.storage.engine import begin_write, holding_writes
from reviewdesk.storage.tables import CaseRow, ImportRecord, LabelEventRow, SpanRow, TraceRow

SETTINGS_KEY = "retention"
_IN_CHUNK = 500


@dataclass(slots=True)
class PurgeResult:
    """What a purge removed (or, on a dry run, would remove)."""

    cutoff: datetime
    keep_labeled: bool
    cases: int = 0
    traces: int = 0
    spans: int = 0
    kept_labeled: int = 0
    """Cases older than the cut-off that were kept because they are labeled."""
    bytes_before: int = 0
    bytes_after: int = 0
    dry_run: bool = False


def get_retention(workspace: Workspace) -> RetentionSettings:
    with workspace.engine.connect() as conn:
        stored = governance.get_setting(conn, SETTINGS_KEY)
    return RetentionSettings.model_validate(stored) if stored is not None else RetentionSettings()


def set_retention(
    workspace: Workspace, *, older_than_days: int | None, keep_labeled: bool, actor: str | None = None
) -> RetentionSettings:
    """Store the retention period (``None``: keep everything) and log the change."""
    try:
        after = RetentionSettings(older_than_days=older_than_days, keep_labeled=keep_labeled)
    except ValidationError as exc:
        reasons = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise UsageError(f"retention not changed: {reasons}") from None
    before = get_retention(workspace)
    if after == before:
        return after
    with begin_write(workspace.engine) as conn:
        governance.put_setting(conn, SETTINGS_KEY, after.model_dump(mode="json"), datetime.now(UTC))
        audit.record(
            workspace,
            "settings",
            SETTINGS_KEY,
            {"before": before.model_dump(mode="json"), "after": after.model_dump(mode="json")},
            conn=conn,
            actor=actor,
        )
    return after


def purge(
    workspace: Workspace,
    *,
    older_than: timedelta | None = None,
    keep_labeled: bool | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
    actor: str | None = None,
) -> PurgeResult:
    """Delete cases older than ``older_than`` (default: the workspace's retention period)."""
    settings = get_retention(workspace)
    if older_than is None:
        if settings.older_than_days is None:
            raise UsageError(
                "no retention period is set for this workspace: give --older-than (e.g. 90d), or set one"
                " with `reviewdesk retention --set 90d`"
            )
        older_than = timedelta(days=settings.older_than_days)
    if keep_labeled is None:
        keep_labeled = settings.keep_labeled
    cutoff = (now or datetime.now(UTC)) - older_than
    result = PurgeResult(cutoff=cutoff, keep_labeled=keep_labeled, dry_run=dry_run)
    result.bytes_before = _file_bytes(workspace)

    age = func.coalesce(CaseRow.started_at, CaseRow.updated_at)
    labeled = exists().where(LabelEventRow.case_rowid == CaseRow.case_rowid)
    old = (
        select(CaseRow.trace_rowid, TraceRow.trace_id, labeled.label("labeled"))
        .join(TraceRow, TraceRow.trace_rowid == CaseRow.trace_rowid)
        .where(age < cutoff.astimezone(UTC).replace(tzinfo=None))
    )
    with begin_write(workspace.engine) as conn:
        rows = conn.execute(old).all()
        doomed = [(rowid, trace_id) for rowid, trace_id, is_labeled in rows if not (keep_labeled and is_labeled)]
        result.kept_labeled = len(rows) - len(doomed)
        result.cases = result.traces = len(doomed)
        rowids = [rowid for rowid, _ in doomed]
        for start in range(0, len(rowids), _IN_CHUNK):
            chunk = rowids[start : start + _IN_CHUNK]
            result.spans += conn.execute(
                select(func.count()).select_from(SpanRow).where(SpanRow.trace_rowid.in_(chunk))
            ).scalar_one()
        if dry_run or not doomed:
            return _finish(workspace, result)
        sqlite = workspace.engine.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA secure_delete=ON")
        forgotten: set[int] = set()
        for start in range(0, len(rowids), _IN_CHUNK):
            chunk = rowids[start : start + _IN_CHUNK]
            found = conn.execute(select(SpanRow.import_rowid).where(SpanRow.trace_rowid.in_(chunk)).distinct())
            forgotten.update(rowid for rowid in found.scalars() if rowid is not None)
            # Cascades take spans, cases, label events, labels and root causes; a trigger takes
            # the search rows.
            conn.execute(delete(TraceRow).where(TraceRow.trace_rowid.in_(chunk)))
        governance.forget_numbering(conn, [trace_id for _, trace_id in doomed])
        # The files these spans came from are no longer "imported in full": importing one again
        # must restore what was purged, not answer "already imported".
        forgotten_list = sorted(forgotten)
        for start in range(0, len(forgotten_list), _IN_CHUNK):
            conn.execute(
                update(ImportRecord)
                .where(ImportRecord.import_rowid.in_(forgotten_list[start : start + _IN_CHUNK]))
                .values(content_sha256="")
            )
        if sqlite:
            conn.execute(text("INSERT INTO case_search(case_search) VALUES ('optimize')"))
        audit.record(
            workspace,
            "purge",
            f"cases older than {cutoff.isoformat()}",
            {
                "cutoff": cutoff,
                "keep_labeled": keep_labeled,
                "cases": result.cases,
                "spans": result.spans,
                "kept_labeled": result.kept_labeled,
                "imports_forgotten": len(forgotten),
            },
            conn=conn,
            actor=actor,
        )
    compact(workspace)
    return _finish(workspace, result)


def compact(workspace: Workspace) -> None:
    """Rewrite the file without free pages and empty the WAL, so deleted content is gone from disk.

    On a server the deleted rows' space is vacuumed for reuse (``VACUUM``; ``VACUUM FULL`` would lock
    every table against the whole team while it rewrites them)."""
    if workspace.path is None:
        with workspace.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM")
        return
    with (
        holding_writes(workspace.path, "reviewdesk purge (VACUUM)"),
        workspace.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
    ):
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # Pooled connections keep the file open but hold no old pages; dispose so nothing lingers.
    workspace.engine.dispose()


def _finish(workspace: Workspace, result: PurgeResult) -> PurgeResult:
    result.bytes_after = _file_bytes(workspace)
    return result


def _file_bytes(workspace: Workspace) -> int:
    if workspace.path is None:
        with workspace.engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    total = 0
    for suffix in ("", "-wal"):
        path = workspace.path.with_name(workspace.path.name + suffix)
        if path.exists():
            total += path.stat().st_size
    return total


def describe(result: PurgeResult) -> dict[str, Any]:
    """The result as plain JSON (``reviewdesk purge --json``)."""
    return {
        "cutoff": result.cutoff.isoformat(),
        "keep_labeled": result.keep_labeled,
        "dry_run": result.dry_run,
        "cases": result.cases,
        "traces": result.traces,
        "spans": result.spans,
        "kept_labeled": result.kept_labeled,
        "bytes_before": result.bytes_before,
        "bytes_after": result.bytes_after,
    }
