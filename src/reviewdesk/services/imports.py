"""Importing files: detect → route → (trace files) parse → merge by trace → batch write → rebuild cases.

``import_files`` is the one entry point (CLI, window, drag-and-drop, ``demo``): it detects each
file's format and sends a reviewdesk JSONL export to ``services.restore``, every trace file
through the rest of this module.

Each batch is one transaction holding its spans, the cases of every trace it touched, and the
import's running counters, so a crash leaves the workspace at the end of the last whole batch
and re-running the import completes it. Re-importing a file whose content was already imported
in full is a no-op; a trace that arrives again with more spans gets them added and its case
rebuilt from all its spans (the case keeps its row, and so its labels). A batch of new traces is
indexed and committed on a second thread while the next one is prepared (ADR 0006).
"""

from __future__ import annotations

import copy
import gc
import tempfile
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import FormatError, RecordError, ReviewdeskError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.files import import_scratch
from reviewdesk.importers import bundles, registry
from reviewdesk.importers.base import Importer, ReadContext
from reviewdesk.importers.reviewdesk_jsonl import CaseExportImporter
from reviewdesk.normalize import build_case
from reviewdesk.progress import NullProgress, Progress
from reviewdesk.services import audit, cost_estimates, import_pool, import_worker, redaction, restore
from reviewdesk.services.import_batches import CaseSource, NewTraces, TraceBuffer, prepare_new
from reviewdesk.services.import_records import (
    ImportResult,
    ImportSummary,
    RestoreSummary,
    begin_import,
    file_sha256,
    finish_import,
    record_skipped,
)
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import imports as storage_imports
from reviewdesk.storage import search, writes
from reviewdesk.storage.engine import holding_writes, immediate
from reviewdesk.storage.handles import Connection, RootTransaction
from reviewdesk.storage.rows import case_columns

BATCH_SPANS = 5000

__all__ = ["BATCH_SPANS", "ImportResult", "ImportSummary", "RestoreSummary", "import_files"]


