"""Cutting a file into batches from its span ids alone, so that each worker decodes only its own batches.

The worker processes of one file (``services.import_worker``, ADR 0013) must cut it into the
same batches, and the cut depends on which spans each record adds to which trace
(``import_batches.TraceBuffer``). Decoding every span to learn that made each worker do the
whole file's decoding, half of it thrown away. For JSON lines whose importer can name a line's
spans without decoding them (``importers.base.KeyedLines``) every worker scans the file once —
each line parsed, its span ids taken, no span decoded — and cuts it with ``KeyBuffer``, which
mirrors ``TraceBuffer`` on ids. Each worker decodes the lines it reads while the batch being
read is its own (as they are read, as before) and keeps them; the others it only parses for their
ids, keeping no span. A trace held past a cut (the last line read may go on in the next one)
goes to the next batch, whose worker reads the lines it has not decoded again by their byte
ranges; a trace longer than a batch is held, as ids, until it ends and is decoded by one worker only.

Records skipped travel with the batch during whose reading they were read, as before: the
worker whose batch it is decodes those lines and reports them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import orjson

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers.base import KeyedLines, ReadContext
from reviewdesk.importers.jsonfile import read_json_lines
from reviewdesk.services import redaction
from reviewdesk.services.import_batches import HOLD_SPANS, Batch


@dataclass(frozen=True, slots=True)
class Line:
    """A line that parsed: its number and where its bytes are."""

    number: int
    start: int
    end: int


@dataclass(slots=True)
class _Trace:
    lines: list[int] = field(default_factory=list)
    """Lines (their numbers) this trace was read from since its last batch, in file order."""
    spans: set[str] = field(default_factory=set)


class KeyBuffer:
    """``TraceBuffer``'s cut, from span ids: per trace the lines it came from and its span ids."""

    def __init__(self, redact_id: Callable[[str], str] | None) -> None:
        self.by_trace: dict[str, _Trace] = {}
        self.pending = 0
        self._redact_id = redact_id
        self._last: set[str] = set()

    def add(self, line: int, keys: list[tuple[str, str]]) -> None:
        redact = self._redact_id
        last: set[str] = set()
        if redact is not None:  # as ``BatchRedactor.redact_ids`` does to the decoded span
            keys = [(redact(trace_id), redact(span_id)) for trace_id, span_id in keys]
        for trace_id, span_id in keys:
            trace = self.by_trace.get(trace_id)
            if trace is None:
                trace = self.by_trace[trace_id] = _Trace()
            if span_id not in trace.spans:
                trace.spans.add(span_id)
                self.pending += 1
            if trace_id not in last:
                trace.lines.append(line)
                last.add(trace_id)
        if last:
            self._last = last

    @property
    def held(self) -> int:
        return sum(len(self.by_trace[t].spans) for t in self._last if t in self.by_trace)

    @property
    def ready(self) -> int:
        return self.pending - self.held

    def take(self, *, everything: bool) -> dict[str, list[int]]:
        """The next batch as each trace's lines (``TraceBuffer.take``'s traces, in the same order)."""
        held = self.held
        if everything or held > HOLD_SPANS or not held:
            taken, self.by_trace, self.pending, self._last = self.by_trace, {}, 0, set()
        else:
            taken = {t: trace for t, trace in self.by_trace.items() if t not in self._last}
            self.by_trace = {t: trace for t, trace in self.by_trace.items() if t in self._last}
            self.pending = held
        return {t: trace.lines for t, trace in taken.items()}


@dataclass(slots=True)
class Cut:
    """One batch of the plan."""

    traces: dict[str, list[int]]
    """Its traces and the lines each is read from, in the batch's order."""
    lines: dict[int, Line]
    """Every line ``traces`` names, by number."""
    decoded: dict[int, list[RawSpan]]
    """The lines this worker decoded as it read them (ids redacted): only in its own batches."""
    skipped: list[RecordError]
    """Records skipped since the previous cut, in file order (complete only in this worker's own batches)."""
    offset: int
    """Bytes of the file read once this batch was cut."""


def plan(
    importer: KeyedLines,
    context: ReadContext,
    batch_spans: int,
    redactor: redaction.BatchRedactor,
    ours: Callable[[int], bool],
) -> Iterator[Cut]:
    """Scan the file and yield its batches as ``TraceBuffer`` cuts them; decode the lines read for ``ours`` batches."""
    redact_id = redactor.redactor.redact_id if redactor.redactor is not None else None
    buffer = KeyBuffer(redact_id)
    skipped: list[RecordError] = []
    lines: dict[int, Line] = {}
    decoded: dict[int, list[RawSpan]] = {}
    number = offset = 0
    scan = replace(context, report=skipped.append)

    def cut(everything: bool) -> Cut:
        nonlocal lines, decoded, number
        traces = buffer.take(everything=everything)
        wanted = {n: lines[n] for numbers in traces.values() for n in numbers}
        done = Cut(traces=traces, lines=wanted, decoded=decoded, skipped=skipped[:], offset=offset)
        skipped.clear()
        lines = {n: lines[n] for trace in buffer.by_trace.values() for n in trace.lines}  # the held traces'
        number += 1
        # The held traces' decoded lines stay only when the next batch is ours too (one worker).
        decoded = {n: decoded[n] for n in lines if n in decoded} if ours(number) else {}
        return done

    for record in read_json_lines(scan):
        line = int(record.where.removeprefix("line "))
        lines[line] = Line(line, record.start, record.offset)
        if ours(number):
            try:
                decoded[line] = list(map(redactor.redact_ids, importer.decode_record(record.value, scan, record.where)))
            except RecordError as exc:
                scan.report(exc)
        try:
            keys = importer.span_keys(record.value, context, record.where)
        except RecordError:  # pragma: no cover - ``span_keys`` skips what decoding refuses
            keys = []
        buffer.add(line, keys)
        offset = record.offset
        if buffer.ready >= batch_spans:
            yield cut(everything=False)
    yield cut(everything=True)


def read_cut(importer: KeyedLines, context: ReadContext, cut: Cut, redactor: redaction.BatchRedactor) -> Batch:
    """``cut``'s traces and their spans (in the order ``TraceBuffer`` gives them); lines not decoded are read again.

    Empties ``cut.decoded``: the batch's spans are then referenced from the batch only, so that
    ``prepare_new`` frees them trace by trace.
    """
    wanted: dict[int, set[str]] = {}
    for trace_id, numbers in cut.traces.items():
        for number in numbers:
            wanted.setdefault(number, set()).add(trace_id)
    batch: Batch = {t: {} for t in cut.traces}
    quiet = replace(context, report=lambda _error: None)  # reported by the batch during whose reading it was read
    with contextlib.ExitStack() as stack:
        handle = None
        for number in sorted(wanted):  # file order: the last copy of a span read twice wins, as in ``TraceBuffer``
            spans = cut.decoded.pop(number, None)
            if spans is None:  # a held trace's line read for another batch
                handle = handle or stack.enter_context(context.path.open("rb"))
                line = cut.lines[number]
                handle.seek(line.start)
                raw = handle.read(line.end - line.start).strip()
                value = orjson.loads(raw.lstrip(b"\xef\xbb\xbf") if number == 1 else raw)  # as ``read_json_lines``
                try:
                    spans = list(map(redactor.redact_ids, importer.decode_record(value, quiet, f"line {number}")))
                except RecordError:
                    continue
            traces = wanted[number]
            for span in spans:
                if span.trace_id in traces:
                    batch[span.trace_id][span.span_id] = span
    cut.decoded.clear()
    return {t: spans for t, spans in batch.items() if spans}
