"""Writing an import's batches: one transaction a batch, its spans, the cases of every trace it
touched and the import's running counters (``imports`` reads the files and hands the batches here).

A batch of new traces is written on the importing thread and indexed and committed on a second
thread while the next one is prepared (ADR 0006); a batch that touches stored traces takes the
plain path, where they are extended and their cases rebuilt from all their spans.
"""

from __future__ import annotations

import copy
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any

from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize import build_case
from reviewdesk.services import audit, cost_estimates, import_worker, redaction
from reviewdesk.services.import_batches import CaseSource, NewTraces, TraceBuffer, prepare_new
from reviewdesk.services.import_records import ImportSummary
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import imports as storage_imports
from reviewdesk.storage import search, writes
from reviewdesk.storage.engine import immediate
from reviewdesk.storage.handles import Connection, RootTransaction
from reviewdesk.storage.rows import case_columns


class StoredBefore(Exception):
    """A batch from the worker holds traces the workspace already has (nothing of it was written)."""

    done_bytes = 0
    """Bytes the import had reported done when it stopped the worker."""


class BatchWriter:
    """Collects spans and writes them, with their rebuilt cases, one transaction per batch.

    Indexing overlaps with preparing: a batch of new traces is prepared and its rows written on
    this thread, then a second thread fills its search index and commits it while this one reads
    and prepares the next batch. SQLite runs those long calls without Python's global lock, so
    this puts a second core to use (ADR 0006). At most one batch is in flight, and a batch that
    touches a trace of the batch in flight, or a trace stored before, waits for it and takes the
    plain path (``_write``): every batch stays one transaction, committed in file order.
    """

    def __init__(
        self, workspace: Workspace, import_rowid: int, format_name: str, file_name: str, summary: ImportSummary
    ) -> None:
        self.workspace = workspace
        self.import_rowid = import_rowid
        self.format_name = format_name
        self.summary = summary
        self.redactor = redaction.BatchRedactor(workspace, import_rowid)
        self.buffer = TraceBuffer(self.redactor.redact_ids)
        self.audited_path = self.redactor.scrub(str(summary.path))  # each batch's audit line names it
        with workspace.engine.connect() as conn:
            # Every case carries the file name as provenance; prices for traces that record no cost.
            self.source = CaseSource(format_name, self.redactor.scrub(file_name), cost_estimates.load_prices(conn))
        self._thread: ThreadPoolExecutor | None = None
        self._in_flight: Future[None] | None = None
        self._in_flight_traces: set[str] = set()
        self.batches = 0

    def flush(self, *, everything: bool = False) -> None:
        """Write the next batch: the traces read, but those the last record added to (unless ``everything``)."""
        batch = self.buffer.take(everything=everything)
        if not batch:
            return
        now = datetime.now(UTC)
        trace_ids = list(batch)
        if not self._in_flight_traces.isdisjoint(trace_ids):
            self.drain()
        # A hint only: which traces were stored when this batch was read. What is written is
        # decided again under the write lock (``_write_new``), because another process may be
        # importing other halves of the same traces at the same time.
        with self.workspace.engine.connect() as conn:
            existing = writes.existing_traces(conn, trace_ids)
            known = self.redactor.known_numbering(conn, trace_ids) if not existing else {}
        if existing:
            self.drain()
            with immediate(self.workspace.engine.connect()) as conn, conn.begin():
                self._write(conn, batch, now)
            return
        # Redaction replaces a span's fields (it never changes the values in place): shallow
        # copies keep the spans as read, in case the lock shows the traces are no longer new.
        raw = {t: {sid: copy.copy(span) for sid, span in spans.items()} for t, spans in batch.items()}
        prepared = prepare_new(batch, self.redactor, self.source, now, known)
        self.drain()
        conn = immediate(self.workspace.engine.connect())
        transaction = conn.begin()  # BEGIN IMMEDIATE: the read-modify-write of these traces is ours
        try:
            index_rows = self._write_new(conn, prepared)
            if index_rows is None:
                # Another import stored some of these traces since: redact with their numbering
                # and rebuild from all their stored spans, in this same transaction.
                self._write(conn, raw, now)
                transaction.commit()
                conn.close()
                return
        except BaseException:
            transaction.rollback()
            conn.close()
            raise
        self._hand_over(conn, transaction, prepared, index_rows)

    def write_prepared(self, prepared: import_worker.Prepared) -> None:
        """Write a batch the worker prepared; ``StoredBefore`` when its traces are not new after all."""
        now = datetime.now(UTC)
        if prepared.more:  # traces this file wrote before: extended and rebuilt from their stored spans
            self.drain()
            with immediate(self.workspace.engine.connect()) as conn, conn.begin():
                self._write(conn, prepared.more, now)
        if prepared.new is None:
            return
        self.drain()
        conn = immediate(self.workspace.engine.connect())
        transaction = conn.begin()
        try:
            # The worker cannot see the workspace: whether these traces are new is decided here, under the lock.
            if self.redactor.known_numbering(conn, prepared.new.trace_ids):
                raise StoredBefore
            index_rows = self._write_new(conn, prepared.new)
            if index_rows is None:
                raise StoredBefore
        except BaseException:
            transaction.rollback()
            conn.close()
            raise
        self._hand_over(conn, transaction, prepared.new, index_rows)

    def _hand_over(
        self, conn: Connection, transaction: RootTransaction, prepared: NewTraces, index_rows: list[dict[str, Any]]
    ) -> None:
        """Let the indexing thread index (``index_rows``, from ``_write_new``) and commit the batch just written."""
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewdesk-import-indexer")
        self._in_flight_traces = set(prepared.trace_ids)
        self._in_flight = self._thread.submit(index_and_commit, conn, transaction, index_rows)

    def drain(self) -> None:
        """Wait for the batch in flight; its error, if any, is raised here."""
        future, self._in_flight, self._in_flight_traces = self._in_flight, None, set()
        if future is not None:
            future.result()

    def close(self) -> None:
        """Wait for the batch in flight and stop the indexing thread (its error is left to ``drain``)."""
        if self._in_flight is not None:
            wait([self._in_flight])
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None

    def _write_new(self, conn: Connection, prepared: NewTraces) -> list[dict[str, Any]] | None:
        """Write the rows of a prepared batch of new traces; the search index and commit follow.

        Returns what the index needs of the cases (their ids and the words the worker computed,
        taken off the rows, which hold only ``cases`` columns). ``None``, with nothing written, when
        some of the traces are in the workspace after all (stored by another process since the
        batch was prepared).
        """
        if writes.existing_traces(conn, prepared.trace_ids):
            return None
        before = dict(self.summary.redactions)
        self.redactor.store(conn, prepared.redactions, self.summary)
        rowids = writes.insert_traces(conn, prepared.trace_ids, self.import_rowid)
        added = writes.insert_span_rows(conn, prepared.span_rows, rowids, self.import_rowid)
        for trace_id, row in zip(prepared.trace_ids, prepared.case_rows, strict=True):
            row["trace_rowid"] = rowids[trace_id]
        index_rows = search.index_rows(prepared.case_rows)
        for row in prepared.case_rows:
            row.pop(search.WORDS_KEY, None)
        writes.upsert_cases(conn, prepared.case_rows)  # the JSON as the worker encoded it, not decoded again
        counts = {rowids[t]: n for t, n in zip(prepared.trace_ids, prepared.span_counts, strict=True)}
        writes.set_span_counts(conn, counts, self.import_rowid)
        self._count(conn, spans=added, created=len(rowids), completed=0, redactions_before=before)
        return index_rows

    def _write(self, conn: Connection, batch: dict[str, dict[str, RawSpan]], now: datetime) -> None:
        """Write a batch in a transaction begun ``IMMEDIATE``: everything read here stays true until it commits."""
        existing = writes.existing_traces(conn, list(batch))
        # Spans stored before (an interrupted import run again, an overlapping file) are not
        # written again, so they are neither redacted nor counted again: the redaction report
        # counts what is stored.
        stored_ids = writes.stored_span_ids(conn, [rowid for rowid, _ in existing.values()])
        for trace_id, (rowid, _) in existing.items():
            seen = stored_ids.get(rowid, set())
            batch[trace_id] = {sid: span for sid, span in batch[trace_id].items() if sid not in seen}
        batch = {t: spans for t, spans in batch.items() if spans}
        if not batch:
            return
        before = dict(self.summary.redactions)
        batch = self.redactor.redact(conn, batch, self.summary)  # before anything of the batch is written
        trace_ids = list(batch)
        created = writes.insert_traces(conn, [t for t in trace_ids if t not in existing], self.import_rowid)
        rowids = {**{t: rowid for t, (rowid, _) in existing.items()}, **created}
        added = writes.insert_spans(
            conn, [(rowids[t], span) for t in trace_ids for span in batch[t].values()], self.import_rowid
        )
        # Traces seen before need all their stored spans to rebuild the case; new ones are all here.
        stored = writes.load_spans(conn, [existing[t][0] for t in trace_ids if t in existing]) if added else {}
        case_rows = []
        counts: dict[int, int] = {}
        completed = 0
        for trace_id in trace_ids:
            rowid = rowids[trace_id]
            if trace_id in existing:
                spans = stored.get(rowid, [])
                if len(spans) <= existing[trace_id][1]:
                    continue  # nothing new for this trace: its case stays as it is
                completed += 1
            else:
                spans = list(batch[trace_id].values())
            counts[rowid] = len(spans)
            source = self.source
            case = build_case(
                spans, source_format=source.format_name, source_file=source.file_name, prices=source.prices
            )
            case_rows.append(case_columns(case, rowid, now))
        writes.upsert_cases(conn, case_rows)
        search.index_cases(conn, case_rows)
        writes.set_span_counts(conn, counts, self.import_rowid)
        self._count(conn, spans=added, created=len(created), completed=completed, redactions_before=before)

    def _count(
        self, conn: Connection, *, spans: int, created: int, completed: int, redactions_before: dict[str, int]
    ) -> None:
        """Add a batch to the import's running counters and the audit log, in the batch's transaction.

        So whatever a crash leaves of an import, each batch that is in the workspace has its
        audit entry and its counts, and nothing that is not there has one.
        """
        self.summary.spans += spans
        self.summary.traces += created + completed
        self.summary.cases_created += created
        self.summary.cases_updated += completed
        self.batches += 1
        redacted = {
            kind: count - redactions_before.get(kind, 0)
            for kind, count in self.summary.redactions.items()
            if count != redactions_before.get(kind, 0)
        }
        audit.record(
            self.workspace,
            "import",
            self.audited_path,
            {
                "outcome": "batch",
                "import": self.import_rowid,
                "batch": self.batches,
                "format": self.format_name,
                "spans": spans,
                "cases_created": created,
                "cases_updated": completed,
                "redactions": redacted,
            },
            conn=conn,
        )
        storage_imports.set_counts(
            conn,
            self.import_rowid,
            traces=self.summary.traces,
            spans=self.summary.spans,
            cases=self.summary.cases_created,
            skipped=self.summary.skipped,
            at=datetime.now(UTC),
        )


def index_and_commit(conn: Connection, transaction: RootTransaction, case_rows: list[dict[str, Any]]) -> None:
    """On the indexing thread: index a written batch's cases and commit the batch's transaction.

    Both are long calls into SQLite, which runs them without Python's global lock, so they
    overlap with the preparation of the next batch. Many short calls (``executemany`` of rows)
    would not: each waits for the lock, and the thread preparing the next batch holds it (an
    ``executemany`` of the benchmark's rows took 30 to 300 times longer on a second thread; ADR 0006).
    """
    try:
        search.index_cases(conn, case_rows)
        transaction.commit()
    except BaseException:
        transaction.rollback()
        raise
    finally:
        conn.close()
