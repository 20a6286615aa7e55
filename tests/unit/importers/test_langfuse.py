"""Langfuse exports: the real samples field by field, traces produced by the real ``langfuse`` SDK,
and the same trace sent as OTLP and exported from Langfuse giving the same case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.domain.case import Case
from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import open_workspace
from tests.conftest import DATA, SAMPLES

INSTRUMENTED = DATA / "instrumented"


def import_cases(tmp: Path, files: list[Path], trace_ids: list[str], *, format_name: str | None = None) -> list[Case]:
    ws = open_workspace(tmp / f"ws-{len(list(tmp.glob('ws-*')))}.reviewdesk")
    try:
        result = imports.import_files(ws, files, format_name=format_name)
        assert all(s.ok for s in result.files), [s.errors or s.failed for s in result.files]
        return [cases.get_case(ws, trace_id) for trace_id in trace_ids]
    finally:
        ws.close()


def same_case(a: Case, b: Case, *, exclude: set[str] | None = None) -> None:
    """Equal in every field but ``source`` (and ``exclude``); times equal to Langfuse's millisecond."""
    skip = {"source", *(exclude or set())}
    ours, theirs = a.model_dump(exclude=skip), b.model_dump(exclude=skip)
    for case in (ours, theirs):
        case["timing"] = (
            case.pop("started_at"),
            case.pop("latency_ms"),
            [t.pop("duration_ms") for t in case["tool_calls"]],
            [d.pop("age_days") for d in case["retrieval"]["documents"]],  # from the start time
        )
    timing_a, timing_b = ours.pop("timing"), theirs.pop("timing")
    (start_a, latency_a, durations_a, ages_a), (start_b, latency_b, durations_b, ages_b) = timing_a, timing_b
    assert ours == theirs
    assert [a is None for a in ages_a] == [b is None for b in ages_b]
    assert [a for a in ages_a if a is not None] == pytest.approx([b for b in ages_b if b is not None], abs=1e-6)
    assert abs((start_a - start_b).total_seconds()) < 0.001
    assert latency_a == pytest.approx(latency_b, abs=1.0)
    assert durations_a == pytest.approx(durations_b, abs=1.0)


# --- the real samples ------------------------------------------------------------------------

SAMPLE_EXPECTED: dict[str, dict[str, Any]] = {
    "langfuse_trace_openai_agents_openinference.json": {
        "trace_id": "fee618f96dc31e0ca38b2f7b26eb8b29",
        "workflow": "Agent workflow",
        "user_request": "What's the weather in Tokyo?",
        "system_instructions": "You are a helpful agent.",
        "output": "The weather in Tokyo is currently sunny. If you need more details like temperature or forecast for the upcoming days, just let me know!",  # noqa: E501 - verbatim model output
        "model": "gpt-4.1-2025-04-14",
        "provider": "openai",
        "tokens": (55 + 85, 15 + 29, 70 + 114),
        "cost": 0.00023 + 0.000402,
        "llm_calls": 2,
        "tools": [
            ("get_weather", {"city": "Tokyo"}, "The weather in Tokyo is sunny.", "call_Kud0j0DxWSmLzv9W5m6qVqXn")
        ],
        "feedback": [("toxicity", 0.8), ("hallucination", 0.0)],
        "span_count": 5,
    },
    "langfuse_trace_langgraph_python.json": {
        "trace_id": "e1fde3efec57ce8a69bafd3fb928a7eb",
        "workflow": "LangGraph",
        "user_request": "Search the web for 'example' and summarize.",
        "system_instructions": None,
        "output": 'The search for "example" primarily leads to the website [example.com](https://example.com), which is often used as a placeholder or demonstration site in various contexts. It serves as a generic example for illustrating how a website might look or function.',  # noqa: E501 - verbatim model output
        "model": "gpt-4o-2024-08-06",
        "request_model": "gpt-4o",
        "provider": "openai",
        "tokens": (60 + 108, 15 + 51, 75 + 159),
        "cost": 7.5e-05 + 0.000159,
        "llm_calls": 2,
        # The Web-Search tool is a plain SPAN whose output is a LangChain ToolMessage; its input
        # is a Python repr ("{'query': 'example'}").
        "tools": [
            (
                "Web-Search",
                {"query": "example"},
                [{"url": "https://example.com", "title": "Example Result", "q": "example"}],
                "call_1oGK863sxQHlPreFhDdEs3yl",
            )
        ],
        "feedback": [("hallucination", 0.1), ("toxicity", 0.0)],
        "span_count": 9,
    },
    "langfuse_trace_microsoft_agent_genai.json": {
        "trace_id": "8e419d3288419b5d944270505640e183",
        # The trace is named after its root span by default; gen_ai.agent.name says more (as in OTLP).
        "workflow": "171105b7-59dd-49c0-9677-0b95395aa46a",
        "user_request": "What's the weather in Tokyo?",
        "system_instructions": "You are a helpful assistant.",  # on the invoke_agent span only
        "output": "Current conditions in Tokyo, Japan: stormy, high around 23°C.",
        "model": "gpt-5-mini-2025-08-07",
        "request_model": "gpt-5-mini",
        "provider": "openai",
        # Only the two chat GENERATIONs count; the AGENT observation's usage is their sum again.
        "tokens": (77 + 216, 86 + 20, 163 + 236),
        "cost": 0.00019125 + 9.4e-05,
        "llm_calls": 2,
        "tools": [
            (
                "get_weather",
                {"location": "Tokyo, Japan"},
                "The weather in Tokyo, Japan is stormy with a high of 23°C.",
                "call_CwaJHuXTm9dmHFQPlVbqyzJ0",
            )
        ],
        "feedback": [("correctness", 1.0), ("hallucination", 0.9), ("toxicity", 0.0)],
        "span_count": 4,
    },
}


