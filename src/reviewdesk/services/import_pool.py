"""The small files of a folder prepared ahead, by worker processes that stay up for the whole import.

A file below ``import_worker.WORKER_MIN_BYTES`` is not worth starting workers for (about a CPU-second
each), so it is read on the importing thread, one core: a folder of 25 files of 3.3 MB imported at
0.55x the speed of the same traces in one file (bench/README.md). When a folder holds enough such
files in all, ``FilePool`` starts ``import_worker.WORKERS`` workers once and hands them the files in
turns, each a whole file (``Job.shares`` 1), up to ``AHEAD`` files beyond the one being written; the
importing process writes each file's batches in file order, as from a file's own workers, and
everything after that is the same path (``imports._write_batches``): the write lock decides whether
the traces are new, a file continuing stored traces is read again on the importing thread.

Only files the user has are read ahead: an archive member or a ``.gz`` is a scratch copy that the
expansion deletes when it moves on (``importers.bundles``), so the expansion is never advanced
while one is held, and those are read as before.
"""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.domain.prices import PriceBook
from reviewdesk.importers import bundles, registry
from reviewdesk.importers.reviewdesk_jsonl import CaseExportImporter
from reviewdesk.services import cost_estimates, import_worker, redaction
from reviewdesk.services.import_batches import CaseSource
from reviewdesk.services.import_records import file_sha256, imported_before
from reviewdesk.services.workspace import Workspace

Entry = TypeVar("Entry")

AHEAD = import_worker.WORKERS
"""Files handed to the workers beyond the one being written: one waiting per worker."""


@dataclass(slots=True)
class Prefetched:
    """One file handed to a worker; its batches are taken (or dropped) in turn."""

    job: import_worker.Job
    worker: import_worker.Worker
    finished: bool = False
    """All its frames are read: the worker's next job comes next."""
    abandoned: bool = False
    """Cancelled part way: the pool is closed before anything else is read from this worker."""

    def batches(self, cancelled: Callable[[], bool]) -> Iterator[import_worker.Prepared]:
        try:
            yield from self.worker.batches(cancelled)
        except ReviewdeskError:
            self.finished = True  # the file is bad; the worker went on to its next job
            raise
        if cancelled():
            self.abandoned = True
        else:
            self.finished = True

    def discard(self, *, abandon: bool = False) -> None:
        """Read and drop what is left of this file's batches, so the worker's next file comes next;
        with ``abandon`` (a cancelled import, whose pool is closed next) leave them."""
        if self.finished or self.abandoned:
            return
        if abandon:
            self.abandoned = True
            return
        try:
            for _ in self.worker.batches(lambda: False):
                pass
        except (ReviewdeskError, import_worker.WorkerError):
            pass  # a bad file, or a worker gone (the import fails with it): no more frames of it to read
        self.finished = True


class FilePool:
    """``WORKERS`` worker processes for the small files of one import; ``close`` it (also on errors)."""

    def __init__(
        self,
        workspace: Workspace,
        paths: Sequence[Path],
        scratch: Path,
        forced: registry.Format | None,
        *,
        batch_spans: int,
    ) -> None:
        self._workspace = workspace
        self._scratch = scratch
        self._forced = forced
        self._batch_spans = batch_spans
        # Worth it only for enough small files in all: starting the workers costs about a CPU-second each.
        self.wanted = import_worker.available() and _small_plain_bytes(paths) >= import_worker.WORKER_MIN_BYTES
        self._workers: list[import_worker.Worker] = []
        self._turn = 0
        self._handed: dict[bundles.InputFile, Prefetched] = {}
        self._redactor: redaction.BatchRedactor | None = None
        self._source_prices: PriceBook | None = None

    def ahead(
        self, entries: Iterator[Entry], item_of: Callable[[Entry], bundles.InputFile]
    ) -> Generator[Entry, None, None]:
        """``entries`` as they come, the file of each (``item_of``) handed to a worker, where it is a small
        trace file, before it is yielded, with the files of up to ``AHEAD`` entries after it."""
        if not self.wanted:
            yield from entries
            return
        waiting: deque[Entry] = deque()
        while True:
            if not waiting:
                first = next(entries, None)
                if first is None:
                    return
                waiting.append(first)
            current = waiting.popleft()
            # Never past a scratch copy: asking the expansion for the next file deletes the last one it gave.
            while (
                len(waiting) < AHEAD and _users_file(item_of(current)) and all(_users_file(item_of(w)) for w in waiting)
            ):
                following = next(entries, None)
                if following is None:
                    break
                waiting.append(following)
            for entry in (current, *waiting):
                self._hand(item_of(entry))
            yield current

    def take(self, item: bundles.InputFile) -> Prefetched | None:
        """What a worker prepares of ``item``, if it was handed one; the caller reads or discards it."""
        return self._handed.pop(item, None)

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
        self._workers.clear()
        self._handed.clear()

    def _hand(self, item: bundles.InputFile) -> None:
        if item in self._handed or not _users_file(item):
            return
        try:
            size = item.file.stat().st_size if item.file.is_file() else 0
            if not 0 < size < import_worker.WORKER_MIN_BYTES:
                return  # empty (the importer says so), or big enough for workers of its own
            importer = self._forced or registry.detect(item.file, item.name)
        except (OSError, ReviewdeskError):
            return  # read on the importing thread, which names the problem
        if isinstance(importer, CaseExportImporter):
            return  # restored by services.restore
        file_hash = file_sha256(item.file)
        if imported_before(self._workspace, file_hash):
            return  # nothing to prepare: a folder imported again after new files came is mostly this
        redactor, prices = self._import_inputs()
        job = import_worker.Job(
            path=item.file,
            name=item.name,
            file_hash=file_hash,
            importer=importer.name,
            rules=redactor.rules,
            # As ``import_writer.BatchWriter`` makes it: the file name redacted, the workspace's prices.
            source=CaseSource(importer.name, redactor.scrub(item.name), prices),
            batch_spans=self._batch_spans,
            scratch=Path(tempfile.mkdtemp(prefix="batches-", dir=self._scratch)),
        )
        if len(self._workers) < import_worker.WORKERS:
            worker = import_worker.Worker(job)
            self._workers.append(worker)
        else:
            worker = self._workers[self._turn % len(self._workers)]
            worker.submit(job)
        self._turn += 1
        self._handed[item] = Prefetched(job, worker)

    def _import_inputs(self) -> tuple[redaction.BatchRedactor, PriceBook]:
        """The redaction rules and prices in force when the import started (read once)."""
        if self._redactor is None or self._source_prices is None:
            self._redactor = redaction.BatchRedactor(self._workspace, 0)
            with self._workspace.engine.connect() as conn:
                self._source_prices = cost_estimates.load_prices(conn)
        return self._redactor, self._source_prices


def _users_file(item: bundles.InputFile) -> bool:
    """Not a scratch copy (an archive member, a decompressed ``.gz``): the file the user has."""
    return item.file == item.origin


def _small_plain_bytes(paths: Sequence[Path]) -> int:
    """Bytes of the plain files below ``WORKER_MIN_BYTES`` among ``paths`` and in their directories."""
    total = 0
    for path in paths:
        try:
            files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
            for file in files:
                size = file.stat().st_size
                if size < import_worker.WORKER_MIN_BYTES and bundles.kind_of(file) == "file":
                    total += size
        except OSError:
            continue
    return total
