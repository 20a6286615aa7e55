"""Preparing an import's batches in a worker process while the importing process writes them.

Preparing a batch (parsing, redaction, case rules, encoding the rows) is pure Python and takes
about three quarters of an import's CPU; writing it is SQLite. One process cannot do both at
once (the GIL: ADR 0006), so a large file is read by a worker process that prepares its batches
(``services.import_batches``) and sends them, as plain rows, through a bounded queue to the
importing process, which writes each batch in one transaction as before (ADR 0013).

* The worker never opens the workspace. It treats every trace as new to it; the importing
  process checks that under the write lock, and if a trace is stored after all (a re-import
  after a crash, a file continuing another's traces, another import at the same time) it stops
  the worker and reads the file again on its own thread, where stored traces are extended and
  rebuilt (``import_writer.BatchWriter``); spans already stored are skipped there.
* The worker is a new interpreter (``python -c …import_worker import serve; serve()``), not a fork:
  the window runs imports beside Qt's threads, and a forked copy of a process with threads may
  hold a lock no thread will release. Not ``multiprocessing``'s spawn either: it runs the
  parent's main module again in the child (``python -m reviewdesk`` would start the CLI there).
* A worker reads jobs until stdin closes: a big file's workers take one job each, the workers of a
  folder of small files (``services.import_pool``, ADR 0015) one file after another.
* At most ``QUEUE_BATCHES`` prepared batches wait (in scratch files, read once and deleted), so
  memory does not grow with the file when the writes are slower than the preparation.
* A bad file fails as it does on one thread: the worker sends the ``ReviewdeskError`` (file and
  record in its message) and the importer raises it, after the batches before it were committed
  whole. Any other error comes back with the worker's traceback.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from reviewdesk.domain.errors import RecordError, ReviewdeskError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers import registry
from reviewdesk.importers.base import KeyedLines, ReadContext
from reviewdesk.importers.reviewdesk_jsonl import CaseExportImporter
from reviewdesk.services import import_plan, redaction
from reviewdesk.services.import_batches import Batch, CaseSource, NewTraces, TraceBuffer, prepare_new

WORKER_MIN_BYTES = 24_000_000
"""Files from this size on are prepared in a worker process; starting one (a new interpreter
importing reviewdesk) costs about half a second, more than it saves on a file of one batch."""
QUEUE_BATCHES = 2
"""Prepared batches of one worker waiting to be written (about 25 MB each for the benchmark's spans)."""
WORKERS = 2
"""Worker processes of one file, preparing alternate batches: on two cores preparing is still about
twice the writing, so one worker kept the importing process waiting about half the time."""
_POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class Job:
    """What the worker needs to read one file (plain values: it is pickled to the worker)."""

    path: Path
    name: str
    file_hash: str
    importer: str
    rules: redaction.RedactionRules
    source: CaseSource
    batch_spans: int
    scratch: Path
    """Where the worker leaves each prepared batch for the importing process to read (then delete)."""
    share: int = 0
    shares: int = 1
    """This worker prepares the batches whose number modulo ``shares`` is ``share`` (``WORKERS``)."""
    shared: Path | None = None
    """Where the workers of one file hand each other the reading (``import_plan.Baton``)."""


@dataclass(slots=True)
class Prepared:
    """One batch from the worker."""

    offset: int
    """Bytes of the file read once this batch was taken."""
    new: NewTraces | None
    """Traces this file has not written before, redacted and built, as rows."""
    more: Batch = field(default_factory=dict)
    """Spans of traces an earlier batch of this file wrote (carried past ``HOLD_SPANS``): as read,
    for the importing process to redact with their stored numbering and rebuild from all their spans."""
    skipped: list[RecordError] = field(default_factory=list)
    """Records skipped while reading this batch."""


def prepare_file(job: Job, emit: Callable[[Prepared], None], relay: Relay | None = None) -> None:
    """Read ``job``'s file and ``emit`` its share of the batches in order (nothing touches the workspace).

    Every worker of a file cuts it into the same batches as one would, and prepares and emits only
    its share: redaction and case rules, nine tenths of the work, are spread over the workers, and
    each trace stays whole in one batch. JSON lines are read in turns (``relay``: each line parsed
    once, ``_prepare_planned``); other formats are read whole by every worker (the cut depends
    only on what was read).
    """
    redactor = redaction.BatchRedactor(None, 0, rules=job.rules)
    importer = registry.get_importer(job.importer)
    assert not isinstance(importer, CaseExportImporter)  # restored by services.restore, never here
    skipped: list[RecordError] = []
    context = ReadContext(path=job.path, file_hash=job.file_hash, report=skipped.append, name=job.name)
    if isinstance(importer, KeyedLines):
        _prepare_planned(job, importer, context, redactor, emit=emit, relay=relay)
        return
    buffer = TraceBuffer(redactor.redact_ids)
    written: set[str] = set()
    offset = 0
    number = 0

    def send(*, everything: bool) -> None:
        nonlocal number
        taken = buffer.take(everything=everything)
        new = {t: spans for t, spans in taken.items() if t not in written}
        more = {t: spans for t, spans in taken.items() if t in written}
        written.update(new)
        del taken  # ``prepare_new`` frees each trace's spans as it is done: no other reference may keep them
        ours, number = number % job.shares == job.share, number + 1
        if ours:  # the records skipped since the batch before, whichever worker prepared it
            built = prepare_new(new, redactor, job.source, datetime.now(UTC)) if new else None
            emit(Prepared(offset=offset, new=built, more=more, skipped=skipped[:]))
        skipped.clear()

    for chunk in importer.read(context):
        buffer.add(chunk.spans)
        offset = chunk.offset
        if buffer.ready >= job.batch_spans:
            send(everything=False)
    send(everything=True)


class Relay(Protocol):
    """How the workers of a file hand each other the reading of the next batch (``import_plan.Baton``)."""

    def pass_on(self, baton: import_plan.Baton) -> None: ...

    def wait(self, number: int) -> import_plan.Baton: ...


def _prepare_planned(
    job: Job,
    importer: KeyedLines,
    context: ReadContext,
    redactor: redaction.BatchRedactor,
    *,
    emit: Callable[[Prepared], None],
    relay: Relay | None,
) -> None:
    """``prepare_file`` for JSON lines read in turns (``services.import_plan``): each line is parsed and decoded once.

    The reader of a batch cuts it, hands the next batch's reading to the next worker (a
    ``Baton``: where to go on and the traces held over), then prepares its batch; so reading, a
    tenth of the work, goes round the workers while each prepares, and nobody parses a line twice.
    """
    if job.shares > 1 and relay is None:
        raise ValueError("workers sharing a file need a relay to hand each other the reading")
    written: set[str] = set()  # every trace of the batches before: one carried past HOLD_SPANS is not new
    decoded: dict[int, list[RawSpan]] = {}
    baton = import_plan.Baton(number=0) if job.share == 0 else _wait(relay, job.share)
    while baton.end is None:
        for traces in baton.recent:
            written.update(traces)
        cut, following, decoded = import_plan.read_batch(
            importer, context, baton, batch_spans=job.batch_spans, redactor=redactor, decoded=decoded
        )
        before = {t for t in cut.traces if t in written}
        written.update(cut.traces)
        following.recent = following.recent[-(job.shares - 1) :] if job.shares > 1 else []
        if job.shares > 1:
            assert relay is not None
            relay.pass_on(following)  # the next worker reads on while this one prepares
            decoded = {}  # the held lines are read again by whoever cuts their traces
        taken = import_plan.read_cut(importer, context, cut, redactor)
        new = {t: spans for t, spans in taken.items() if t not in before}
        more = {t: spans for t, spans in taken.items() if t in before}
        skipped = cut.skipped
        del taken, cut  # ``prepare_new`` frees each trace's spans as it is done: no other reference may keep them
        built = prepare_new(new, redactor, job.source, datetime.now(UTC)) if new else None
        emit(Prepared(offset=following.offset, new=built, more=more, skipped=skipped))
        del built, more  # sent: not kept while the next batch is read and prepared
        if following.end is not None:
            return  # the file's last batch; the next worker was told
        baton = following if job.shares == 1 else _wait(relay, baton.number + job.shares)
    # The file ended in another worker's batch: tell the ones after this one, up to the last that waits.
    if relay is not None and baton.number + 1 < baton.end + job.shares:
        relay.pass_on(replace(baton, number=baton.number + 1, held={}, lines={}, recent=[]))


def _wait(relay: Relay | None, number: int) -> import_plan.Baton:
    assert relay is not None
    return relay.wait(number)


def serve() -> None:
    """The worker process (``python -c …import_worker import serve; serve()``): jobs on stdin, frames out.

    It reads one job after another (``_JOB`` and the pickled ``Job``) until stdin closes, so one
    process can prepare the files of a whole folder (``services.import_pool``). For each job,
    each frame on stdout is a pickled ``(kind, value)`` after its length: ``batch`` (the file
    holding a pickled ``Prepared``: a batch is tens of MB, and through a 64 kB pipe it would
    take hundreds of switches between the processes, each a wait on a loaded machine), then
    ``done``; or ``error`` (a ``ReviewdeskError``: that file is bad, the next job is read) instead.
    ``crash`` (a traceback) ends the process. The importing process sends one byte on stdin for
    each batch it has taken: no more than ``QUEUE_BATCHES`` wait for it, whichever job they are of.
    """
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a stray print must not corrupt the frames
    gc.disable()  # as in the importing process: millions of acyclic objects (imports.import_files)
    commands = _Commands(sys.stdin.buffer)
    sent = 0

    def send(kind: str, value: object) -> None:
        payload = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_HEADER.pack(len(payload)) + payload)
        out.flush()

    def send_batch(prepared: Prepared, scratch: Path) -> None:
        nonlocal sent
        commands.wait_taken(sent)
        path = scratch / f"batch-{sent}.pickle"
        with path.open("wb") as handle:
            pickle.dump(prepared, handle, protocol=pickle.HIGHEST_PROTOCOL)
        sent += 1
        send("batch", path)

    try:
        while (job := commands.next_job()) is not None:
            relay = _FileRelay(job.shared or job.scratch, commands, send) if job.shares > 1 else None
            try:
                prepare_file(job, functools.partial(send_batch, scratch=job.scratch), relay)
            except ReviewdeskError as exc:
                send("error", exc)
                continue
            send("done", None)
    except BrokenPipeError:
        pass  # the importing process stopped reading (cancelled, failed): nothing to tell it
    except BaseException:
        send("crash", traceback.format_exc())
    finally:
        with contextlib.suppress(BrokenPipeError):
            out.close()