def _worker_batch_spans() -> int:
    """Half batches from each of two workers: the batches prepared and in flight take the memory one
    worker's took (each transaction holds half as many spans; ADR 0013)."""
    return max(BATCH_SPANS // import_worker.WORKERS, 1)


def import_files(
    workspace: Workspace,
    files: Sequence[Path],
    *,
    format_name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import each file, whatever it holds: the one entry point of the CLI, the window and ``demo``.

    Each file's format is detected from its content (or is ``format_name``): trace files are
    read into spans and their cases built here; a reviewdesk JSONL export is restored, cases
    and labels, by ``services.restore``. A file that fails whole does not stop the others.
    """
    progress = progress or NullProgress()
    forced = registry.get_importer(format_name) if format_name else None
    summaries: list[ImportSummary] = []
    left_out: list[bundles.LeftOut] = []
    progress.set_total(bundles.total_size(files) or None)
    # An import allocates millions of small acyclic objects (parsed JSON, spans); the cyclic
    # garbage collector would walk the whole batch held in memory again and again (15-20% of
    # the import's CPU). Reference counting frees them anyway, so pause it for the import.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # A window waiting for the write lock can then say who holds it.
        with (
            holding_writes(workspace.path, "reviewdesk import"),
            import_scratch() as scratch,
        ):
            pool = import_pool.FilePool(workspace, files, scratch, forced, batch_spans=_worker_batch_spans())
            try:
                summaries, left_out = _import_all(workspace, files, scratch, forced, progress, pool=pool)
            finally:
                pool.close()
    finally:
        if collecting:
            gc.enable()
    return ImportResult(files=summaries, changes=_changes(summaries), left_out=left_out)


def _import_all(
    workspace: Workspace,
    files: Sequence[Path],
    scratch: Path,
    forced: registry.Format | None,
    progress: Progress,
    *,
    pool: import_pool.FilePool,
) -> tuple[list[ImportSummary], list[bundles.LeftOut]]:
    """Import what each given path holds, in order: a file, or every trace file of a directory, ``.zip``
    or ``.gz``. The files of all of them come in one stream, so the pool reads ahead across them.

    Members passed over are left out when others of their path were imported; when none was, the
    path fails with them named.
    """
    refusal = registry.refusal if forced is None else (lambda _: None)
    expansions: dict[int, bundles.Expansion] = {}
    stream = pool.ahead(_expanded(files, scratch, refusal, expansions), item_of=lambda entry: entry[1])
    summaries: list[ImportSummary] = []
    left_out: list[bundles.LeftOut] = []
    try:
        pending = next(stream, None)
        for index, path in enumerate(files):
            if progress.cancel_requested():
                break
            if not path.exists():
                summaries.append(_failed(workspace, path, f"{path}: no such file"))
                continue
            mine: list[ImportSummary] = []
            while pending is not None and pending[0] == index and not progress.cancel_requested():
                item = pending[1]
                mine.append(_import_file(workspace, item, scratch, forced, progress, prefetched=pool.take(item)))
                progress.advance(0)
                pending = next(stream, None)
            expansion = expansions.get(index, bundles.Expansion())
            if not mine and not progress.cancel_requested():
                looked_at = ", ".join(f"{o.name} ({o.reason})" for o in expansion.left_out[:5])
                more = f" and {len(expansion.left_out) - 5} more" if len(expansion.left_out) > 5 else ""
                detail = f"; left out: {looked_at}{more}" if looked_at else " (it is empty)"
                mine.append(_failed(workspace, path, f"{path.name}: no trace files in it{detail}"))
            elif mine:
                left_out += expansion.left_out
            summaries += mine
    finally:
        stream.close()
    return summaries, left_out


def _expanded(
    files: Sequence[Path],
    scratch: Path,
    refusal: Callable[[Path], str | None],
    expansions: dict[int, bundles.Expansion],
) -> Iterator[tuple[int, bundles.InputFile]]:
    """The plain files of every given path that exists, with the path's position (``bundles.expand``)."""
    for index, path in enumerate(files):
        if not path.exists():
            continue
        expansion = expansions[index] = bundles.Expansion()
        for item in bundles.expand([path], scratch, expansion, refusal):
            yield index, item


def _failed(workspace: Workspace, path: Path, reason: str) -> ImportSummary:
    summary = ImportSummary(path=path, failed=reason)
    audit.record_import(workspace, summary)
    return summary


def _import_file(
    workspace: Workspace,
    item: bundles.InputFile,
    scratch: Path,
    forced: registry.Format | None,
    progress: Progress,
    *,
    prefetched: import_pool.Prefetched | None = None,
) -> ImportSummary:
    """Detect, route and import one plain file; its summary says what happened, failure included.

    ``prefetched``: a worker prepares the file already (``services.import_pool``).
    """
    summary = ImportSummary(path=item.origin, name=item.name)
    try:
        if not item.file.is_file():
            raise FormatError(f"{item.name}: not a file")
        importer = forced or registry.detect(item.file, item.name)
        if isinstance(importer, CaseExportImporter):
            summary = RestoreSummary(path=item.origin, name=item.name, format=importer.name)
            restore.restore_one(workspace, item.file, summary, progress)
        else:
            _import_one(workspace, item.file, importer, summary, progress, scratch=scratch, prefetched=prefetched)
    except ReviewdeskError as exc:
        summary.failed = str(exc)
    finally:
        if prefetched is not None:
            # What was not written (already imported, stored before) is read and dropped, so the worker's
            # next file comes next; after a cancel the pool is closed instead.
            prefetched.discard(abandon=progress.cancel_requested())
    if not summary.audited:  # refused before it began (no such file, already imported)
        audit.record_import(workspace, summary)
    return summary


def _changes(summaries: list[ImportSummary]) -> Changes:
    restored = [s for s in summaries if isinstance(s, RestoreSummary)]
    labels = any(s.labels_restored for s in restored)
    changed = any(s.spans or s.cases_created or s.cases_updated for s in summaries)
    return Changes(cases=changed or labels, traces=changed, labels=labels, imports=bool(summaries))


def _import_one(
    workspace: Workspace,
    path: Path,
    importer: Importer,
    summary: ImportSummary,
    progress: Progress,
    *,
    scratch: Path,
    prefetched: import_pool.Prefetched | None = None,
) -> None:
    """Read ``path`` (the file, or its scratch copy) with ``importer`` into the workspace."""
    summary.format = importer.name
    progress.set_status(f"Importing {summary.name}")
    file_hash = prefetched.job.file_hash if prefetched is not None else file_sha256(path)
    size = path.stat().st_size

    import_rowid = begin_import(
        workspace, summary.path, format_name=importer.name, file_hash=file_hash, size=size, name=summary.name
    )
    if import_rowid is None:
        summary.already_imported = True
        progress.advance(size)
        return

    writer = _BatchWriter(workspace, import_rowid, importer.name, summary.name, summary)
    report = record_skipped(summary, writer.redactor.scrub)
    context = ReadContext(path=path, file_hash=file_hash, report=report, name=summary.name)
    done_bytes = 0
    status = "done"
    try:
        read = False
        batches: Iterator[import_worker.Prepared] | None = None
        if prefetched is not None:
            batches = prefetched.batches(progress.cancel_requested)
        elif size >= import_worker.WORKER_MIN_BYTES and import_worker.available():
            job = import_worker.Job(
                path=path,
                name=summary.name,
                file_hash=file_hash,
                importer=importer.name,
                rules=writer.redactor.rules,
                source=writer.source,
                batch_spans=_worker_batch_spans(),
                scratch=Path(tempfile.mkdtemp(prefix="batches-", dir=scratch)),
            )
            batches = _from_workers(job, progress)
        if batches is not None:
            try:
                done_bytes = _write_batches(writer, batches, report, progress)
                read = True
            except _StoredBefore as stored:
                done_bytes = stored.done_bytes  # progress goes on from there, not from 0
                # Traces stored before: read the file again here, where they are extended (the
                # batches committed so far are skipped as stored); the skipped records again too.
                summary.skipped = 0
                summary.errors.clear()
        if not read:
            done_bytes = _read_here(writer, importer, context, progress, done_bytes)
        writer.drain()
        if summary.cancelled:
            status = "cancelled"
    except ReviewdeskError as exc:
        status = "failed"
        summary.failed = str(exc)
    except BaseException:
        # Not "done": that would make a re-import skip the file as imported in full.
        status = "failed"
        raise
    finally:
        writer.close()  # a batch in flight is written (or not) whole before the import is closed
        progress.advance(max(size - done_bytes, 0))
        finish_import(workspace, import_rowid, status=status, summary=summary)
    if (
        summary.failed is None
        and summary.spans == 0
        and summary.traces == 0
        and summary.skipped
        and not summary.cancelled
    ):
        summary.failed = f"{summary.name}: no valid spans found ({summary.skipped} records skipped)"


def _read_here(
    writer: _BatchWriter, importer: Importer, context: ReadContext, progress: Progress, done_bytes: int
) -> int:
    """Read the file on this thread, preparing each batch before the indexing thread takes it; bytes read."""
    for chunk in importer.read(context):
        writer.buffer.add(chunk.spans)
        progress.advance(max(chunk.offset - done_bytes, 0))
        done_bytes = max(done_bytes, chunk.offset)
        if writer.buffer.ready >= BATCH_SPANS:
            writer.flush()
            if progress.cancel_requested():
                writer.summary.cancelled = True
                return done_bytes
    writer.flush(everything=True)
    return done_bytes


class _StoredBefore(Exception):
    """A batch from the worker holds traces the workspace already has (nothing of it was written)."""

    done_bytes = 0
    """Bytes the import had reported done when it stopped the worker."""


def _from_workers(job: import_worker.Job, progress: Progress) -> Iterator[import_worker.Prepared]:
    """The batches of a file read by workers of its own, which are stopped when it ends (or is left)."""
    workers = import_worker.Workers(job)
    try:
        yield from workers.batches(progress.cancel_requested)
    finally:
        workers.close()


def _write_batches(
    writer: _BatchWriter,
    batches: Iterator[import_worker.Prepared],
    report: Callable[[RecordError], None],
    progress: Progress,
) -> int:
    """Write the batches worker processes prepare, while they prepare the next ones; bytes read."""
    done_bytes = 0
    try:
        for prepared in batches:
            for error in prepared.skipped:
                report(error)
            try:
                writer.write_prepared(prepared)
            except _StoredBefore as stored:
                stored.done_bytes = done_bytes
                raise
            progress.advance(max(prepared.offset - done_bytes, 0))
            done_bytes = max(done_bytes, prepared.offset)
            del prepared  # written: not kept while the next batch is read
            if progress.cancel_requested():
                break
        if progress.cancel_requested():
            writer.summary.cancelled = True
    finally:
        if isinstance(batches, Generator):
            batches.close()  # a file's own workers are stopped now, not when the generator is collected
    return done_bytes


class _BatchWriter:
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
        """Write a batch the worker prepared; ``_StoredBefore`` when its traces are not new after all."""
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
                raise _StoredBefore
            index_rows = self._write_new(conn, prepared.new)
            if index_rows is None:
                raise _StoredBefore
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
        self._in_flight = self._thread.submit(_index_and_commit, conn, transaction, index_rows)

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


def _index_and_commit(conn: Connection, transaction: RootTransaction, case_rows: list[dict[str, Any]]) -> None:
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
