"""The audit trail: who did what to the workspace, and when.

Two append-only logs make it up. Label changes are the ``label_events`` (ADR 0004): every change
of every label, by reviewer, with the fields it set. Everything else that changes or copies data
— imports, exports, purges, settings changes — is one row of ``audit_log``, written by the service
that does it (in the same transaction where the operation has one). ``entries`` merges both in
time order; ``write_csv`` is ``reviewdesk audit --csv``.

A read-only workspace cannot take a record, so operations on it (exports by a risk owner) are
not logged; nothing that changes data can run on it anyway.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from reviewdesk.files import spreadsheet_cell, write_text_atomically
from reviewdesk.services import roles
from reviewdesk.services.cases import resolve_case
from reviewdesk.services.labels import default_reviewer
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import audit as storage_audit
from reviewdesk.storage.engine import begin_write
from reviewdesk.storage.handles import Connection

if TYPE_CHECKING:
    from reviewdesk.services.exports import ExportResult, ExportSelection
    from reviewdesk.services.import_records import ImportSummary

CSV_COLUMNS = (
    "time",
    "actor",
    "action",
    "case_id",
    "subject",
    "details",
    "seconds_spent",
    "label_schema_version",
    "entry",
)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit trail, from either log."""

    time: datetime
    actor: str
    action: str
    """``label`` for a label event; ``import``, ``export``, ``purge`` or ``settings`` otherwise."""
    case_id: str | None
    subject: str
    details: dict[str, Any]
    entry: str
    """``label_event:<rowid>`` or ``audit:<rowid>``: where the line comes from, for cross-checks."""
    seconds_spent: float | None = None
    label_schema_version: int | None = None


def record(
    workspace: Workspace,
    action: str,
    subject: str,
    details: Mapping[str, Any],
    *,
    conn: Connection | None = None,
    actor: str | None = None,
) -> None:
    """Append one entry; inside ``conn``'s transaction when given, so it commits with the operation."""
    if workspace.read_only:
        return
    at, who, plain = (
        datetime.now(UTC),
        actor or roles.identity(workspace).user or default_reviewer(),
        _jsonable(details),
    )
    if conn is not None:
        storage_audit.append_audit(conn, at=at, actor=who, action=action, subject=subject, details=plain)
        return
    with begin_write(workspace.engine) as own:
        storage_audit.append_audit(own, at=at, actor=who, action=action, subject=subject, details=plain)


def record_import(workspace: Workspace, summary: ImportSummary, *, conn: Connection | None = None) -> None:
    """One line per file given to ``import``: what it added, skipped and redacted.

    With ``conn``, in the transaction that closes the import record, so the two agree whatever
    happens next. Each batch of the import has its own line too, written with the batch.
    """
    if summary.already_imported:
        outcome = "already imported"
    elif summary.failed:
        outcome = "failed"
    elif summary.cancelled:
        outcome = "cancelled"
    else:
        outcome = "done"
    from reviewdesk.services import redaction  # it records settings changes here: imported late

    scrub = redaction.scrubber(workspace, conn)
    record(
        workspace,
        "import",
        scrub(str(summary.path)),
        {
            "outcome": outcome,
            "format": summary.format,
            "traces": summary.traces,
            "spans": summary.spans,
            "cases_created": summary.cases_created,
            "cases_updated": summary.cases_updated,
            "skipped": summary.skipped,
            "redactions": dict(summary.redactions),
            "error": scrub(summary.failed) if summary.failed else None,
            "import": summary.import_rowid,
        },
        conn=conn,
    )
    summary.audited = True


def record_export(workspace: Workspace, result: ExportResult, selection: ExportSelection | None = None) -> ExportResult:
    """One line per export (data leaving the workspace); returns ``result`` so the caller can return it."""
    details: dict[str, Any] = {"format": result.format, "cases": result.cases, "skipped": dict(result.skipped)}
    if selection is not None:
        details["selection"] = _selection_details(selection)
    record(workspace, "export", str(result.path), details)
    return result


