"""The formats that map onto OTLP: each read from real or faithfully reproduced files (tests/data/formats/SOURCES.md).

The agent trace was recorded once with the real OpenTelemetry SDK and saved in every shape; each
shape must give the case the SDK's own console output gives, and that case must hold what the
recording script put in. The Phoenix shapes come from a real OpenInference capture and must
give the cases its OTLP file gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers import registry
from reviewdesk.importers.base import ReadContext
from reviewdesk.importers.looks_like import looks_like
from reviewdesk.normalize import build_case
from tests.conftest import DATA

FORMATS = DATA / "formats"
AGENT_FILES = {
    "otel_console_agent.txt": "otel-console",
    "tempo_agent.json": "tempo",
    "jaeger_api_v3_agent.json": "jaeger-api-v3",
    "jaeger_ui_agent.json": "jaeger-ui",
    "otlp_spans_agent.json": "otlp-spans",
}
PHOENIX_FILES = ("phoenix_rest_spans.json", "phoenix_dataframe_records.json", "phoenix_dataframe_columns.json")


def read(path: Path) -> tuple[list[RawSpan], list[RecordError]]:
    importer = registry.detect(path)
    assert not hasattr(importer, "read_cases")
    errors: list[RecordError] = []
    context = ReadContext(path=path, file_hash="0" * 64, report=errors.append)
    spans = [span for chunk in importer.read(context) for span in chunk.spans]  # type: ignore[union-attr]
    return spans, errors


def cases(path: Path) -> dict[str, dict[str, Any]]:
    spans, errors = read(path)
    assert errors == []
    by_trace: dict[str, list[RawSpan]] = {}
    for span in spans:
        by_trace.setdefault(span.trace_id, []).append(span)
    out = {}
    for trace_id, trace in by_trace.items():
        case = json.loads(build_case(trace, source_format="x", source_file="x").model_dump_json())
        for key in ("case_id", "source"):
            case.pop(key)
        out[trace_id] = case
    return out


@pytest.mark.parametrize(("name", "want"), AGENT_FILES.items())
def test_each_shape_of_the_sdk_trace_is_detected(name: str, want: str) -> None:
    assert registry.detect(FORMATS / name).name == want


def test_the_console_exporter_output_reads_as_the_sdk_recorded_it() -> None:
    spans, errors = read(FORMATS / "otel_console_agent.txt")
    assert errors == []
    by_name = {span.name: span for span in spans}
    llm = by_name["chat gpt-4o-mini"]
    assert llm.trace_id == "c818cdf86a0f7ba5319423542d838542"  # "0x" dropped
    assert llm.parent_span_id == "8fe58e480fad083b"
    assert llm.kind == 3  # SpanKind.CLIENT
    assert llm.attributes["gen_ai.usage.input_tokens"] == 41
    assert llm.attributes["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert llm.resource["service.name"] == "support-copilot"
    tool = by_name["execute_tool lookup_policy"]
    assert (tool.status_code, tool.status_message) == (2, "policy service timed out after 5 s")
    assert [e.name for e in tool.events] == ["exception"]
    assert tool.duration_ms == 5001.0  # ISO times, to the microsecond the SDK prints

    [case] = cases(FORMATS / "otel_console_agent.txt").values()
    assert case["generation"]["model"] == "gpt-4o-mini-2024-07-18"
    assert case["input"]["user_request"] == "Can I return boots I bought 20 days ago?"
    assert case["input"]["system_instructions"] == "You are a support assistant for Northwind Outdoor Gear."
    assert case["usage"]["input_tokens"] == 41 and case["usage"]["output_tokens"] == 19
    assert case["tool_calls"][0]["name"] == "lookup_policy"
    assert case["tool_calls"][0]["arguments"] == {"topic": "returns"}
    assert case["tool_calls"][0]["error"] == "TimeoutError: policy service timed out after 5 s"
    assert case["status"] == "error"
    assert case["span_count"] == 3


@pytest.mark.parametrize("name", [n for n in AGENT_FILES if n != "otel_console_agent.txt"])
def test_every_shape_of_the_trace_gives_the_same_case(name: str) -> None:
    want = cases(FORMATS / "otel_console_agent.txt")
    got = cases(FORMATS / name)
    if name == "otlp_spans_agent.json":  # bare spans carry no resource, so no service.version release
        for case in want.values():
            case["release"] = None
    assert got == want


@pytest.mark.parametrize("name", PHOENIX_FILES)
def test_phoenix_exports_give_the_cases_of_the_otlp_capture(name: str) -> None:
    want = cases(DATA / "instrumented" / "openinference_openai.json")
    got = cases(FORMATS / name)
    assert got.keys() == want.keys()
    for trace_id, case in want.items():
        other = got[trace_id]
        # A document's age is counted from the case's start, which Phoenix keeps to the microsecond.
        ages = [[d.pop("age_days") for d in c["retrieval"]["documents"]] for c in (case, other)]
        assert ages[1] == pytest.approx(ages[0], abs=1e-3)
        for key in (
            "input",
            "generation",
            "outcome",
            "usage",
            "error",
            "retrieval",
            "span_count",
            "workflow",
            "status",
        ):
            assert other[key] == case[key], (name, trace_id, key)
        calls = [{k: v for k, v in c.items() if k != "duration_ms"} for c in case["tool_calls"]]
        assert [{k: v for k, v in c.items() if k != "duration_ms"} for c in other["tool_calls"]] == calls
        # Phoenix keeps times to the microsecond (REST) or the millisecond (pandas' JSON).
        assert abs(other["latency_ms"] - case["latency_ms"]) <= 1


def test_phoenix_rest_spans_take_the_kind_from_span_kind_and_flatten_nested_attributes(tmp_path: Path) -> None:
    span = {
        "name": "ChatCompletion",
        "context": {"trace_id": "ab" * 16, "span_id": "cd" * 8},
        "span_kind": "LLM",
        "parent_id": None,
        "start_time": "2026-01-05T10:00:00.000000+00:00",
        "end_time": "2026-01-05T10:00:01.500000+00:00",
        "status_code": "ERROR",
        "status_message": "rate limited",
        "attributes": {
            "llm": {
                "model_name": "gpt-4o",
                "token_count": {"prompt": 12, "completion": 3},
                "input_messages": [{"message": {"role": "user", "content": "hi"}}],
            },
        },
        "events": [{"name": "exception", "timestamp": "2026-01-05T10:00:01+00:00", "attributes": {}}],
    }
    path = tmp_path / "one_span.json"
    path.write_text(json.dumps(span))
    [raw], errors = read(path)
    assert errors == []
    assert raw.attributes["openinference.span.kind"] == "LLM"
    assert raw.attributes["llm.model_name"] == "gpt-4o"
    assert raw.attributes["llm.token_count.prompt"] == 12
    assert raw.attributes["llm.input_messages.0.message.content"] == "hi"
    assert (raw.status_code, raw.status_message, raw.duration_ms) == (2, "rate limited", 1500.0)
    case = build_case([raw], source_format="phoenix", source_file="x")
    assert case.generation.model == "gpt-4o" and case.usage.input_tokens == 12


def test_jaeger_ui_fixture_of_jaeger_itself() -> None:
    """jaeger's own model/converter/json/fixtures/ui_01.json: 64-bit ids, references, logs, processes."""
    spans, errors = read(FORMATS / "jaeger_ui_fixture_01.json")
    assert errors == []
    by_id = {(s.span_id, s.name): s for s in spans}
    assert {s.trace_id for s in spans} == {"0" * 31 + "1"}  # 64-bit id as OTLP's 128-bit
    child = by_id[("0000000000000003", "some-operation")]
    assert child.parent_span_id == "0000000000000002"
    assert child.resource == {"service.name": "service-y"}
    refs = by_id[("0000000000000004", "reference-test")]
    # The first CHILD_OF within the trace is the parent; the others are links.
    assert refs.parent_span_id == "0000000000000002"
    assert [(link["trace_id"], link["span_id"]) for link in refs.links] == [
        ("0" * 30 + "ff", "00000000000000ff"),
        ("0" * 31 + "1", "0000000000000002"),
    ]
    first = by_id[("0000000000000002", "test-general-conversion")]
    assert [e.name for e in first.events] == ["some-event", "log"]
    assert first.events[1].attributes == {"x": "y"}
    assert first.start_ns == 1485467191639875 * 1000 and first.duration_ms == 0.005
    tagged = by_id[("0000000000000002", "some-operation")]
    assert tagged.status_code == 2  # the error tag
    assert tagged.attributes["temperature"] == 72.5 and tagged.attributes["peer.ipv4"] == 23456


