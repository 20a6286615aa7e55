"""Langfuse exports: traces with their observations and scores, or batches of observations.

Accepted records (in a JSON document, a JSON array of them, an API list response ``{"data": [...]}``
or JSON lines, one record per line; kinds may be mixed):

* the UI's single-trace download ``{"trace": {...}, "observations": [...], "scores": [...]}``;
* the public API's trace with full details ``{"id", "name", ..., "observations": [...], "scores": [...]}``
  (and bare trace rows of a trace batch export, which become one span for the trace);
* observations on their own (an observation batch export, or the v2 observations API), each
  ``{"id", "traceId", "type", "startTime", ...}``; the import service merges them by trace id.

Each observation becomes one raw span. Its fields are kept as span attributes under the names
Langfuse's own OpenTelemetry ingestion reads (``langfuse.observation.input``, ``.model.name``,
``.usage_details`` …, see FORMATS.md §5), so one convention reader (``normalize.conventions.langfuse``)
serves both these exports and Langfuse-SDK OTLP. Fields that have no such name stay under
``langfuse.export.observation.<field>`` / ``langfuse.export.trace.<field>``, and scores under
``langfuse.export.scores``: nothing the record carried is dropped. For spans Langfuse received
over OpenTelemetry, ``metadata.attributes`` holds the original span attributes (OpenInference,
GenAI …); they are merged back into the span's attributes, so the same readers that read OTLP
read them, and ``metadata.resourceAttributes`` / ``metadata.scope`` become the span's resource
and scope. The trace's own fields (name, input, output, user, session, release, tags, trace-level
scores) go on the trace's root observation — where Langfuse's OTel ingestion takes them from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import orjson

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import STATUS_ERROR, RawSpan
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.vendor_json import (
    BadRecord,
    first_record,
    first_value,
    in_range,
    loose,
    loose_optional,
    read_chunks,
    time_ns,
)

# Observation fields that Langfuse's OTel ingestion has an attribute for.
_OBSERVATION_ATTRIBUTES: dict[str, str] = {
    "type": "langfuse.observation.type",
    "input": "langfuse.observation.input",
    "output": "langfuse.observation.output",
    "model": "langfuse.observation.model.name",
    "modelParameters": "langfuse.observation.model.parameters",
    "usageDetails": "langfuse.observation.usage_details",
    "costDetails": "langfuse.observation.cost_details",
    "completionStartTime": "langfuse.observation.completion_start_time",
    "promptName": "langfuse.observation.prompt.name",
    "promptVersion": "langfuse.observation.prompt.version",
    "level": "langfuse.observation.level",
    "statusMessage": "langfuse.observation.status_message",
    "version": "langfuse.version",
    "environment": "langfuse.environment",
    # The v2 observations API repeats the trace's identity on every observation.
    "userId": "langfuse.user.id",
    "sessionId": "langfuse.session.id",
    "release": "langfuse.release",
}
# ... and the trace fields.
_TRACE_ATTRIBUTES: dict[str, str] = {
    "name": "langfuse.trace.name",
    "input": "langfuse.trace.input",
    "output": "langfuse.trace.output",
    "tags": "langfuse.trace.tags",
    "public": "langfuse.trace.public",
    "userId": "langfuse.user.id",
    "sessionId": "langfuse.session.id",
    "release": "langfuse.release",
}
# Values that real exports carry JSON-encoded or as Python reprs.
_LOOSE_FIELDS = {"input", "output", "metadata", "modelParameters", "usageDetails", "costDetails", "usage"}
_LOOSE_OPTIONAL_FIELDS = {"tags", "public", "userId", "sessionId", "release", "version", "bookmarked", "environment"}
_SPAN_FIELDS = {"id", "traceId", "parentObservationId", "name", "startTime", "endTime", "metadata"}
_TRACE_STRUCTURE = {"id", "metadata", "observations", "scores", "corrections"}
_SNAKE = re.compile(r"_([a-z])")


class LangfuseImporter:
    """Langfuse trace exports and observation batch exports, as JSON or JSON lines."""

    name = "langfuse"
    title = "Langfuse export (traces with observations, or observations; JSON or JSON lines)"
    file_endings: tuple[str, ...] = (".json", ".jsonl", ".ndjson")

    def sniff(self, head: bytes) -> bool:
        record = first_record(first_value(head))
        if isinstance(record, dict) and isinstance(record.get("data"), list):
            record = first_record(record["data"])
        if not isinstance(record, dict):
            return False
        return _kind(_camel_keys(record), sniffing=True) in ("bundle", "trace_full", "observation", "trace")

    def read(self, context: ReadContext) -> Iterator[Chunk]:
        yield from read_chunks(context, _unwrap, lambda value, where: _decode(value, context, where))


def _unwrap(document: Any) -> list[Any] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("data"), list) and _kind(_camel_keys(document)) == "list":
        return list(document["data"])
    return None


def _camel_keys(record: dict[str, Any]) -> dict[str, Any]:
    """Accept snake_case field names too (``trace_id``), as Python clients dump them without aliases."""
    if not any("_" in key for key in record):
        return record
    return {
        (_SNAKE.sub(lambda m: m.group(1).upper(), key) if "_" in key else key): value for key, value in record.items()
    }


def _kind(record: dict[str, Any], *, sniffing: bool = False) -> str | None:
    keys = record.keys()
    if "resourceSpans" in keys or "runType" in keys or "dottedOrder" in keys:
        return None  # OTLP or LangSmith (whose snake_case keys were camel-cased above)
    if isinstance(record.get("trace"), dict) or ("observations" in keys and "id" not in keys):
        return "bundle"
    if "observations" in keys:
        return "trace_full"
    if "traceId" in keys and ("startTime" in keys or "parentObservationId" in keys) and "type" in keys:
        return "observation"
    if "traceId" in keys and "name" in keys and ("dataType" in keys or "source" in keys) and "value" in keys:
        return "score"
    if isinstance(record.get("data"), list) and "meta" in keys:
        return "list"
    if (
        "id" in keys
        and "timestamp" in keys
        and ({"projectId", "htmlPath", "bookmarked", "userId", "sessionId", "public"} & set(keys) or not sniffing)
    ):
        return "trace"
    return None


def _decode(value: Any, context: ReadContext, where: str) -> list[RawSpan]:
    name = context.display_name
    if not isinstance(value, dict):
        raise RecordError(name, where, f"expected a Langfuse trace or observation object, got {type(value).__name__}")
    record = _camel_keys(value)
    kind = _kind(record)
    if kind == "list":
        spans: list[RawSpan] = []
        for index, item in enumerate(record["data"]):
            try:
                spans.extend(_decode(item, context, f"{where}, data[{index}]"))
            except RecordError as exc:
                context.report(exc)
        return spans
    if kind == "observation":
        try:
            return [_observation(record, None)]
        except BadRecord as exc:
            raise RecordError(name, where, str(exc)) from None
    if kind == "score":
        raise RecordError(name, where, "a score on its own: import it together with its trace (scores attach to spans)")
    if kind is None:
        raise RecordError(
            name, where, "not a Langfuse trace, observation or trace export (no 'observations', 'trace' or 'traceId')"
        )

    # A trace with its observations (and scores).
    trace_raw = record.get("trace") if kind == "bundle" else record
    if trace_raw is not None and not isinstance(trace_raw, dict):
        raise RecordError(name, where, f"'trace' must be an object, got {type(trace_raw).__name__}")
    trace = _camel_keys(trace_raw) if trace_raw else {}
    observations: list[tuple[str, Any]] = []
    seen: set[Any] = set()
    sources = [(record, "observations")] + ([(trace, "trace.observations")] if trace is not record else [])
    for source, label in sources:
        items = source.get("observations")
        if items is None:
            continue
        if not isinstance(items, list):
            raise RecordError(name, where, f"'{label}' must be a list, got {type(items).__name__}")
        for index, item in enumerate(items):
            # The UI download repeats the observations inside the trace, with less metadata:
            # the top-level copy wins.
            key = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), (str, int)) else None
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            observations.append((f"{label}[{index}]", item))

    try:
        trace_id = _id(trace.get("id"), "trace.id") if trace else None
    except BadRecord as exc:
        raise RecordError(name, where, str(exc)) from None
    spans = []
    for label, item in observations:
        try:
            if not isinstance(item, dict):
                raise BadRecord(f"expected an observation object, got {type(item).__name__}")
            spans.append(_observation(_camel_keys(item), trace_id))
        except BadRecord as exc:
            context.report(RecordError(name, f"{where}, {label}", str(exc)))
    if not trace:
        return spans
    if trace_id is None:
        raise RecordError(name, where, "the trace has no 'id'")
    try:
        root = _attach_trace(trace, trace_id, spans)
        _attach_scores([*_list(record, "scores"), *_list(trace, "scores"), *_list(trace, "corrections")], spans, root)
    except BadRecord as exc:
        raise RecordError(name, where, str(exc)) from None
    return spans


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRecord(f"'{key}' must be a list, got {type(value).__name__}")
    return value


def _id(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadRecord(f"'{field}' must be a string id, got {type(value).__name__}")
    return str(value)


def _text(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise BadRecord(f"'{field}' must be a string, got {type(value).__name__}")
    return str(value)


def _observation(record: dict[str, Any], trace_id: str | None) -> RawSpan:
    span_id = _id(record.get("id"), "id")
    if span_id is None:
        raise BadRecord("the observation has no 'id'")
    own_trace = _id(record.get("traceId"), "traceId")
    if own_trace is None and trace_id is None:
        raise BadRecord("the observation has no 'traceId'")
    start = time_ns(record.get("startTime"), "startTime")
    end = time_ns(record.get("endTime"), "endTime")
    if end is None and str(record.get("type", "")).upper() == "EVENT":
        end = start  # events are points in time
    level = record.get("level")
    status_message = _text(loose_optional(record.get("statusMessage"), "statusMessage"), "statusMessage")

    attributes: dict[str, Any] = {}
    resource: dict[str, Any] = {}
    scope: dict[str, Any] = {}
    metadata = loose(record.get("metadata"), "metadata")
    if isinstance(metadata, dict):
        _split_metadata(metadata, "langfuse.observation.metadata", attributes, resource, scope)
    elif metadata is not None:
        attributes["langfuse.observation.metadata"] = metadata
    for key, raw in record.items():
        if key in _SPAN_FIELDS or raw is None:
            continue
        value = _field(key, raw, key)
        if value is None:
            continue
        attributes[_OBSERVATION_ATTRIBUTES.get(key, f"langfuse.export.observation.{key}")] = value
    return RawSpan(
        trace_id=own_trace or trace_id or "",
        span_id=span_id,
        parent_span_id=_id(record.get("parentObservationId"), "parentObservationId"),
        name=_text(record.get("name"), "name") or str(record.get("type") or "observation").lower(),
        start_ns=start,
        end_ns=end,
        status_code=STATUS_ERROR if str(level).upper() == "ERROR" else 0,
        status_message=status_message or None,
        attributes=attributes,
        resource=resource,
        scope=scope,
    )


def _field(key: str, value: Any, label: str) -> Any:
    """A field's value with the extra encodings real exports put on it removed (``label`` names it)."""
    if key in _LOOSE_FIELDS:
        return loose(value, label)
    if key in _LOOSE_OPTIONAL_FIELDS:
        return loose_optional(value, label)
    return value


