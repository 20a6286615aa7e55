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
* events with ids (format 3) merge as a set with the case's events here: those already here are
  skipped, the others added, and the case's labels rebuilt from all of them (as a review
  package merge does);
* events without ids (formats 1 and 2): if the case already has a label here, an identical one
  is left alone and a different one is kept as it is (counted as ``labels_kept``), and no event
  is added.

Like trace imports: one transaction per batch, an import record per file, and a file whose
content was restored in full before is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewdesk.domain import team
from reviewdesk.domain.case import Case
from reviewdesk.domain.errors import FormatError, LabelError, RecordError, ReviewdeskError
from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import Label, LabelChange
from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.domain.team import LabelEvent
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
from reviewdesk.storage import label_log, label_schemas, search, writes
from reviewdesk.storage import restore as storage_restore
from reviewdesk.storage.engine import begin_write
from reviewdesk.storage.handles import Connection
from reviewdesk.storage.rows import case_columns

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
    progress.set_status(f"Restoring {summary.name}")
    file_hash = file_sha256(path)
    size = path.stat().st_size
    import_rowid = begin_import(
        workspace, summary.path, format_name=reviewdesk_jsonl.NAME, file_hash=file_hash, size=size, name=summary.name
    )
    if import_rowid is None:
        summary.already_imported = True
        progress.advance(size)
        return
    redactor = redaction.BatchRedactor(workspace, import_rowid)
    report = record_skipped(summary, redactor.scrub)
    context = ReadContext(path=path, file_hash=file_hash, report=report, name=summary.name)
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
    with begin_write(workspace.engine) as conn:
        # Redacted before anything is written, with this workspace's rules.
        clean = redactor.redact_cases(conn, [r.case for r in batch], summary)
        batch = [
            reviewdesk_jsonl.CaseRecord(case=case, where=r.where, offset=r.offset)
            for case, r in zip(clean, batch, strict=True)
        ]
        schemas = {taxonomy.version: taxonomy for taxonomy, _ in label_schemas.all_versions(conn)}
        trace_ids = list(dict.fromkeys(r.case.trace_id for r in batch))
        existing_traces = writes.trace_rowids(conn, trace_ids)
        existing_cases = storage_restore.case_rowids(conn, [r.case.case_id for r in batch])
        cased_traces = storage_restore.traces_with_a_case(conn, list(existing_traces.values()))
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
                case_row = case_columns(case.model_copy(update={"label_history": None}), trace_rowid, now)
                writes.upsert_cases(conn, [case_row])
                new_rows.append(case_row)
                case_rowid = storage_restore.case_rowid(conn, case.case_id)
                existing_cases[case.case_id] = case_rowid
                cased_traces.add(trace_rowid)
                summary.cases_created += 1
            if replayed is not None:
                _restore_label(conn, case_rowid, replayed, summary)
        if new_rows:
            search.index_cases(conn, new_rows)  # full-text search stays in step with the case list


@dataclass(frozen=True, slots=True)
class _Replayed:
    """What a line's label becomes here: the resolved label and the events that lead to it."""

    label: Label
    events: list[LabelEvent]
    identified: bool
    """Every event carried its own id (format 3): the events merge as a set with those here."""


def _checked_label(case: Case, schemas: dict[int, Taxonomy]) -> _Replayed | None:
    """The label events to write for ``case`` (``None``: it has no label); ``LabelError`` says why not.

    With a ``label_history`` the events are the exported ones, each validated against its own
    schema version, and folding them (each reviewer's label, then the resolution rule) must give
    exactly the exported label. Events without an id (format 2) get one from their time, in
    file order; events without ``label_of`` belong to the label's last reviewer, as the upgrade
    of a workspace from before team review does. Without a history (a version-1 line) the single
    event sets every field of the exported label.
    """
    if case.label_history is None:
        if case.labels is None:
            return None
        _check_change(schemas, case.labels.schema_version, _full_change(case.labels))
        label = case.labels
        reviewer = label.reviewer or UNKNOWN_REVIEWER
        event = LabelEvent(
            event_id=uuid7(label.labeled_at),
            at=label.labeled_at or datetime.now(UTC),
            reviewer=reviewer,
            schema_version=label.schema_version,
            change=_full_change(label),
            label_of=reviewer,
        )
        return _Replayed(label=label, events=[event], identified=False)
    owner = (case.labels.reviewer if case.labels else None) or (
        case.label_history[-1].reviewer if case.label_history else UNKNOWN_REVIEWER
    )
    events: list[LabelEvent] = []
    previous: str | None = None
    for number, exported in enumerate(case.label_history, start=1):
        try:
            _check_change(schemas, exported.schema_version, exported.change)
        except LabelError as exc:
            raise LabelError(f"label_history event {number}: {exc}") from None
        event_id = exported.id or uuid7(exported.at, after=previous)
        previous = event_id
        events.append(
            LabelEvent(
                event_id=event_id,
                at=exported.at,
                reviewer=exported.reviewer,
                change=exported.change,
                schema_version=exported.schema_version,
                seconds_spent=exported.seconds_spent,
                kind=exported.kind,
                label_of=None if exported.kind == "adjudication" else (exported.label_of or owner),
                settles=tuple(exported.settles or ()),
            )
        )
    # Exported labels read under the exporting workspace's newest taxonomy (renames applied).
    folded_case = team.case_labels(label_log.read_events(schemas[max(schemas)], events))
    folded = folded_case.resolved
    if folded != case.labels:
        raise LabelError(_mismatch(folded, case.labels, len(case.label_history)))
    if case.reviewer_labels is not None and folded_case.by_reviewer != case.reviewer_labels:
        differ = sorted(
            name
            for name in set(folded_case.by_reviewer) | set(case.reviewer_labels)
            if folded_case.by_reviewer.get(name) != case.reviewer_labels.get(name)
        )
        raise LabelError(
            f"label_history ({len(case.label_history)} event(s)) does not lead to reviewer_labels"
            f" (reviewers whose label differs: {', '.join(differ)})"
        )
    if folded is None:
        return None
    return _Replayed(label=folded, events=events, identified=all(e.id for e in case.label_history))


def _check_change(schemas: dict[int, Taxonomy], version: int, change: LabelChange) -> None:
    """Refuse a change this workspace cannot hold (unknown schema version, root cause or score).

    An event names what its own version knew; a label may name a cause its version knew under
    an older id (the exported labels read under the newest version): either is accepted.
    """
    schema = schemas.get(version)
    if schema is None:
        raise LabelError(f"label schema version {version} is not in this workspace (it has {sorted(schemas)})")
    try:
        validate_change(schema, change, allow_retired=True)
    except LabelError:
        validate_change(schemas[max(schemas)], change, allow_retired=True)


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


def _restore_label(conn: Connection, case_rowid: int, replayed: _Replayed, summary: RestoreSummary) -> None:
    current = storage_restore.label_json(conn, case_rowid)
    if current is not None and not replayed.identified:
        # Events without ids cannot be matched with those here: the label here is kept as it is.
        if current != replayed.label.model_dump(mode="json"):
            summary.labels_kept += 1
        return
    added = label_log.append_events(conn, [(case_rowid, event) for event in replayed.events])
    if not added:
        return
    label_log.rebuild(conn, [case_rowid])
    summary.labels_restored += 1
    summary.label_events += len(added)