def _selection_details(selection: ExportSelection) -> dict[str, Any]:
    flt = {
        f.name: getattr(selection.flt, f.name)
        for f in fields(selection.flt)
        if getattr(selection.flt, f.name) not in (None, False)
    }
    out: dict[str, Any] = {"filter": flt}
    if selection.case_rowids is not None:
        out["cases"] = len(selection.case_rowids)
    if selection.reviewer is not None:
        out["reviewer"] = selection.reviewer
    if selection.labeled_since is not None:
        out["labeled_since"] = selection.labeled_since
    if selection.has_corrected_output is not None:
        out["has_corrected_output"] = selection.has_corrected_output
    if selection.sample is not None:
        out["sample"] = {"per_stratum": selection.sample.per_stratum, "by": selection.sample.by}
    return out


def _jsonable(details: Mapping[str, Any]) -> dict[str, Any]:
    """Details as plain JSON (datetimes, paths and dataclasses as orjson writes them)."""
    parsed: dict[str, Any] = orjson.loads(orjson.dumps(dict(details), default=str))
    return parsed


def entries(
    workspace: Workspace,
    *,
    case_ref: str | None = None,
    labels: bool = True,
    operations: bool = True,
    batches: bool = False,
) -> list[AuditEntry]:
    """The audit trail in time order. With ``case_ref``: that case's label events only.

    Each import batch is logged with the batch (``outcome: batch``); ``batches=False`` shows
    them only for imports that have no closing line (the closing line sums them up).
    """
    found: list[AuditEntry] = []
    case_rowid = resolve_case(workspace, case_ref) if case_ref is not None else None
    with workspace.engine.connect() as conn:
        events = storage_audit.label_events(conn, case_rowid) if labels else []
        rows = storage_audit.audit_lines(conn) if operations and case_rowid is None else []
    for event in events:
        found.append(
            AuditEntry(
                time=event.created_at,
                actor=event.reviewer,
                action="label",
                case_id=event.case_id,
                subject=event.case_id,
                details=dict(event.change),
                entry=f"label_event:{event.event_rowid}",
                seconds_spent=event.seconds_spent,
                label_schema_version=event.schema_version,
            )
        )
    # An import's batch lines are folded into its closing line once it has one; an
    # import cut short before it could be closed keeps them (what it did is in them).
    closed = {
        row.details.get("import")
        for row in rows
        if row.action == "import" and row.details.get("outcome") not in (None, "batch")
    }
    for row in rows:
        if not batches and row.details.get("outcome") == "batch" and row.details.get("import") in closed:
            continue
        found.append(
            AuditEntry(
                time=row.created_at,
                actor=row.actor,
                action=row.action,
                case_id=None,
                subject=row.subject,
                details=dict(row.details),
                entry=f"audit:{row.audit_rowid}",
            )
        )
    # Stable: two entries in the same microsecond keep their log order.
    found.sort(key=lambda e: e.time)
    return found


def csv_rows(found: Iterable[AuditEntry]) -> Iterable[list[str]]:
    """The CSV rows; label comments and file names are text someone else wrote, so a cell that
    starts like a formula is neutralised (``spreadsheet_cell``)."""
    yield list(CSV_COLUMNS)
    for e in found:
        yield [
            e.time.isoformat(),
            spreadsheet_cell(e.actor),
            e.action,
            e.case_id or "",
            spreadsheet_cell(e.subject),
            spreadsheet_cell(orjson.dumps(e.details, option=orjson.OPT_SORT_KEYS).decode("utf-8")),
            "" if e.seconds_spent is None else f"{e.seconds_spent:g}",
            "" if e.label_schema_version is None else str(e.label_schema_version),
            e.entry,
        ]


def write_csv(found: Iterable[AuditEntry], out: Path) -> int:
    """Write the entries as CSV (RFC 4180, UTF-8); the file appears whole or not at all."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    count = -1
    for row in csv_rows(found):
        writer.writerow(row)
        count += 1
    write_text_atomically(out, text.getvalue())
    return count
