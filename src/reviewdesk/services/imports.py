"""Importing files: detect → route → (trace files) parse → merge by trace → batch write → rebuild cases.

``import_files`` is the one entry point (CLI, window, drag-and-drop, ``demo``): it detects each
file's format and sends a reviewdesk JSONL export to ``services.restore``, every trace file
through the rest of this module.

Each batch is one transaction holding its spans, the cases of every trace it touched, and the
import's running counters, so a crash leaves the workspace at the end of the last whole batch
and re-running the import completes it. Re-importing a file whose content was already imported
in full is a no-op; a trace that arrives again with more spans gets them added and its case
rebuilt from all its spans (the case keeps its row, and so its labels). The batches are written
by ``services.import_writer``; a big file, or a folder of small ones, is prepared by worker
processes (``import_worker``, ``import_pool``).
"""

from __future__ import annotations

import gc
import tempfile
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path

from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import FormatError, RecordError, ReviewdeskError
from reviewdesk.files import import_scratch
from reviewdesk.importers import bundles, registry
from reviewdesk.importers.base import Importer, ReadContext
from reviewdesk.importers.reviewdesk_jsonl import CaseExportImporter
from reviewdesk.progress import NullProgress, Progress
from reviewdesk.services import audit, import_pool, import_worker, restore
from reviewdesk.services.import_records import (
    ImportResult,
    ImportSummary,
    RestoreSummary,
    begin_import,
    file_sha256,
    finish_import,
    record_skipped,
)
from reviewdesk.services.import_writer import BatchWriter, StoredBefore
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage.engine import holding_writes

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

    writer = BatchWriter(workspace, import_rowid, importer.name, summary.name, summary)
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
            except StoredBefore as stored:
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
    writer: BatchWriter, importer: Importer, context: ReadContext, progress: Progress, done_bytes: int
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


def _from_workers(job: import_worker.Job, progress: Progress) -> Iterator[import_worker.Prepared]:
    """The batches of a file read by workers of its own, which are stopped when it ends (or is left)."""
    workers = import_worker.Workers(job)
    try:
        yield from workers.batches(progress.cancel_requested)
    finally:
        workers.close()


def _write_batches(
    writer: BatchWriter,
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
            except StoredBefore as stored:
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