def test_jaeger_api_v3_snapshot_with_times_past_64_bits_is_refused_by_name() -> None:
    """jaeger's cmd/query/app/apiv3/snapshots/GetTrace.json: its times do not fit 64 bits."""
    spans, errors = read(FORMATS / "jaeger_api_v3_snapshot.json")
    assert spans == []
    assert [str(e) for e in errors] == [
        "jaeger_api_v3_snapshot.json: resource 1, resourceSpans[0].scopeSpans[0].spans[0]:"
        " 'startTimeUnixNano' 11651379494838206464 is out of the 64-bit range"
    ]


@pytest.mark.parametrize(
    ("kind", "code", "want_kind", "want_code"),
    [(3, 2, 3, 2), ("SPAN_KIND_CLIENT", "STATUS_CODE_ERROR", 3, 2), ("2", "1", 2, 1), ("SPAN_KIND_WHAT", 9, 0, 0)],
)
def test_bare_otlp_spans_with_numbers_or_enum_names(
    tmp_path: Path, kind: object, code: object, want_kind: int, want_code: int
) -> None:
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": "chat",
        "kind": kind,
        "startTimeUnixNano": "1544712660000000000",
        "endTimeUnixNano": "1544712661000000000",
        "status": {"code": code},
        "attributes": [{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}}],
    }
    for shape, text in {"one": json.dumps(span), "array": json.dumps([span]), "lines": json.dumps(span) + "\n"}.items():
        path = tmp_path / f"{shape}.json"
        path.write_text(text)
        assert registry.detect(path).name == "otlp-spans"
        [raw], errors = read(path)
        assert errors == [] and (raw.kind, raw.status_code) == (want_kind, want_code), shape
        assert raw.attributes == {"gen_ai.request.model": "gpt-4o"}