@pytest.mark.parametrize("file_name", sorted(SAMPLE_EXPECTED))
def test_real_langfuse_sample(tmp_path: Path, file_name: str) -> None:
    want = SAMPLE_EXPECTED[file_name]
    (case,) = import_cases(tmp_path, [SAMPLES / file_name], [want["trace_id"]])
    assert case.source.format == "langfuse"
    assert case.workflow == want["workflow"]
    assert case.input.user_request == want["user_request"]
    assert case.input.system_instructions == want["system_instructions"]
    assert case.generation.output == want["output"]
    assert case.generation.model == want["model"]
    assert case.generation.request_model == want.get("request_model", want["model"])
    assert case.generation.provider == want["provider"]
    assert (case.usage.input_tokens, case.usage.output_tokens, case.usage.total_tokens) == want["tokens"]
    assert case.usage.cost_usd == pytest.approx(want["cost"])
    assert case.usage.llm_calls == want["llm_calls"]
    assert [(t.name, t.arguments, t.result, t.call_id) for t in case.tool_calls] == want["tools"]
    assert all(t.error is None and t.span_id for t in case.tool_calls)
    assert [(f.name, f.score) for f in case.outcome.feedback] == want["feedback"]
    assert all(f.source == "EVAL" and f.comment for f in case.outcome.feedback)
    assert case.span_count == want["span_count"]
    assert case.status == "ok"


def test_sample_forms_give_the_same_case(tmp_path: Path) -> None:
    """The same export as a JSON array, as JSON lines, and as the API's trace with full details."""
    sample = json.loads((SAMPLES / "langfuse_trace_langgraph_python.json").read_text())
    trace_id = sample["trace"]["id"]
    (reference,) = import_cases(tmp_path, [SAMPLES / "langfuse_trace_langgraph_python.json"], [trace_id])
    other = json.loads((SAMPLES / "langfuse_trace_microsoft_agent_genai.json").read_text())
    array = tmp_path / "array.json"
    array.write_text(json.dumps([other, sample], indent=2))
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps(other) + "\n" + json.dumps(sample) + "\n")
    full = dict(sample["trace"], observations=sample["observations"])  # GET /api/public/traces/{id}
    full_path = tmp_path / "full.json"
    full_path.write_text(json.dumps(full))
    for path in (array, lines, full_path):
        (case,) = import_cases(tmp_path, [path], [trace_id])
        same_case(case, reference)


def test_python_repr_and_json_string_fields(tmp_path: Path) -> None:
    """Trace fields as Python reprs ("None", "True", "[]"), input and metadata as JSON strings."""
    record: dict[str, Any] = {
        "trace": {
            "id": "0123456789abcdef0123456789abcdef",
            "name": "repr-trace",
            "timestamp": "2025-08-22T09:38:56.228Z",
            "userId": "None",
            "sessionId": "'s-1'",
            "public": "True",
            "tags": "['a', 'b']",
            "release": "None",
            "input": json.dumps(json.dumps({"question": "What is the refund window?"})),
            "output": None,
            "metadata": "{'tenant': 'acme'}",
        },
        "observations": [
            {
                "id": "a1",
                "traceId": "0123456789abcdef0123456789abcdef",
                "type": "GENERATION",
                "name": "chat",
                "startTime": "2025-08-22T09:38:56.300Z",
                "endTime": "2025-08-22T09:38:57.300Z",
                "model": "claude-sonnet-4",
                "input": json.dumps(
                    [{"role": "user", "content": [{"type": "text", "text": "What is the refund window?"}]}]
                ),
                "output": json.dumps({"role": "assistant", "content": [{"type": "text", "text": "30 days."}]}),
                "usageDetails": {"input": 12, "output": 3},
                "costDetails": {"input": 0.1, "output": 0.2},
                "promptName": "refund-answer",
                "promptVersion": 7,
                "level": "DEFAULT",
                "metadata": "{}",
            }
        ],
    }
    path = tmp_path / "repr.json"
    path.write_text(json.dumps(record))
    (case,) = import_cases(tmp_path, [path], [record["trace"]["id"]])
    assert case.user_id is None and case.session_id == "s-1" and case.release is None and case.tenant == "acme"
    assert case.input.user_request == "What is the refund window?"
    assert case.generation.output == "30 days."
    assert case.generation.model == "claude-sonnet-4"
    assert (case.usage.input_tokens, case.usage.output_tokens, case.usage.total_tokens) == (12, 3, 15)
    assert case.usage.cost_usd == pytest.approx(0.3)
    assert case.input.prompt_template is not None
    assert (case.input.prompt_template.name, case.input.prompt_template.version) == ("refund-answer", "7")


