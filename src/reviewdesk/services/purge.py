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

from reviewdesk.domain.errors import UsageError
from reviewdesk.privacy import RetentionSettings
from reviewdesk.services import audit
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import governance, retention
from reviewdesk.storage.engine import begin_write, secure_delete
from reviewdesk.storage.handles import Connection

SETTINGS_KEY = "retention"


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

    with begin_write(workspace.engine) as conn:
        old = retention.cases_older_than(conn, cutoff)
        doomed = [case for case in old if not (keep_labeled and case.labeled)]
        result.kept_labeled = len(old) - len(doomed)
        result.cases = result.traces = len(doomed)
        result.spans = retention.count_spans(conn, [case.trace_rowid for case in doomed])
        deleting = bool(doomed) and not dry_run
        if deleting:
            _delete(workspace, conn, doomed, result, actor=actor)
    # Sizes are measured once the transaction has ended: on a server, measuring opens another
    # connection, which would wait for the write lock this one holds.
    if deleting:
        compact(workspace)
    return _finish(workspace, result)


def _delete(
    workspace: Workspace, conn: Connection, doomed: list[retention.OldCase], result: PurgeResult, *, actor: str | None
) -> None:
    """Delete the doomed cases' traces and their redaction numbering, and log the purge, in ``conn``'s transaction."""
    secure_delete(conn)
    forgotten = retention.delete_traces(conn, [case.trace_rowid for case in doomed])
    governance.forget_numbering(conn, [case.trace_id for case in doomed])
    # The files these spans came from are no longer "imported in full": importing one again
    # must restore what was purged, not answer "already imported".
    retention.forget_import_contents(conn, sorted(forgotten))
    retention.optimize_search(conn)
    audit.record(
        workspace,
        "purge",
        f"cases older than {result.cutoff.isoformat()}",
        {
            "cutoff": result.cutoff,
            "keep_labeled": result.keep_labeled,
            "cases": result.cases,
            "spans": result.spans,
            "kept_labeled": result.kept_labeled,
            "imports_forgotten": len(forgotten),
        },
        conn=conn,
        actor=actor,
    )


def compact(workspace: Workspace) -> None:
    """Give the space of deleted rows back, so deleted content is gone from disk (``retention.compact``)."""
    retention.compact(workspace.engine, workspace.path)


def _finish(workspace: Workspace, result: PurgeResult) -> PurgeResult:
    result.bytes_after = _file_bytes(workspace)
    return result


def _file_bytes(workspace: Workspace) -> int:
    if workspace.path is None:
        return retention.database_bytes(workspace.engine)
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