def test_a_bad_record_is_named_and_the_others_are_read(tmp_path: Path) -> None:
    rest = json.loads((FORMATS / "phoenix_rest_spans.json").read_text())
    rest["data"][1]["start_time"] = "yesterday"
    path = tmp_path / "phoenix.json"
    path.write_text(json.dumps(rest))
    spans, errors = read(path)
    assert len(spans) == len(rest["data"]) - 1
    assert [str(e) for e in errors] == ["phoenix.json: span 2: 'start_time' is not a timestamp: 'yesterday'"]


def test_a_file_cut_short_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    text = (FORMATS / "jaeger_ui_agent.json").read_text()
    document = json.loads(text)
    document["data"] = document["data"] * 3
    whole = json.dumps(document)
    path = tmp_path / "cut.json"
    path.write_bytes(whole[: len(whole) * 5 // 6].encode())
    spans, errors = read(path)
    assert len(spans) == 6  # two whole traces of three spans
    assert len(errors) == 1 and str(errors[0]).startswith("cut.json: trace 3: not valid JSON")


@pytest.mark.slow  # a subprocess (or large data): kept out of the fast loop
def test_big_documents_are_streamed_record_by_record(tmp_path: Path) -> None:
    """The first spans arrive after a small part of the file was read, not after the whole was parsed."""
    rest = json.loads((FORMATS / "phoenix_rest_spans.json").read_text())
    template = rest["data"][0]
    many = [dict(template, context={"trace_id": f"{n:032x}", "span_id": f"{n:016x}"}) for n in range(15000)]
    path = tmp_path / "many.json"
    path.write_text(json.dumps({"data": many, "next_cursor": None}))
    importer = registry.detect(path)
    context = ReadContext(path=path, file_hash="0" * 64, report=lambda e: None)
    chunks = importer.read(context)  # type: ignore[union-attr]
    first = next(chunks)
    assert first.offset < path.stat().st_size // 5  # one 4 MiB read buffer, not the whole file
    assert sum(len(c.spans) for c in chunks) == 14999


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ('{"resourceMetrics": []}', "OTLP metrics, not traces"),
        ('{"resourceLogs": [{"scopeLogs": []}]}', "OTLP logs, not traces"),
        ('{"data": [{"traceID": "1", "spanCount": 3}]}', "a Jaeger search result without spans"),
        ('[{"traceId": "a", "id": "b", "localEndpoint": {}}]', "Zipkin v2 spans"),
        ('{"items": [], "count": 0}', "JSON without spans (an object with keys items, count)"),
        ('{"x": 1}\n{"x": 2}\n', "JSON lines without spans (the first line is an object with keys x)"),
        ("id,name\n1,a\n", "CSV or other tabular text"),
    ],
)
def test_a_refused_file_says_what_it_looks_like(tmp_path: Path, text: str, want: str) -> None:
    assert want in looks_like(text.encode())
    path = tmp_path / "thing.json"
    path.write_text(text)
    with pytest.raises(Exception, match="Supported formats") as info:
        registry.detect(path)
    assert f"thing.json: not a trace file reviewdesk can read: it looks like {want}" in str(info.value)


def test_a_record_nested_past_the_limit_is_refused_by_name(tmp_path: Path) -> None:
    """Found by the fuzzer: a stream parser builds what orjson refuses, and its repr overflowed the stack."""
    document = json.loads((FORMATS / "jaeger_api_v3_agent.json").read_text())
    text = json.dumps(document).replace('"attributes": [', '"attributes": ' + "[" * 1100 + "]" * 1100 + ', "x": [', 1)
    path = tmp_path / "deep.json"
    path.write_text(text)
    spans, errors = read(path)
    assert spans == []
    assert [str(e) for e in errors] == ["deep.json: resource 1: nested deeper than 64 levels"]
