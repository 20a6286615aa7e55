"""The real public sample files (tests/data/samples, see SOURCES.md there) import with the right fields."""

from __future__ import annotations

import json
from pathlib import Path

from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import Workspace
from tests.conftest import SAMPLES
from tests.otlp_builder import span, write_json


def test_otlp_proto_example_document(workspace: Workspace) -> None:
    result = imports.import_files(workspace, [SAMPLES / "otlp_trace_example.json"])
    summary = result.files[0]
    assert summary.format == "otlp-json"
    assert (summary.cases_created, summary.spans, summary.skipped) == (1, 1, 0)
    # Ids are case-insensitive hex in OTLP/JSON: stored lower-case, found either way.
    case = cases.get_case(workspace, "5B8EFFF798038103D269B633813FC60C")
    assert case.trace_id == "5b8efff798038103d269b633813fc60c"
    assert case.workflow == "I'm a server span"
    assert case.latency_ms == 1000.0
    assert case.started_at is not None and case.started_at.isoformat() == "2018-12-13T14:51:00+00:00"
    assert case.status == "ok"
    spans = cases.get_spans(workspace, case.case_id)
    # The parent span is not in the file: the span is the root, and its parent id is kept as sent.
    assert spans[0].parent_span_id == "eee19b7ec3c1b173"
    assert spans[0].attributes == {"my.span.attr": "some value"}
    assert spans[0].resource == {"service.name": "my.service"}
    assert spans[0].scope == {"name": "my.library", "version": "1.0.0"}


def test_collector_file_exporter_example_with_empty_ids(workspace: Workspace) -> None:
    path = SAMPLES / "otlp_file_exporter_traces.jsonl"
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.format == "otlp-jsonl"
    assert summary.skipped == 0
    # Four lines, two spans each, every id empty: each line becomes one synthetic trace.
    assert (summary.cases_created, summary.spans) == (4, 8)
    rows = cases.list_cases(workspace)
    assert all(row.trace_id.startswith("anon-") for row in rows)
    assert {row.status for row in rows} == {"error"}  # operationA has status code 2 in every line
    case = cases.get_case(workspace, rows[0].case_id)
    assert case.error is not None and case.error.message == "status-cancelled"
    spans = cases.get_spans(workspace, rows[0].case_id)
    by_name = {s.name: s for s in spans}
    assert [e.name for e in by_name["operationA"].events] == ["event-with-attr", "event"]
    assert by_name["operationA"].events[0].attributes == {"span-event-attr": "span-event-attr-val"}
    assert by_name["operationB"].links[0]["attributes"] == {"span-link-attr": "span-link-attr-val"}
    # Synthetic ids depend on content only: importing the same bytes under another name adds nothing.
    again = imports.import_files(workspace, [path]).files[0]
    assert again.already_imported


def test_genai_semconv_doc_example_with_structured_attributes(workspace: Workspace, tmp_path: Path) -> None:
    """The GenAI docs' tool-call flow, with messages as structured (kvlist/array) attribute values."""
    doc = json.loads((SAMPLES / "genai_semconv_doc_examples.json").read_text())
    flow = doc["tool_call_flow_spans"]
    spans = [
        span(
            item["span_name"],
            span_id=f"{index + 1:016x}",
            start_ms=index * 100,
            end_ms=index * 100 + 80,
            attributes=item["attributes"],
        )
        for index, item in enumerate(flow)
    ]
    imports.import_files(workspace, [write_json(tmp_path / "flow.json", spans)])
    case = cases.get_case(workspace, "0af7651916cd43dd8448eb211c80319c")
    assert case.input.user_request == "Weather in Paris?"
    assert case.generation.model == "gpt-4-0613"
    assert case.generation.request_model == "gpt-4"
    assert case.generation.provider == "openai"
    assert case.generation.finish_reason == "stop"
    assert case.generation.output == "The weather in Paris is currently rainy with a temperature of 57°F."
    assert case.generation.parameters == {"max_tokens": 200, "top_p": 1.0}
    assert case.usage.input_tokens == 47 + 97
    assert case.usage.output_tokens == 17 + 52
    assert case.usage.llm_calls == 2
    # The execute_tool span carries no result; the result is the tool message of the next call.
    assert len(case.tool_calls) == 1
    call = case.tool_calls[0]
    assert (call.name, call.call_id, call.span_id) == (
        "get_weather",
        "call_VSPygqKTWdrhaFErNvMV18Yl",
        "0000000000000002",
    )
    assert call.arguments == {"location": "Paris"}
    assert call.result == "rainy, 57°F"
    assert case.input.messages[0].role == "user"
