"""Reading a JSON-lines file in turns, so that each worker parses and decodes only the lines of its own batches.

The worker processes of one file (``services.import_worker``, ADR 0013) must cut it into the
same batches as one thread, and the cut depends on which spans each record adds to which trace
(``import_batches.TraceBuffer``). Each worker used to parse the whole file to learn that. Now the
reader of a batch reads on from where the batch before ended (``read_batch``): each line parsed
and decoded once, the cut made by ``KeyBuffer`` (``TraceBuffer``'s rules on span ids and line
numbers), and hands the next batch's reader a ``Baton`` (where to go on, the held traces) before
it prepares its own batch. A trace held past a cut (the last line read may go on in the next one)
goes to a later batch, whose worker reads the lines it has not decoded again by their byte ranges
(``read_cut``); a trace longer than a batch is held as ids and lines until it ends.

Records skipped are reported with the batch during whose reading they were read, as before.
"""

from __future__ import annotations

import contextlib
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

    def __init__(
        self, by_trace: dict[str, _Trace] | None = None, pending: int = 0, last: set[str] | None = None
    ) -> None:
        self.by_trace: dict[str, _Trace] = by_trace if by_trace is not None else {}
        self.pending = pending
        self._last: set[str] = last if last is not None else set()

    def add(self, line: int, keys: list[tuple[str, str]]) -> None:
        last: set[str] = set()
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
    """The lines the reader of this batch decoded (ids redacted); the held traces' earlier lines are read again."""
    skipped: list[RecordError]
    """Records skipped while this batch was read, in file order."""
    offset: int
    """Bytes of the file read once this batch was cut."""


@dataclass(slots=True)
class Baton:
    """What the reader of one batch hands the reader of the next: where to go on, and the held traces.

    Small: the held traces (those the last line read added to) as lines and span ids, and the
    traces of the last few batches (so that every worker knows which traces were written before).
    """

    number: int
    """The batch to read next."""
    offset: int = 0
    """Where its first line begins."""
    line: int = 0
    """The number of the last line read before it."""
    held: dict[str, _Trace] = field(default_factory=dict)
    pending: int = 0
    last: set[str] = field(default_factory=set)
    lines: dict[int, Line] = field(default_factory=dict)
    """The held traces' lines."""
    recent: list[list[str]] = field(default_factory=list)
    """The traces of the batches before ``number`` that its reader did not read itself, oldest first."""
    end: int | None = None
    """The number of the file's last batch, once it was read: nothing is left to read."""


def read_batch(
    importer: KeyedLines,
    context: ReadContext,
    baton: Baton,
    *,
    batch_spans: int,
    redactor: redaction.BatchRedactor,
    decoded: dict[int, list[RawSpan]],
) -> tuple[Cut, Baton, dict[int, list[RawSpan]]]:
    """Read batch ``baton.number`` from where the batch before ended, and cut it as ``TraceBuffer`` does.

    Every line read is parsed and decoded once, by this reader only. ``decoded`` holds the held
    traces' lines if this reader decoded them (the batch before was its own too). Returns the
    cut, the baton for the next batch, and the held traces' lines decoded here.
    """
    buffer = KeyBuffer(baton.held, baton.pending, baton.last)
    lines = dict(baton.lines)
    skipped: list[RecordError] = []
    scan = replace(context, report=skipped.append)
    offset, last_line, end = baton.offset, baton.line, True
    for record in read_json_lines(scan, start=baton.offset, first_line=baton.line + 1):
        lines[record.line] = Line(record.line, record.start, record.offset)
        offset, last_line = record.offset, record.line
        try:
            spans = list(map(redactor.redact_ids, importer.decode_record(record.value, scan, record.where)))
        except RecordError as exc:
            scan.report(exc)
            continue
        decoded[record.line] = spans
        buffer.add(record.line, [(span.trace_id, span.span_id) for span in spans])
        if buffer.ready >= batch_spans:
            end = False
            break
    traces = buffer.take(everything=end)
    wanted = {n: lines[n] for numbers in traces.values() for n in numbers}
    cut = Cut(traces=traces, lines=wanted, decoded=decoded, skipped=skipped, offset=offset)
    held_lines = {n: lines[n] for trace in buffer.by_trace.values() for n in trace.lines}
    following = Baton(
        number=baton.number + 1,
        offset=offset,
        line=last_line,
        held=buffer.by_trace,
        pending=buffer.pending,
        last=buffer._last,
        lines=held_lines,
        recent=[*baton.recent, list(traces)],
        end=baton.number if end else None,
    )
    return cut, following, {n: decoded[n] for n in held_lines if n in decoded}


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
