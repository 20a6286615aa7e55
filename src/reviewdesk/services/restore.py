"""Restoring cases and labels from a reviewdesk JSONL export into a workspace.

The export is the public case JSON with each case's current label, one case per line. Trace
imports (``services.imports``) rebuild cases from spans; an export has no spans, so it takes
this path instead: ``reviewdesk import`` (and the import dialog) send a file here when its content
sniffs as a reviewdesk export (``is_case_export``), and every other file to the trace importers.

For each case:

* a case id the workspace does not have is created as exported (its ``source`` still names the
  original trace file and format), with a trace row for its trace id but no spans — importing the
  original trace file later adds the spans and rebuilds the case, keeping the label;
* a case id the workspace already has keeps its content (it may have been built from spans);
* the label is written as one label event that sets every field of the exported label, with the
  exported reviewer, time and schema version, and the current label row is exactly the exported
  label. If the case already has a label here, an identical one is left alone and a different
  one is kept as it is (counted as ``labels_kept``) — merging reviews is a separate feature.

Like trace imports: one transaction per batch, an import record per file, and a file whose
content was restored in full before is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import FormatError, LabelError, RecordError, ReviewdeskError
from reviewdesk.domain.labels import Label, LabelChange
from reviewdesk.importers import reviewdesk_jsonl
from reviewdesk.importers.base import SNIFF_BYTES, ReadContext
from reviewdesk.progress import NullProgress, Progress
from reviewdesk.services import redaction
from reviewdesk.services.imports import (
    ImportResult,
    ImportSummary,
    begin_import,
    file_sha256,
    finish_import,
    record_skipped,
)
from reviewdesk.services.labels import validate_change
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import search, writes
from reviewdesk.storage.orm import CaseRootCauseRow, CaseRow, LabelEventRow, LabelRow, LabelSchemaRow

BATCH_CASES = 500
ReportFn = Callable[[RecordError], None]
UNKNOWN_REVIEWER = "unknown"


@dataclass(slots=True)
class RestoreSummary(ImportSummary):
    """What restoring one export file did (the import summary plus label counts)."""

    labels_restored: int = 0
    labels_kept: int = 0
    """Cases that already had a different label in this workspace; that label was kept."""


def is_case_export(path: Path) -> bool:
    """Whether ``path`` holds a reviewdesk JSONL export (by content; unreadable files say no)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError:
        return False
    return reviewdesk_jsonl.sniff(head)


def restore_files(workspace: Workspace, files: Sequence[Path], *, progress: Progress | None = None) -> ImportResult:
    """Restore each export file; a file that fails whole does not stop the others."""
    progress = progress or NullProgress()
    summaries: list[ImportSummary] = []
    progress.set_total(sum(p.stat().st_size for p in files if p.is_file()) or None)
    for path in files:
        if progress.cancel_requested():
            break
        summary = RestoreSummary(path=path, format=reviewdesk_jsonl.NAME)
        summaries.append(summary)
        try:
            _restore_one(workspace, path, summary, progress)
        except ReviewdeskError as exc:
            summary.failed = str(exc)
    restored = [s for s in summaries if isinstance(s, RestoreSummary)]
    cases_changed = any(s.cases_created for s in restored)
    return ImportResult(
        files=summaries,
        changes=Changes(
            cases=cases_changed or any(s.labels_restored for s in restored),
            traces=cases_changed,
            labels=any(s.labels_restored for s in restored),
            imports=bool(summaries),
        ),
    )


def _restore_one(workspace: Workspace, path: Path, summary: RestoreSummary, progress: Progress) -> None:
    if not path.is_file():
        raise FormatError(f"{path}: no such file")
    if not is_case_export(path):
        raise FormatError(f"{path.name}: not a reviewdesk JSONL export (each line must be one case)")
    progress.set_status(f"Restoring {path.name}")
    file_hash = file_sha256(path)
    size = path.stat().st_size
    import_rowid = begin_import(workspace, path, format_name=reviewdesk_jsonl.NAME, file_hash=file_hash, size=size)
    if import_rowid is None:
        summary.already_imported = True
        progress.advance(size)
        return
    redactor = redaction.BatchRedactor(workspace, import_rowid)
    report = record_skipped(summary, redactor.scrub)
    context = ReadContext(path=path, file_hash=file_hash, report=report)
    status = "done"
    batch: list[reviewdesk_jsonl.CaseRecord] = []
    done_bytes = 0
    records = 0
    try:
        for record in reviewdesk_jsonl.read(context):
            records += 1
            batch.append(record)
            if len(batch) >= BATCH_CASES:
                _write_batch(workspace, batch, import_rowid, summary, report=report, redactor=redactor)
                progress.advance(record.offset - done_bytes)
                done_bytes = record.offset
                batch = []
                if progress.cancel_requested():
                    status = "cancelled"
                    summary.cancelled = True
                    break
        if status == "done" and batch:
            _write_batch(workspace, batch, import_rowid, summary, report=report, redactor=redactor)
    except ReviewdeskError as exc:
        status = "failed"
        summary.failed = str(exc)
    finally:
        progress.advance(max(size - done_bytes, 0))
        finish_import(workspace, import_rowid, status=status, summary=summary)
    if summary.failed is None and records == 0 and summary.skipped and not summary.cancelled:
        summary.failed = f"{path.name}: no valid cases found ({summary.skipped} records skipped)"