_HEADER = struct.Struct("!Q")
_TAKEN = b"."
"""On a worker's stdin: one of its batches was taken."""
_BATON = b"t"
"""On a worker's stdin: the baton for its next batch is waiting in the shared scratch directory."""
_JOB = b"j"
"""On a worker's stdin: a pickled ``Job`` follows."""


class _Commands:
    """The worker's stdin: one byte per batch taken (``_TAKEN``) or baton handed over (``_BATON``), in any order."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.taken = self.batons = 0
        self.jobs: list[Job] = []  # sent ahead, while the one before is prepared

    def _read(self) -> None:
        byte = self.stream.read(1)
        if not byte:
            raise BrokenPipeError("the importing process is gone")
        if byte == _BATON:
            self.batons += 1
        elif byte == _JOB:
            self.jobs.append(pickle.load(self.stream))
        else:
            self.taken += 1

    def next_job(self) -> Job | None:
        """The next job; ``None`` once the importing process has closed stdin (no more files)."""
        try:
            while not self.jobs:
                self._read()
        except BrokenPipeError:
            return None
        return self.jobs.pop(0)

    def wait_taken(self, sent: int) -> None:
        """Until fewer than ``QUEUE_BATCHES`` of the ``sent`` batches wait."""
        while sent - self.taken >= QUEUE_BATCHES:
            self._read()

    def wait_baton(self) -> None:
        while not self.batons:
            self._read()
        self.batons -= 1


class _FileRelay:
    """Batons through the import's shared scratch directory: a file each, and a frame telling the importing
    process, which tells the next worker (``Workers``). Through pipes a large baton (a long trace held
    over) could block the worker that hands it over until the next one, busy preparing, reads it."""

    def __init__(self, shared: Path, commands: _Commands, send: Callable[[str, object], None]) -> None:
        self._shared, self._commands, self._send = shared, commands, send

    def pass_on(self, baton: import_plan.Baton) -> None:
        path = self._shared / f"baton-{baton.number}.pickle"
        with path.open("wb") as handle:
            pickle.dump(baton, handle, protocol=pickle.HIGHEST_PROTOCOL)
        self._send("baton", baton.number)

    def wait(self, number: int) -> import_plan.Baton:
        self._commands.wait_baton()
        path = self._shared / f"baton-{number}.pickle"
        with path.open("rb") as handle:
            baton: import_plan.Baton = pickle.load(handle)
        path.unlink()
        return baton


class WorkerError(RuntimeError):
    """The worker process failed for a reason that is not the file's (a bug, killed, out of memory)."""