def test_level_error_and_observation_batches(tmp_path: Path) -> None:
    """Observations exported on their own (JSON lines and an API list), merged by trace id."""
    trace_id = "fedcba9876543210fedcba9876543210"

    def observation(oid: str, **fields: Any) -> dict[str, Any]:
        return {
            "id": oid,
            "traceId": trace_id,
            "startTime": "2025-01-01T00:00:00.000Z",
            "endTime": "2025-01-01T00:00:01.000Z",
            **fields,
        }

    root = observation("r", type="AGENT", name="agent", input="Cancel my plan", output="Sorry.")
    tool = observation(
        "t",
        type="TOOL",
        name="cancel",
        parentObservationId="r",
        input={"plan": "pro"},
        level="ERROR",
        statusMessage="CRM timeout",
    )
    event = observation("e", type="EVENT", name="note", parentObservationId="r", endTime=None)
    lines = tmp_path / "observations.jsonl"
    lines.write_text(json.dumps(root) + "\n" + json.dumps(tool) + "\n")
    api = tmp_path / "observations-api.json"
    api.write_text(json.dumps({"data": [event], "meta": {"cursor": None}}))
    (case,) = import_cases(tmp_path, [lines, api], [trace_id])
    assert case.span_count == 3
    assert case.status == "error"
    assert case.error is not None and case.error.message == "CRM timeout" and case.error.span_id == "t"
    assert [(t.name, t.arguments, t.error) for t in case.tool_calls] == [("cancel", {"plan": "pro"}, "CRM timeout")]
    assert case.input.user_request == "Cancel my plan"
    assert case.generation.output == "Sorry."


# --- traces from the real Langfuse SDK -------------------------------------------------------


@pytest.fixture(scope="module")
def sdk_traces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("langfuse")
    from tests.producers import langfuse_traces as producer
    from tests.producers.fake_endpoint import FakeEndpoint

    endpoint = FakeEndpoint()
    try:
        client = producer.langfuse_client(endpoint)
        refund_id, failure_id = producer.run_sdk(client)
        client.shutdown()
        otlp = producer.otlp_json(endpoint)
        scores = producer.ingested_scores(endpoint)
    finally:
        endpoint.close()
    out = tmp_path_factory.mktemp("langfuse-sdk")
    otlp_path = out / "langfuse-sdk.otlp.json"
    otlp_path.write_text(json.dumps(otlp, indent=1))
    return {
        "otlp": otlp,
        "otlp_path": otlp_path,
        "scores": scores,
        "refund": refund_id,
        "failure": failure_id,
        "dir": out,
    }


def test_langfuse_sdk_otlp_is_read_by_the_langfuse_convention(tmp_path: Path, sdk_traces: dict[str, Any]) -> None:
    from tests.producers.langfuse_traces import EXPECTED_FAILURE
    from tests.producers.langfuse_traces import EXPECTED_SDK as want

    case, failure = import_cases(tmp_path, [sdk_traces["otlp_path"]], [sdk_traces["refund"], sdk_traces["failure"]])
    assert case.source.format == "otlp-json"
    assert case.workflow == want["workflow"]
    assert case.input.user_request == want["user_request"]
    assert case.input.system_instructions == want["system_instructions"]
    assert case.generation.output == want["output"]
    assert (case.generation.model, case.generation.request_model) == (want["model"], want["request_model"])
    assert (case.usage.input_tokens, case.usage.output_tokens, case.usage.total_tokens) == (
        want["input_tokens"], want["output_tokens"], want["total_tokens"],
    )  # fmt: skip
    assert case.usage.cost_usd == pytest.approx(want["cost_usd"])
    assert case.usage.llm_calls == want["llm_calls"]
    assert [
        {"name": t.name, "arguments": t.arguments, "result": t.result, "call_id": t.call_id, "error": t.error}
        for t in case.tool_calls
    ] == want["tool_calls"]
    assert case.retrieval.query == want["retrieval_query"]
    assert [d.id for d in case.retrieval.documents] == want["documents"]
    assert (case.user_id, case.session_id, case.tenant) == (want["user_id"], want["session_id"], want["tenant"])
    assert case.input.prompt_template is not None
    assert (case.input.prompt_template.name, case.input.prompt_template.version) == want["prompt"]
    assert case.span_count == want["span_count"]
    assert failure.status == EXPECTED_FAILURE["status"]
    assert [(t.name, t.error) for t in failure.tool_calls] == [(EXPECTED_FAILURE["tool"], EXPECTED_FAILURE["error"])]


