"""Restoring cases and labels from a reviewdesk JSONL export into a workspace.

The export is the public case JSON with each case's current label (and, from format version 2,
its label log), one case per line. Trace imports (``services.imports``) rebuild cases from
spans; an export has no spans, so it takes this path instead: ``services.imports.import_files`` — behind
``reviewdesk import``, the import dialog and drag-and-drop — sends a file here when the importer
registry detects it as a reviewdesk export, and every other file to the trace importers.

For each case:

* a case id the workspace does not have is created as exported (its ``source`` still names the
  original trace file and format), with a trace row for its trace id but no spans — importing the
  original trace file later adds the spans and rebuilds the case, keeping the label;
* a case id the workspace already has keeps its content (it may have been built from spans);
* a line with a ``label_history`` (format version 2) has its label events replayed in order, as
  real label events with the exported reviewer, time, seconds spent and schema version; each
  change is validated like one made in the review window (``labels.validate_change``) and the
  label they fold into must equal the exported ``labels``, or the line is reported and nothing
  of that case is written (a hand-edited file);
* a line without one (format version 1) has its label written as one label event that sets every
  field of the exported label, with the exported reviewer, time and schema version, and the
  current label row is exactly the exported label;
* either way, if the case already has a label here, an identical one is left alone and a
  different one is kept as it is (counted as ``labels_kept``) — merging reviews is a separate
  feature — and no event is added.

Like trace imports: one transaction per batch, an import record per file, and a file whose
content was restored in full before is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reviewdesk.domain.case import Case, LabelHistoryEvent
from reviewdesk.domain.errors import FormatError, LabelError, RecordError, ReviewdeskError
from reviewdesk.domain.labels import Label, LabelChange, apply_change
from reviewdesk.importers import reviewdesk_jsonl
from reviewdesk.importers.base import SNIFF_BYTES, ReadContext
from reviewdesk.progress import Progress
from reviewdesk.services import redaction
from reviewdesk.services.import_records import (
    RestoreSummary,
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
_TRACE_TAKEN = "its trace already has another case in this workspace; the line is skipped"


def restore_one(workspace: Workspace, path: Path, summary: RestoreSummary, progress: Progress) -> None:
    """Restore one export file into ``summary``; ``services.imports.import_files`` routes exports here."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not reviewdesk_jsonl.sniff(head):  # ``--format reviewdesk-jsonl`` given for another file
        raise FormatError(f"{summary.name}: not a reviewdesk JSONL export (each line must be one case)")
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
        summary.failed = f"{summary.name}: no valid cases found ({summary.skipped} records skipped)"


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
        cased_traces = set(
            session.execute(
                select(CaseRow.trace_rowid).where(CaseRow.trace_rowid.in_(list(existing_traces.values())))
            ).scalars()
        )
        new_rows: list[dict[str, Any]] = []
        for record in batch:
            case = record.case
            try:
                replayed = _checked_label(case, schemas)
            except LabelError as exc:
                report(RecordError(summary.name, record.where, f"case {case.case_id}: {exc}"))
                continue
            case_rowid = existing_cases.get(case.case_id)
            if case_rowid is None:
                trace_rowid = existing_traces.get(case.trace_id)
                if trace_rowid is not None and trace_rowid in cased_traces:
                    # One case per trace: a hand-edited file (or two workspaces' exports) gives
                    # this trace a second case id; the first one stays.
                    report(RecordError(summary.name, record.where, f"case {case.case_id}: {_TRACE_TAKEN}"))
                    continue
                if trace_rowid is None:
                    trace_rowid = writes.insert_traces(conn, [case.trace_id], import_rowid)[case.trace_id]
                    existing_traces[case.trace_id] = trace_rowid
                    summary.traces += 1
                # The stored case is the case alone: its label and label log live in the label tables.
                case_row = writes.case_columns(case.model_copy(update={"label_history": None}), trace_rowid, now)
                writes.upsert_cases(conn, [case_row])
                new_rows.append(case_row)
                case_rowid = int(
                    session.execute(select(CaseRow.case_rowid).where(CaseRow.case_id == case.case_id)).scalar_one()
                )
                existing_cases[case.case_id] = case_rowid
                cased_traces.add(trace_rowid)
                summary.cases_created += 1
            if replayed is not None:
                _restore_label(session, case_rowid, replayed, summary)
        if new_rows:
            search.index_cases(conn, new_rows)  # full-text search stays in step with the case list