def _split_metadata(
    metadata: dict[str, Any], prefix: str, attributes: dict[str, Any], resource: dict[str, Any], scope: dict[str, Any]
) -> None:
    """Spread Langfuse metadata: original OTel attributes back onto the span, the rest flattened.

    Langfuse keeps an OTel span's attributes under ``metadata.attributes`` (values stringified),
    its resource under ``resourceAttributes`` and its scope under ``scope``; user metadata keys sit
    beside them and become ``<prefix>.<key>`` — the form the Langfuse SDK writes on OTel spans.
    """
    for key, value in metadata.items():
        if key == "attributes" and isinstance(value, dict):
            for attr, attr_value in value.items():
                attributes.setdefault(str(attr), _unstringify(attr_value))
        elif key == "resourceAttributes" and isinstance(value, dict):
            resource.update(value)
        elif key == "scope" and isinstance(value, dict):
            scope.update({k: v for k, v in value.items() if k in ("name", "version", "attributes")})
        elif key == "scopeAttributes" and isinstance(value, dict):
            scope.setdefault("attributes", value)
        else:
            attributes[f"{prefix}.{key}"] = value


def _unstringify(value: Any) -> Any:
    """Undo Langfuse's ``JSON.stringify`` of non-string OTel attribute values (numbers, bools, arrays).

    Only exact round trips are undone (``"0.2"`` → 0.2, ``"true"`` → True, ``'["stop"]'`` → list):
    a string that merely looks numeric in another spelling (``"1e3"``, ``"007"``) was a string.
    """
    if not isinstance(value, str) or not value or value[0] not in "-0123456789tf[":
        return value
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return value
    if isinstance(parsed, list):
        return parsed if all(not isinstance(v, (dict, list)) for v in parsed) else value
    if isinstance(parsed, (bool, int, float)) and orjson.dumps(parsed).decode() == value:
        return parsed
    return value