def available() -> bool:
    """Whether a worker is worth starting: two cores to run on (on one it only adds the pickling,
    measured 0.88x the speed), and not a frozen bundle, whose executable is the app, not Python."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores >= 2 and not getattr(sys, "frozen", False)


class Worker:
    """One worker process reading one file; iterate ``batches`` and ``close`` it (also on errors).

    A thread reads the worker's frames, so that the importing thread can check for cancellation
    while it waits.
    """

    def __init__(self, job: Job, on_baton: Callable[[int], None] | None = None) -> None:
        self._on_baton = on_baton
        self._writing = threading.Lock()  # acknowledgements (importing thread) and batons (readers) share stdin
        self._process = subprocess.Popen(
            # Not ``-m``: the classes sent back must be this module's, not ``__main__``'s. ``-P``:
            # the current directory (the user's) is not put first on the worker's module path.
            [sys.executable, "-P", "-c", "from reviewdesk.services.import_worker import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._commands = self._process.stdin
        self._out = self._process.stdout
        self._frames: queue.Queue[bytes | None] = queue.Queue()  # small: file names, at most QUEUE_BATCHES
        self.submit(job)
        self._reader = threading.Thread(target=self._read_frames, name="reviewdesk-import-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._process.pid

    def submit(self, job: Job) -> None:
        """Give the worker another file, prepared once the ones before it are; ``batches`` yields it in turn."""
        # A worker that is gone says so when its batches are asked for (``WorkerError``).
        with self._writing, contextlib.suppress(BrokenPipeError, ValueError):
            self._commands.write(_JOB + pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            self._commands.flush()

    def _read_frames(self) -> None:
        try:
            while True:
                header = self._out.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    break
                (size,) = _HEADER.unpack(header)
                payload = self._out.read(size)
                if len(payload) < size:
                    break
                if self._on_baton is not None and size < 64 and pickle.loads(payload)[0] == "baton":
                    self._on_baton(pickle.loads(payload)[1])  # at once: the next worker waits for it
                    continue
                self._frames.put(payload)
        finally:
            self._frames.put(None)

    def batches(self, cancelled: Callable[[], bool]) -> Iterator[Prepared]:
        """The batches of the worker's next job in file order; stops early when ``cancelled()`` (then ``close``).

        Raises the job's ``ReviewdeskError`` (a bad file: the worker goes on to its next job).
        """
        while True:
            try:
                payload = self._frames.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                if cancelled():
                    return
                continue
            if payload is None:
                code = self._process.wait()
                raise WorkerError(f"the import's worker process ended unexpectedly (exit code {code})")
            kind, value = pickle.loads(payload)
            if kind == "batch":
                with value.open("rb") as handle:
                    prepared: Prepared | None = pickle.load(handle)
                value.unlink()
                # Taken: the worker may prepare one more. One that has sent all its batches may be
                # gone already (with several workers, it finishes before the others' turns are over).
                self.tell(_TAKEN)
                yield prepared  # type: ignore[misc]
                prepared = None  # not kept while the next one is read: one batch in memory, not two
            elif kind == "done":
                return
            elif kind == "error":
                raise value
            else:
                raise WorkerError(f"the import's worker process failed:\n{value}")

    def tell(self, byte: bytes) -> None:
        """Send the worker one command byte; one that has ended (all its batches sent) is not an error."""
        with self._writing, contextlib.suppress(BrokenPipeError, ValueError):
            self._commands.write(byte)
            self._commands.flush()

    def close(self) -> None:
        """Stop the worker (it holds nothing of the workspace, so stopping it loses nothing) and wait for it."""
        if self._process.poll() is None:
            self._process.terminate()
        self._process.wait(timeout=30)
        self._reader.join(timeout=30)
        for handle in (self._out, self._commands):
            with contextlib.suppress(BrokenPipeError):
                handle.close()


class Workers:
    """``WORKERS`` worker processes reading one file, each preparing its share of the batches (``Job.share``).

    Their batches are taken in turn, so they come in file order as from one worker, and each is
    written whole in one transaction as before; a worker's error surfaces when its turn comes,
    after the batches before it (``batches``). ``close`` them, also on errors.
    """

    def __init__(self, job: Job, count: int | None = None) -> None:
        count = count or WORKERS
        self._workers: list[Worker] = []
        self._count = count
        self._starting = threading.Lock()
        self._early: list[int] = []  # batons for workers not started yet
        try:
            for share in range(count):
                scratch = job.scratch / f"worker-{share}"  # each numbers its batch files from 0
                scratch.mkdir()
                shared = replace(job, scratch=scratch, share=share, shares=count, shared=job.scratch)
                worker = Worker(shared, self._hand)
                with self._starting:
                    self._workers.append(worker)
                    early, self._early = [s for s in self._early if s == share], [s for s in self._early if s != share]
                for _ in early:
                    worker.tell(_BATON)
        except BaseException:
            self.close()
            raise

    @property
    def pids(self) -> list[int]:
        return [worker.pid for worker in self._workers]

    def _hand(self, number: int) -> None:
        """On a worker's reader thread: the baton of batch ``number`` is ready; tell the worker that reads it."""
        share = number % self._count
        with self._starting:
            if share >= len(self._workers):
                self._early.append(share)
                return
        self._workers[share].tell(_BATON)

    def batches(self, cancelled: Callable[[], bool]) -> Iterator[Prepared]:
        """Every batch of the file in order; stops early when ``cancelled()`` (then ``close``)."""
        streams = [worker.batches(cancelled) for worker in self._workers]
        for number in itertools.count():
            prepared = next(streams[number % len(streams)], None)
            if prepared is None:  # done (the others have no batch after it), or cancelled
                return
            yield prepared
            prepared = None  # not kept while the next one is read

    def close(self) -> None:
        for worker in self._workers:
            worker.close()
