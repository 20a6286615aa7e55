"""An import's batches before they touch the workspace: spans grouped by trace, redacted, cases built.

Shared by the two ways a trace file is imported (``services.imports``): on the importing thread,
and in a worker process that prepares batches while the importing process writes them
(``services.import_worker``). Nothing here reads or writes the workspace.

**A trace is built once.** A trace spread over several records of a file (a long agent run
exported in pieces) used to be written as far as it had been read at each batch, and its case
rebuilt from all its stored spans at every batch after: quadratic in the trace's size. Now a
batch leaves out the traces the last record added to, since they may go on in the next record,
and carries them over until a record no longer adds to them (or the file ends). A trace is
written whole, with its case, in one batch: cases still match spans after every committed batch,
and the case is built once. Carried spans are bounded (``HOLD_SPANS``); past that they are
written as read and the trace's case rebuilt from its stored spans as before.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from reviewdesk.domain.prices import PriceBook
from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize import build_case
from reviewdesk.services import redaction
from reviewdesk.storage import rows, search_words

HOLD_SPANS = 100_000
"""Spans of traces still being read that a batch may carry over; past that they are written as read
(memory stays bounded: the 40,000 spans of the benchmark's longest trace are carried whole)."""

Batch = dict[str, dict[str, RawSpan]]
"""Spans of a batch by trace id, then span id."""


class TraceBuffer:
    """Spans read and not written yet, by trace, with the traces the last record added to held back."""

    def __init__(self, redact_ids: Callable[[RawSpan], RawSpan]) -> None:
        self.by_trace: Batch = {}
        self.pending = 0
        self._redact_ids = redact_ids
        self._last: set[str] = set()

    def add(self, spans: Iterable[RawSpan]) -> None:
        last: set[str] = set()
        by_trace = self.by_trace
        for span in map(self._redact_ids, spans):
            # The same span twice (re-sent by an exporter): keep the last copy.
            bucket = by_trace.get(span.trace_id)
            if bucket is None:
                bucket = by_trace[span.trace_id] = {}
            if span.span_id not in bucket:
                self.pending += 1
            bucket[span.span_id] = span
            last.add(span.trace_id)
        if last:  # a record with nothing in it (skipped) does not end the traces before it
            self._last = last

    @property
    def held(self) -> int:
        """Spans of the traces the last record added to: they may go on in the next one."""
        return sum(len(self.by_trace[t]) for t in self._last if t in self.by_trace)

    @property
    def ready(self) -> int:
        """Spans that the next batch would write."""
        return self.pending - self.held

    def take(self, *, everything: bool) -> Batch:
        """The next batch: every trace but the held ones (or all, at the end or past ``HOLD_SPANS``)."""
        held = self.held
        if everything or held > HOLD_SPANS or not held:
            batch, self.by_trace, self.pending, self._last = self.by_trace, {}, 0, set()
            return batch
        batch = {t: spans for t, spans in self.by_trace.items() if t not in self._last}
        # In the order read (not the set's, which changes with each process's string hashing).
        self.by_trace = {t: spans for t, spans in self.by_trace.items() if t in self._last}
        self.pending = held
        return batch


@dataclass(slots=True)
class NewTraces:
    """A batch of traces new to the workspace, redacted, as rows ready to write (they pickle cheaply)."""

    trace_ids: list[str]
    span_rows: list[rows.SpanValues]
    span_counts: list[int]
    """Spans of each trace, in ``trace_ids`` order."""
    redactions: redaction.BatchRedactions
    case_rows: list[dict[str, Any]]
    """In ``trace_ids`` order; ``trace_rowid`` is set once the traces are written."""


@dataclass(slots=True)
class CaseSource:
    """What every case of an import carries besides its spans."""

    format_name: str
    file_name: str
    """Already redacted: cases carry it as provenance."""
    prices: PriceBook = field(default_factory=PriceBook)


def prepare_new(
    batch: Batch,
    redactor: redaction.BatchRedactor,
    source: CaseSource,
    now: datetime,
    known: dict[str, dict[tuple[str, bytes], int]] | None = None,
) -> NewTraces:
    """Everything of a batch of new traces that needs no database: redaction, cases, rows.

    Takes each trace out of ``batch`` once its rows are made (``batch`` is left empty): the spans as
    read are freed trace by trace, so a batch's rows take their place in memory instead of adding
    to them. Each trace is redacted before anything of it is built; redaction replaces a span's
    fields, never the values inside them (numbering is per trace, so trace by trace is the same).
    """
    known = known or {}
    trace_ids = list(batch)
    redactions = redaction.BatchRedactions()
    span_rows: list[rows.SpanValues] = []
    span_counts: list[int] = []
    case_rows: list[dict[str, Any]] = []
    for trace_id in trace_ids:
        spans = batch.pop(trace_id)
        done = redactor.redact_spans({trace_id: spans}, known)
        redactions.counts.update(done.counts)
        redactions.numbering += done.numbering
        case = build_case(
            list(spans.values()), source_format=source.format_name, source_file=source.file_name, prices=source.prices
        )
        row = rows.case_columns(case, 0, now)  # the trace's row id is known once it is written
        row[search_words.WORDS_KEY] = search_words.case_words(row)  # here, so the importing process only stores them
        with contextlib.suppress(TypeError):  # not JSON orjson writes (an integer past 64 bits): kept as it is
            # As bytes, stored as they are (``writes.upsert_cases``): a third of the memory of the dicts,
            # and a worker's batch pickles and unpickles several times faster.
            row["data"] = orjson.dumps(row["data"])
        case_rows.append(row)
        span_rows += rows.span_values(spans.values())
        span_counts.append(len(spans))
    return NewTraces(
        trace_ids=trace_ids,
        span_rows=span_rows,
        span_counts=span_counts,
        redactions=redactions,
        case_rows=case_rows,
    )
