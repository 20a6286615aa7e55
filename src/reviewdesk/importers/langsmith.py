"""LangSmith run exports: runs, runs with nested ``child_runs``, and the SDK's ingest payload.

Accepted records (one JSON document, a JSON array, ``{"runs": [...]}`` as the runs query API
returns, or JSON lines; kinds may be mixed):

* a run ``{"id", "trace_id", "parent_run_id", "name", "run_type", "start_time", "end_time",
  "inputs", "outputs", "error", "extra", "dotted_order", ...}``, possibly with its ``child_runs``
  nested (as ``read_run(load_child_runs=True)`` returns it);
* the SDK's batch ingest payload ``{"post": [runs], "patch": [run updates]}``, where a patch
  completes the posted run with the same id (JS SDK patches carry no id: it is the last
  segment of their ``dotted_order``).

Each run becomes one raw span. Times are ISO-8601 or epoch milliseconds; ``dotted_order``
(``<%Y%m%dT%H%M%S%fZ><run id>`` per level, root first) refines the start time to the SDK's
microsecond clock, which keeps runs that started in the same millisecond in execution order, and
names the trace when a run lacks ``trace_id``. Fields are kept as span attributes under the names
LangSmith's own OpenTelemetry exporter uses where it has one (``langsmith.span.kind`` for
``run_type``, ``langsmith.metadata.<key>``, ``langsmith.span.tags``, ``langsmith.trace.session_id``)
and under ``langsmith.run.<field>`` otherwise (``inputs``, ``outputs``, ``error``, ``extra``,
``feedback_stats``, token counts …): nothing is dropped. ``normalize.conventions.langsmith`` reads them.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from typing import Any

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import STATUS_ERROR, RawSpan
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.vendor_json import (
    BadRecord,
    first_record,
    first_value,
    in_range,
    loose,
    read_chunks,
    time_ns,
)

_OTEL_NAMES = {
    "run_type": "langsmith.span.kind",
    "session_id": "langsmith.trace.session_id",
    "session_name": "langsmith.trace.session_name",
    "tags": "langsmith.span.tags",
}
_SPAN_FIELDS = {"id", "trace_id", "parent_run_id", "name", "start_time", "end_time", "child_runs", "extra"}
_DOTTED = re.compile(r"(\d{8}T\d{6})(\d{1,6})Z(.+)")
_MAX_NESTING = 200


class LangSmithImporter:
    """LangSmith runs (exports, API responses, SDK ingest payloads), as JSON or JSON lines."""

    name = "langsmith"
    title = "LangSmith run export (runs, nested child runs, or SDK post/patch payloads; JSON or JSON lines)"
    file_endings: tuple[str, ...] = (".json", ".jsonl", ".ndjson")

    def sniff(self, head: bytes) -> bool:
        record = first_record(first_value(head))
        if isinstance(record, dict):
            for key in ("post", "patch", "runs"):
                if isinstance(record.get(key), list) and record[key]:
                    record = first_record(record[key])
                    break
        return isinstance(record, dict) and _is_run(record, sniffing=True)

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        # Run id → trace id across records, for runs exported without trace_id or dotted_order.
        traces: dict[str, str] = {}
        yield from read_chunks(context, _unwrap, lambda value, where: _decode(value, context, where, traces))


def _unwrap(document: Any) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("runs"), list) and "run_type" not in document:
        return list(document["runs"])
    return None


def _is_run(record: dict[str, Any], *, sniffing: bool = False) -> bool:
    if "resourceSpans" in record or "observations" in record:
        return False
    if "run_type" in record:
        return bool({"id", "dotted_order", "trace_id", "inputs", "start_time"} & record.keys())
    # A patch on its own has no run_type; its dotted order still says what it is.
    return not sniffing and "dotted_order" in record


def _decode(value: Any, context: ReadContext, where: str, traces: dict[str, str]) -> list[RawSpan]:
    name = context.display_name
    if not isinstance(value, dict):
        raise RecordError(name, where, f"expected a LangSmith run object, got {type(value).__name__}")
    if ("post" in value or "patch" in value) and not _is_run(value):
        runs = _merge_ingest(value, context, where)
    elif _is_run(value):
        runs = [(where, value)]
    else:
        raise RecordError(name, where, "not a LangSmith run (no 'run_type') nor a {post, patch} ingest payload")
    spans: list[RawSpan] = []
    for run_where, run in runs:
        _flatten(
            run,
            parent_id=None,
            parent_trace=None,
            where=run_where,
            context=context,
            traces=traces,
            spans=spans,
            depth=0,
        )
    return spans


def _merge_ingest(payload: dict[str, Any], context: ReadContext, where: str) -> list[tuple[str, dict[str, Any]]]:
    """Apply each patch to the run posted with the same id; a patch with no post stands alone."""
    runs: dict[str, tuple[str, dict[str, Any]]] = {}
    order: list[str] = []
    for part in ("post", "patch"):
        items = payload.get(part) or []
        if not isinstance(items, list):
            raise RecordError(context.display_name, where, f"'{part}' must be a list, got {type(items).__name__}")
        for index, item in enumerate(items):
            label = f"{where}, {part}[{index}]"
            if not isinstance(item, dict):
                context.report(
                    RecordError(context.display_name, label, f"expected a run object, got {type(item).__name__}")
                )
                continue
            ids = _dotted_ids(item.get("dotted_order"))
            run_id = item.get("id") or (ids[-1] if ids else None)
            key = str(run_id) if run_id else f"{part}[{index}]"
            if key in runs:
                merged = dict(runs[key][1])
                merged.update({k: v for k, v in item.items() if v is not None})
                runs[key] = (runs[key][0], merged)
            else:
                runs[key] = (label, dict(item, id=run_id) if run_id and "id" not in item else item)
                order.append(key)
    return [runs[key] for key in order]


def _dotted_ids(dotted: Any) -> list[str]:
    if not isinstance(dotted, str):
        return []
    return [m.group(3) for m in (_DOTTED.fullmatch(seg) for seg in dotted.split(".")) if m]


def _dotted_start(dotted: Any) -> int | None:
    """Start time of the run itself (the last segment of its dotted order), in ns.

    ``None`` when the segment is not a date; a ``BadRecord`` when it is one past 64-bit nanoseconds.
    """
    if not isinstance(dotted, str) or not dotted:
        return None
    match = _DOTTED.fullmatch(dotted.rsplit(".", 1)[-1])
    if match is None:
        return None
    stamp, micros = match.group(1), match.group(2)
    try:
        seconds = calendar.timegm(
            (
                int(stamp[:4]),
                int(stamp[4:6]),
                int(stamp[6:8]),
                int(stamp[9:11]),
                int(stamp[11:13]),
                int(stamp[13:15]),
                0,
                0,
                0,
            )
        )
    except (ValueError, OverflowError):
        return None
    return in_range(seconds * 1_000_000_000 + int(micros.ljust(6, "0")) * 1_000, "dotted_order", dotted)


def _flatten(
    run: dict[str, Any],
    *,
    parent_id: str | None,
    parent_trace: str | None,
    where: str,
    context: ReadContext,
    traces: dict[str, str],
    spans: list[RawSpan],
    depth: int,
) -> None:
    """Decode a run and its nested child runs; a bad run is reported, its siblings still import."""
    if depth > _MAX_NESTING:
        context.report(RecordError(context.display_name, where, f"child runs nested deeper than {_MAX_NESTING} levels"))
        return
    try:
        span = _run(run, parent_id, parent_trace, traces)
    except BadRecord as exc:
        context.report(RecordError(context.display_name, where, str(exc)))
        return
    spans.append(span)
    children = run.get("child_runs")
    if children is None:
        return
    if not isinstance(children, list):
        context.report(RecordError(context.display_name, where, "'child_runs' must be a list"))
        return
    for index, child in enumerate(children):
        label = f"{where}, child_runs[{index}]"
        if not isinstance(child, dict):
            context.report(
                RecordError(context.display_name, label, f"expected a run object, got {type(child).__name__}")
            )
            continue
        _flatten(
            child,
            parent_id=span.span_id,
            parent_trace=span.trace_id,
            where=label,
            context=context,
            traces=traces,
            spans=spans,
            depth=depth + 1,
        )


def _id(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadRecord(f"'{field}' must be a string id, got {type(value).__name__}")
    return str(value).strip().lower()


def _run(run: dict[str, Any], parent_id: str | None, parent_trace: str | None, traces: dict[str, str]) -> RawSpan:
    dotted_ids = _dotted_ids(run.get("dotted_order"))
    run_id = _id(run.get("id"), "id") or (dotted_ids[-1] if dotted_ids else None)
    if run_id is None:
        raise BadRecord("the run has no 'id'")
    parent = (
        _id(run.get("parent_run_id"), "parent_run_id") or parent_id or (dotted_ids[-2] if len(dotted_ids) > 1 else None)
    )
    trace_id = (
        _id(run.get("trace_id"), "trace_id")
        or (dotted_ids[0] if dotted_ids else None)
        or parent_trace
        or (traces.get(parent) if parent else None)
        or (parent if parent else run_id)  # a parent we have not seen: the best guess at the root
    )
    traces[run_id] = trace_id
    name = run.get("name")
    if name is not None and not isinstance(name, str):
        raise BadRecord(f"'name' must be a string, got {type(name).__name__}")
    run_type = run.get("run_type")
    if run_type is not None and not isinstance(run_type, str):
        raise BadRecord(f"'run_type' must be a string, got {type(run_type).__name__}")
    start = time_ns(run.get("start_time"), "start_time")
    end = time_ns(run.get("end_time"), "end_time")
    dotted_start = _dotted_start(run.get("dotted_order"))
    if dotted_start is not None and (start is None or abs(dotted_start - start) < 1_000_000):
        start = dotted_start  # same instant, finer clock (see the module docstring)
    error = run.get("error")
    if error is not None and not isinstance(error, str):
        error = str(error)
    failed = bool(error) or str(run.get("status", "")).lower() == "error"

    attributes: dict[str, Any] = {}
    extra = loose(run.get("extra"), "extra")
    if isinstance(extra, dict):
        metadata = loose(extra.get("metadata"), "extra.metadata")
        if isinstance(metadata, dict):
            for key, value in metadata.items():
                attributes[f"langsmith.metadata.{key}"] = value
        elif metadata is not None:
            attributes["langsmith.metadata"] = metadata
        rest = {k: v for k, v in extra.items() if k != "metadata"}
        if rest:
            attributes["langsmith.run.extra"] = rest
    elif extra is not None:
        attributes["langsmith.run.extra"] = extra
    for key, value in run.items():
        if key in _SPAN_FIELDS or value is None:
            continue
        decoded = loose(value, key) if key in ("inputs", "outputs", "feedback_stats", "events", "serialized") else value
        attributes[_OTEL_NAMES.get(key, f"langsmith.run.{key}")] = decoded
    return RawSpan(
        trace_id=trace_id,
        span_id=run_id,
        parent_span_id=parent,
        name=name or run_type or "run",
        start_ns=start,
        end_ns=end,
        status_code=STATUS_ERROR if failed else 0,
        status_message=(error.strip().split("\n", 1)[0] if error else None) or None,
        attributes=attributes,
    )