@dataclass(frozen=True, slots=True)
class _Replayed:
    """What a line's label becomes here: the current label and the events that lead to it."""

    label: Label
    events: list[LabelHistoryEvent]


def _checked_label(case: Case, schemas: dict[int, LabelSchemaRow]) -> _Replayed | None:
    """The label events to write for ``case`` (``None``: it has no label); ``LabelError`` says why not.

    With a ``label_history`` the events are the exported ones, each validated against its own
    schema version, and folding them must give exactly the exported label. Without one (a
    version-1 line) the single event sets every field of the exported label.
    """
    if case.label_history is None:
        if case.labels is None:
            return None
        _check_change(schemas, case.labels.schema_version, _full_change(case.labels))
        label = case.labels
        event = LabelHistoryEvent(
            at=label.labeled_at or datetime.now(UTC),
            reviewer=label.reviewer or UNKNOWN_REVIEWER,
            schema_version=label.schema_version,
            change=_full_change(label),
        )
        return _Replayed(label=label, events=[event])
    folded: Label | None = None
    for number, event in enumerate(case.label_history, start=1):
        try:
            _check_change(schemas, event.schema_version, event.change)
        except LabelError as exc:
            raise LabelError(f"label_history event {number}: {exc}") from None
        folded = apply_change(
            folded, event.change, reviewer=event.reviewer, at=event.at, schema_version=event.schema_version
        )
    if folded != case.labels:
        raise LabelError(_mismatch(folded, case.labels, len(case.label_history)))
    return None if folded is None else _Replayed(label=folded, events=case.label_history)


def _check_change(schemas: dict[int, LabelSchemaRow], version: int, change: LabelChange) -> None:
    """Refuse a change this workspace cannot hold (unknown schema version, root cause or score)."""
    schema = schemas.get(version)
    if schema is None:
        raise LabelError(f"label schema version {version} is not in this workspace (it has {sorted(schemas)})")
    validate_change(schema, change)


def _mismatch(folded: Label | None, exported: Label | None, events: int) -> str:
    """Why a history was refused: which label fields its events do not lead to."""
    if folded is None or exported is None:
        leads_to = "no label" if folded is None else "a label"
        labels = "null" if exported is None else "set"
        return f"label_history ({events} event(s)) leads to {leads_to}, but labels is {labels}"
    got, want = folded.model_dump(), exported.model_dump()
    fields = ", ".join(key for key in want if got[key] != want[key])
    return f"label_history ({events} event(s)) does not lead to labels (fields that differ: {fields})"


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


def _restore_label(session: Session, case_rowid: int, replayed: _Replayed, summary: RestoreSummary) -> None:
    label = replayed.label
    data = label.model_dump(mode="json")
    current = session.get(LabelRow, case_rowid)
    if current is not None:
        if current.data != data:
            summary.labels_kept += 1
        return
    rows = [
        LabelEventRow(
            case_rowid=case_rowid,
            created_at=event.at,
            reviewer=event.reviewer,
            change=event.change.model_dump(mode="json", exclude_unset=True),
            seconds_spent=event.seconds_spent,
            schema_version=event.schema_version,
        )
        for event in replayed.events
    ]
    session.add_all(rows)
    session.flush()
    session.add(
        LabelRow(
            case_rowid=case_rowid,
            verdict=label.verdict,
            escalate=label.escalate,
            reviewer=rows[-1].reviewer,
            labeled_at=rows[-1].created_at,
            data=data,
            last_event_rowid=rows[-1].event_rowid,
        )
    )
    session.add_all(CaseRootCauseRow(case_rowid=case_rowid, root_cause=rc) for rc in dict.fromkeys(label.root_causes))
    summary.labels_restored += 1
    summary.label_events += len(rows)