def _attach_trace(trace: dict[str, Any], trace_id: str, spans: list[RawSpan]) -> RawSpan:
    """Put the trace's fields on its root observation, or on a span made for the trace.

    Only the earliest root gets them, so trace-level scores are counted once even when a trace
    has several roots. A trace without observations (a trace batch export) becomes one span.
    """
    ids = {span.span_id for span in spans}
    roots = [s for s in spans if s.trace_id == trace_id and (not s.parent_span_id or s.parent_span_id not in ids)]
    if roots:
        root = min(roots, key=lambda s: (s.start_ns if s.start_ns is not None else 2**63, s.span_id))
    else:
        start = time_ns(trace.get("timestamp"), "trace.timestamp")
        latency = trace.get("latency")
        end = start
        if start is not None and isinstance(latency, (int, float)) and not isinstance(latency, bool):
            if not abs(latency) < 1e10:  # seconds: centuries, or more than a float can scale
                raise BadRecord(f"'trace.latency' is out of range: {latency!r:.2000}")
            end = in_range(start + int(latency * 1e9), "trace.latency", latency)
        root = RawSpan(
            trace_id=trace_id,
            span_id=trace_id,
            parent_span_id=None,
            name=_text(loose_optional(trace.get("name"), "trace.name"), "trace.name") or "trace",
            start_ns=start,
            end_ns=end,
            attributes={"langfuse.export.synthetic": "trace"},
        )
        spans.append(root)
    attributes = root.attributes
    metadata = loose(trace.get("metadata"), "trace.metadata")
    if isinstance(metadata, dict):
        trace_attributes: dict[str, Any] = {}
        resource: dict[str, Any] = {}
        scope: dict[str, Any] = {}
        _split_metadata(metadata, "langfuse.trace.metadata", trace_attributes, resource, scope)
        for key, value in trace_attributes.items():
            attributes.setdefault(key, value)  # the observation's own copy of its attributes wins
        if not root.resource:
            root.resource = resource
        if not root.scope:
            root.scope = scope
    elif metadata is not None:
        attributes["langfuse.trace.metadata"] = metadata
    for key, raw in trace.items():
        if key in _TRACE_STRUCTURE or raw is None:
            continue
        value = _field(key, raw, f"trace.{key}")
        if value is None or (key == "tags" and value == []):
            continue
        target = _TRACE_ATTRIBUTES.get(key, f"langfuse.export.trace.{key}")
        if key == "name" and value == root.name:
            # Langfuse names a trace after its root span by default; only a name set on purpose
            # (langfuse.trace.name) should beat what the conventions say the workflow is.
            target = "langfuse.export.trace.name"
        attributes[target] = value
    return root


def _attach_scores(scores: list[Any], spans: list[RawSpan], trace_span: RawSpan) -> None:
    """Scores go on the observation they rate, trace-level ones on the span carrying the trace."""
    if not scores or not spans:
        return
    by_id = {span.span_id: span for span in spans}
    seen: set[Any] = set()
    for index, score in enumerate(scores):
        if not isinstance(score, dict):
            raise BadRecord(f"scores[{index}] must be an object, got {type(score).__name__}")
        if isinstance(score.get("id"), (str, int)):
            if score["id"] in seen:
                continue
            seen.add(score["id"])
        target = by_id.get(str(score.get("observationId"))) if score.get("observationId") else None
        target = target or trace_span
        clean = {
            k: loose(v, f"scores[{index}].metadata") if k == "metadata" else v
            for k, v in score.items()
            if v is not None
        }
        target.attributes.setdefault("langfuse.export.scores", []).append(clean)