def _write_batch(
    workspace: Workspace,
    batch: list[reviewdesk_jsonl.CaseRecord],
    import_rowid: int,
    summary: RestoreSummary,
    *,
    report: ReportFn,
    redactor: redaction.BatchRedactor,
) -> None:
    """Write one batch of cases and labels in one transaction."""
    now = datetime.now(UTC)
    with workspace.session() as session, session.begin():
        # Redacted before anything is written, with this workspace's rules.
        clean = redactor.redact_cases(session.connection(), [r.case for r in batch], summary)
        batch = [
            reviewdesk_jsonl.CaseRecord(case=case, where=r.where, offset=r.offset)
            for case, r in zip(clean, batch, strict=True)
        ]
        schemas = {row.version: row for row in session.execute(select(LabelSchemaRow)).scalars()}
        conn = session.connection()
        trace_ids = list(dict.fromkeys(r.case.trace_id for r in batch))
        existing_traces = writes.trace_rowids(conn, trace_ids)
        existing_cases = {
            case_id: rowid
            for case_id, rowid in session.execute(
                select(CaseRow.case_id, CaseRow.case_rowid).where(CaseRow.case_id.in_([r.case.case_id for r in batch]))
            )
        }
        new_rows: list[dict[str, Any]] = []
        for record in batch:
            case = record.case
            if case.labels is not None:
                problem = _label_problem(case.labels, schemas)
                if problem is not None:
                    report(RecordError(summary.path.name, record.where, f"case {case.case_id}: {problem}"))
                    continue
            case_rowid = existing_cases.get(case.case_id)
            if case_rowid is None:
                trace_rowid = existing_traces.get(case.trace_id)
                if trace_rowid is None:
                    trace_rowid = writes.insert_traces(conn, [case.trace_id], import_rowid)[case.trace_id]
                    existing_traces[case.trace_id] = trace_rowid
                    summary.traces += 1
                case_row = writes.case_columns(case, trace_rowid, now)
                writes.upsert_cases(conn, [case_row])
                new_rows.append(case_row)
                case_rowid = int(
                    session.execute(select(CaseRow.case_rowid).where(CaseRow.case_id == case.case_id)).scalar_one()
                )
                existing_cases[case.case_id] = case_rowid
                summary.cases_created += 1
            if case.labels is not None:
                _restore_label(session, case_rowid, case.labels, summary)
        if new_rows:
            search.index_cases(conn, new_rows)  # full-text search stays in step with the case list


def _label_problem(label: Label, schemas: dict[int, LabelSchemaRow]) -> str | None:
    """Why this workspace cannot hold ``label`` as it is (unknown schema version, root cause or score)."""
    schema = schemas.get(label.schema_version)
    if schema is None:
        return f"label schema version {label.schema_version} is not in this workspace (it has {sorted(schemas)})"
    try:
        validate_change(schema, _full_change(label))
    except LabelError as exc:
        return str(exc)
    return None


def _full_change(label: Label) -> LabelChange:
    """A change that sets every field of ``label``: folded onto nothing, it gives ``label`` back."""
    return LabelChange(
        verdict=label.verdict,
        root_causes=list(label.root_causes),
        scores=dict(label.scores),
        corrected_output=label.corrected_output,
        comment=label.comment,
        escalate=label.escalate,
        evidence=list(label.evidence),
    )


def _restore_label(session: Session, case_rowid: int, label: Label, summary: RestoreSummary) -> None:
    data = label.model_dump(mode="json")
    current = session.get(LabelRow, case_rowid)
    if current is not None:
        if current.data != data:
            summary.labels_kept += 1
        return
    at = label.labeled_at or datetime.now(UTC)
    reviewer = label.reviewer or UNKNOWN_REVIEWER
    event = LabelEventRow(
        case_rowid=case_rowid,
        created_at=at,
        reviewer=reviewer,
        change=_full_change(label).model_dump(mode="json"),
        seconds_spent=None,
        schema_version=label.schema_version,
    )
    session.add(event)
    session.flush()
    session.add(
        LabelRow(
            case_rowid=case_rowid,
            verdict=label.verdict,
            escalate=label.escalate,
            reviewer=reviewer,
            labeled_at=at,
            data=data,
            last_event_rowid=event.event_rowid,
        )
    )
    session.add_all(CaseRootCauseRow(case_rowid=case_rowid, root_cause=rc) for rc in dict.fromkeys(label.root_causes))
    summary.labels_restored += 1
