"""One helper for all background work: ``TaskRunner.op(fn)…run()``.

The function runs on a worker thread and must not touch widgets; its result or exception comes
back to the GUI thread through a queued signal, where the success or failure callback runs.
Writes go to a single-thread executor, so SQLite sees one writer at a time and writes happen in
the order they were asked for; reads (counts, facets) go to a small pool and may overlap.

Long work receives a ``Progress`` (``reviewdesk.progress``). ``with_progress`` attaches a progress
dialog that appears only if the work is still running after ``SHOW_DELAY_MS`` — short operations
never flash a dialog — and whose Cancel button makes ``cancel_requested()`` return true.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from reviewdesk.progress import Progress

log = logging.getLogger(__name__)

T = TypeVar("T")
SHOW_DELAY_MS = 500
POLL_MS = 100


class QtProgress:
    """A thread-safe ``Progress``: the worker writes, the GUI thread polls ``snapshot``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._total: int | None = None
        self._done = 0
        self._status = ""
        self._cancelled = threading.Event()

    def set_total(self, total: int | None) -> None:
        with self._lock:
            self._total = total

    def advance(self, amount: int) -> None:
        with self._lock:
            self._done += amount

    def set_status(self, text: str) -> None:
        with self._lock:
            self._status = text

    def cancel_requested(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def snapshot(self) -> tuple[int | None, int, str]:
        with self._lock:
            return self._total, self._done, self._status


@dataclass(slots=True)
class _Outcome:
    op: Op[Any]
    ok: bool
    value: Any
    details: str


class Op(Generic[T]):
    """A pending operation; configure it fluently, then ``run()``."""

    def __init__(self, runner: TaskRunner, fn: Callable[[Progress], T], *, write: bool) -> None:
        self._runner = runner
        self.fn = fn
        self.write = write
        self.on_success: Callable[[T], None] | None = None
        self.on_failure: Callable[[BaseException, str], None] | None = None
        self.on_status: Callable[[str], None] | None = None
        self._last_status = ""
        self.progress = QtProgress()
        self._title: str | None = None
        self._parent: QWidget | None = None
        self._dialog: QProgressDialog | None = None
        self._timer: QTimer | None = None
        self._started = 0.0

    def success(self, callback: Callable[[T], None]) -> Op[T]:
        self.on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException, str], None]) -> Op[T]:
        """``callback(exc, formatted_traceback)`` on the GUI thread."""
        self.on_failure = callback
        return self

    def status(self, callback: Callable[[str], None]) -> Op[T]:
        """``callback(text)`` on the GUI thread whenever the op's status text changes (no dialog)."""
        self.on_status = callback
        return self

    def with_progress(self, title: str, parent: QWidget | None) -> Op[T]:
        self._title = title
        self._parent = parent
        return self

    def run(self) -> None:
        self._started = time.monotonic()
        if self._title is not None or self.on_status is not None:
            self._timer = QTimer()
            self._timer.setInterval(POLL_MS)
            self._timer.timeout.connect(self._poll)
            self._timer.start()
        self._runner.submit(self)

    # GUI thread only from here on.
    def _poll(self) -> None:
        if self.on_status is not None:
            status = self.progress.snapshot()[2]
            if status != self._last_status:
                self._last_status = status
                self.on_status(status)
        if self._title is None:
            return
        if self._dialog is None:
            if (time.monotonic() - self._started) * 1000 < SHOW_DELAY_MS:
                return
            self._dialog = QProgressDialog(self._title or "", "Cancel", 0, 0, self._parent)
            self._dialog.setWindowTitle(self._title or "reviewdesk")
            self._dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self._dialog.setMinimumDuration(0)
            self._dialog.setAutoClose(False)
            self._dialog.setAutoReset(False)
            self._dialog.canceled.connect(self._cancel)
            self._dialog.show()
        total, done, status = self.progress.snapshot()
        if total:
            # QProgressDialog counts in int; scale big byte totals down to per-mille.
            self._dialog.setMaximum(1000)
            self._dialog.setValue(min(1000, int(done * 1000 / total)))
        else:
            self._dialog.setMaximum(0)
        if status and not self.progress.cancel_requested():
            self._dialog.setLabelText(status)

    def _cancel(self) -> None:
        self.progress.cancel()
        if self._dialog is not None:
            self._dialog.setLabelText("Cancelling after the current batch…")

    def finish(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._dialog is not None:
            self._dialog.canceled.disconnect(self._cancel)
            self._dialog.close()
            self._dialog.deleteLater()
            self._dialog = None

    @property
    def dialog(self) -> QProgressDialog | None:
        return self._dialog


class TaskRunner(QObject):
    """Owns the worker threads; results come back through ``_finished`` (a queued signal)."""

    _finished = Signal(object)
    idle_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reviewdesk-writer")
        self._readers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="reviewdesk-reader")
        self._pending = 0
        self._writes = 0
        self._closed = False
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def op(self, fn: Callable[[Progress], T], *, write: bool = True) -> Op[T]:
        return Op(self, fn, write=write)

    def read(self, fn: Callable[[], T]) -> Op[T]:
        """A read-only op that needs no progress."""
        return Op(self, lambda _progress: fn(), write=False)

    @property
    def idle(self) -> bool:
        return self._pending == 0

    @property
    def writing(self) -> bool:
        """An import or export is running (reads may still be in flight when this is False)."""
        return self._writes > 0

    def submit(self, op: Op[Any]) -> None:
        if self._closed:
            # A timer that fires while the window closes (search debounce) may still ask.
            log.debug("runner closed; operation dropped")
            op.finish()
            return
        self._pending += 1
        self._writes += op.write
        if self._pending == 1:
            self.idle_changed.emit(False)
        executor = self._writer if op.write else self._readers
        executor.submit(self._work, op)

    def _work(self, op: Op[Any]) -> None:
        # Worker thread: no widgets here, only the op's function and the signal back.
        try:
            value = op.fn(op.progress)
        except BaseException as exc:
            self._finished.emit(_Outcome(op, False, exc, traceback.format_exc()))
        else:
            self._finished.emit(_Outcome(op, True, value, ""))

    def _deliver(self, outcome: _Outcome) -> None:
        self._pending -= 1
        self._writes -= outcome.op.write
        outcome.op.finish()
        try:
            if outcome.ok:
                if outcome.op.on_success is not None:
                    outcome.op.on_success(outcome.value)
            elif outcome.op.on_failure is not None:
                outcome.op.on_failure(outcome.value, outcome.details)
            else:
                log.error("background operation failed:\n%s", outcome.details)
        finally:
            if self._pending == 0:
                self.idle_changed.emit(True)

    def shutdown(self) -> None:
        """Wait for running work (an import commits its current batch) and stop the threads."""
        self._closed = True
        self._writer.shutdown(wait=True, cancel_futures=True)
        self._readers.shutdown(wait=True, cancel_futures=True)