@pytest.mark.parametrize("style", ["download", "api"])
def test_langfuse_export_and_otlp_give_the_same_case(tmp_path: Path, sdk_traces: dict[str, Any], style: str) -> None:
    from tests.producers.langfuse_traces import langfuse_export

    ids = [sdk_traces["refund"], sdk_traces["failure"]]
    from_otlp = import_cases(tmp_path, [sdk_traces["otlp_path"]], ids)
    exports = [langfuse_export(sdk_traces["otlp"], trace_id, style=style) for trace_id in ids]
    single = tmp_path / "export.json"
    single.write_text(json.dumps(exports[0], indent=2))
    lines = tmp_path / "exports.jsonl"
    lines.write_text("".join(json.dumps(e) + "\n" for e in exports))
    batch = tmp_path / "observations.json"  # an observation batch export: no trace records at all
    batch.write_text(json.dumps([o for e in exports for o in e["observations"]]))
    (from_single,) = import_cases(tmp_path, [single], ids[:1])
    assert from_single.source.format == "langfuse"
    same_case(from_single, from_otlp[0])
    for ours, theirs in zip(import_cases(tmp_path, [lines], ids), from_otlp, strict=True):
        same_case(ours, theirs)
    # Observations alone carry the trace's user and session, not its name or metadata: the
    # workflow falls back to the root observation's name, and the tenant (trace metadata) is unknown.
    for ours, theirs in zip(import_cases(tmp_path, [batch], ids), from_otlp, strict=True):
        same_case(ours, theirs, exclude={"workflow", "tenant"})


def test_langfuse_scores_become_feedback(tmp_path: Path, sdk_traces: dict[str, Any]) -> None:
    from tests.producers.langfuse_traces import langfuse_export

    assert sdk_traces["scores"], "the SDK sent no score"
    export = langfuse_export(sdk_traces["otlp"], sdk_traces["refund"], scores=sdk_traces["scores"])
    path = tmp_path / "scored.json"
    path.write_text(json.dumps(export))
    (case,) = import_cases(tmp_path, [path], [sdk_traces["refund"]])
    assert [(f.name, f.score, f.comment, f.source) for f in case.outcome.feedback] == [
        ("correctness", 1.0, "matches the policy", "API")
    ]


# --- OpenInference / GenAI spans that went through Langfuse ----------------------------------


def _otlp_documents(path: Path) -> dict[str, Any]:
    text = path.read_text()
    if path.suffix == ".jsonl":
        return {
            "resourceSpans": [
                rs for line in text.splitlines() if line.strip() for rs in json.loads(line)["resourceSpans"]
            ]
        }
    return dict(json.loads(text))


@pytest.mark.parametrize("keep_message_attributes", [False, True], ids=["langfuse-2026", "langfuse-2025"])
@pytest.mark.parametrize("fixture", ["openinference_openai.json", "otel_genai_v2.jsonl"])
def test_otel_trace_through_langfuse_gives_the_otlp_case(
    tmp_path: Path, fixture: str, keep_message_attributes: bool
) -> None:
    pytest.importorskip("langfuse")
    from tests.producers.langfuse_traces import langfuse_export

    expected = json.loads((INSTRUMENTED / "expected.json").read_text())[fixture]
    ids = [expected["A"]["trace_id"], expected["B"]["trace_id"]]
    from_otlp = import_cases(tmp_path, [INSTRUMENTED / fixture], ids)
    otlp = _otlp_documents(INSTRUMENTED / fixture)
    path = tmp_path / "through-langfuse.jsonl"
    path.write_text(
        "".join(
            json.dumps(langfuse_export(otlp, t, keep_message_attributes=keep_message_attributes)) + "\n" for t in ids
        )
    )
    for ours, theirs in zip(import_cases(tmp_path, [path], ids), from_otlp, strict=True):
        if theirs.error is not None and ours.error is not None:
            # Langfuse drops span events, and OpenInference records the exception class only in
            # the `exception` event: the export keeps the message, not the type.
            assert ours.error.message == theirs.error.message
            ours.error.type = theirs.error.type
        same_case(ours, theirs)
