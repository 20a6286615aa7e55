"""Convention readers and case rules on hand-written spans, one quirk per test (no database)."""

from __future__ import annotations

import json
from typing import Any

from reviewdesk.domain.spans import STATUS_ERROR, RawSpan, SpanEvent
from reviewdesk.normalize import SpanKind, build_case, view_span
from reviewdesk.normalize.conventions.common import indexed, nest

T = "11111111111111111111111111111111"


def raw(
    span_id: str,
    attrs: dict[str, Any],
    *,
    parent: str | None = None,
    start: int = 0,
    end: int = 10,
    name: str = "span",
    events: list[SpanEvent] | None = None,
    failed: bool = False,
    resource: dict[str, Any] | None = None,
) -> RawSpan:
    return RawSpan(
        trace_id=T,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        start_ns=start * 1_000_000,
        end_ns=end * 1_000_000,
        attributes=attrs,
        events=events or [],
        status_code=STATUS_ERROR if failed else 0,
        resource=resource or {},
    )


def case_of(*spans: RawSpan) -> Any:
    return build_case(list(spans), source_format="test", source_file="t.json")


def test_flattened_indices_sort_numerically() -> None:
    attrs = {f"gen_ai.prompt.{i}.content": f"m{i}" for i in range(12)}
    attrs.update({f"gen_ai.prompt.{i}.role": "user" if i == 11 else "assistant" for i in range(12)})
    items = indexed(attrs, "gen_ai.prompt.")
    assert [item["content"] for item in items] == [f"m{i}" for i in range(12)]
    assert nest({"a.0.b": 1, "a.10.b": 3, "a.2.b": 2}) == {"a": [{"b": 1}, {"b": 2}, {"b": 3}]}


def test_openllmetry_legacy_llm_span() -> None:
    attrs = {
        "gen_ai.system": "openai",
        "llm.request.type": "chat",
        "gen_ai.request.model": "gpt-4o",
        "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.prompt.0.role": "system",
        "gen_ai.prompt.0.content": "Be brief.",
        "gen_ai.prompt.1.role": "user",
        "gen_ai.prompt.1.content": "What's the weather in Paris?",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.finish_reason": "tool_calls",
        "gen_ai.completion.0.tool_calls.0.id": "call_1",
        "gen_ai.completion.0.tool_calls.0.name": "get_weather",
        "gen_ai.completion.0.tool_calls.0.arguments": '{"location":"Paris"}',
        "gen_ai.usage.prompt_tokens": 47,
        "gen_ai.usage.completion_tokens": 17,
        "llm.usage.total_tokens": 64,
        "llm.headers": "None",
    }
    view = view_span(raw("a" * 16, attrs))
    assert view.kind is SpanKind.LLM
    assert view.conventions == ["genai", "openllmetry"]
    case = case_of(raw("a" * 16, attrs))
    assert case.input.user_request == "What's the weather in Paris?"
    assert case.input.system_instructions == "Be brief."
    assert case.generation.provider == "openai"
    assert case.generation.finish_reason == "tool_calls"
    assert (case.usage.input_tokens, case.usage.output_tokens, case.usage.total_tokens) == (47, 17, 64)
    # Requested but never executed in this trace: still a tool call of the case, without a result.
    assert [(c.name, c.arguments, c.result) for c in case.tool_calls] == [("get_weather", {"location": "Paris"}, None)]


def test_deprecated_genai_message_events() -> None:
    events = [
        SpanEvent("gen_ai.system.message", 1, {"content": "You are a travel agent."}),
        SpanEvent("gen_ai.user.message", 2, {"content": "Book me a flight to Oslo."}),
        SpanEvent(
            "gen_ai.choice",
            3,
            {
                "index": 0,
                "finish_reason": "stop",
                "message": json.dumps({"role": "assistant", "content": "Which date?"}),
            },
        ),
    ]
    case = case_of(raw("a" * 16, {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4"}, events=events))
    assert case.input.user_request == "Book me a flight to Oslo."
    assert case.input.system_instructions == "You are a travel agent."
    assert case.generation.output == "Which date?"
    assert case.generation.finish_reason == "stop"


def test_genai_system_instructions_and_tool_response_parts() -> None:
    first = raw(
        "a" * 16,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "m",
            "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Only answer from tools."}]),
            "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "Order 7?"}]}]),
            "gen_ai.output.messages": json.dumps(
                [
                    {
                        "role": "assistant",
                        "finish_reason": "tool_call",
                        "parts": [
                            {"type": "tool_call", "id": "c1", "name": "lookup", "arguments": {"id": 7}},
                            {"type": "tool_call", "id": "c2", "name": "lookup", "arguments": {"id": 8}},
                        ],
                    }
                ]
            ),
        },
        start=0,
        end=10,
    )
    second = raw(
        "b" * 16,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "m",
            "gen_ai.input.messages": json.dumps(
                [
                    {"role": "user", "parts": [{"type": "text", "content": "Order 7?"}]},
                    {
                        "role": "tool",
                        "parts": [
                            {"type": "tool_call_response", "id": "c1", "response": {"status": "shipped"}},
                            {"type": "tool_call_response", "id": "c2", "result": "not found"},
                        ],
                    },
                ]
            ),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "finish_reason": "stop", "parts": [{"type": "text", "content": "Shipped."}]}]
            ),
        },
        start=20,
        end=30,
    )
    case = case_of(first, second)
    assert case.input.system_instructions == "Only answer from tools."
    assert [(c.call_id, c.result) for c in case.tool_calls] == [("c1", {"status": "shipped"}), ("c2", "not found")]
    assert case.generation.output == "Shipped."


def test_openinference_tool_result_only_in_next_llm_input() -> None:
    first = raw(
        "a" * 16,
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o-2024-08-06",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Refund order 9?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_9",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "issue_refund",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"order": 9}',
        },
        start=0,
        end=10,
    )
    second = raw(
        "b" * 16,
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4o-2024-08-06",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Refund order 9?",
            "llm.input_messages.1.message.role": "assistant",
            "llm.input_messages.1.message.tool_calls.0.tool_call.id": "call_9",
            "llm.input_messages.1.message.tool_calls.0.tool_call.function.name": "issue_refund",
            "llm.input_messages.1.message.tool_calls.0.tool_call.function.arguments": '{"order": 9}',
            "llm.input_messages.2.message.role": "tool",
            "llm.input_messages.2.message.tool_call_id": "call_9",
            "llm.input_messages.2.message.content": '{"refund_id": "R-1"}',
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "Done: R-1.",
        },
        start=20,
        end=30,
    )
    case = case_of(first, second)
    assert len(case.tool_calls) == 1  # the same call seen in the output and in the next input is one call
    call = case.tool_calls[0]
    assert (call.name, call.arguments, call.result, call.span_id) == (
        "issue_refund",
        {"order": 9},
        {"refund_id": "R-1"},
        "a" * 16,
    )


def test_history_tool_calls_from_earlier_turns_are_not_this_cases_calls() -> None:
    llm = raw(
        "a" * 16,
        {
            "openinference.span.kind": "LLM",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Where is order 1?",
            "llm.input_messages.1.message.role": "assistant",
            "llm.input_messages.1.message.tool_calls.0.tool_call.id": "old",
            "llm.input_messages.1.message.tool_calls.0.tool_call.function.name": "lookup_order",
            "llm.input_messages.2.message.role": "tool",
            "llm.input_messages.2.message.tool_call_id": "old",
            "llm.input_messages.2.message.content": "in transit",
            "llm.input_messages.3.message.role": "assistant",
            "llm.input_messages.3.message.content": "In transit.",
            "llm.input_messages.4.message.role": "user",
            "llm.input_messages.4.message.content": "And order 2?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "Let me look.",
        },
    )
    case = case_of(llm)
    assert case.input.user_request == "And order 2?"
    assert case.tool_calls == []
    assert len(case.input.messages) == 5


def test_openinference_retrieval_prompt_template_annotations_and_identity() -> None:
    root = raw(
        "r" * 16,
        {
            "openinference.span.kind": "CHAIN",
            "input.value": json.dumps({"question": "Return window?"}),
            "output.value": "30 days.",
            "session.id": "s-1",
            "user.id": "u-1",
            "metadata": json.dumps({"workflow": "refunds", "tenant": "acme"}),
            "annotations.0.annotation.name": "user_feedback",
            "annotations.0.annotation.label": "thumbs_down",
            "annotations.0.annotation.score": 0,
            "annotations.0.annotation.annotator_kind": "HUMAN",
        },
        name="chain",
        end=100,
        resource={"service.version": "2026.11.0"},
    )
    retriever = raw(
        "d" * 16,
        {
            "openinference.span.kind": "RETRIEVER",
            "input.value": "Return window?",
            "retrieval.documents.0.document.id": "p1",
            "retrieval.documents.0.document.content": "Returns: 30 days.",
            "retrieval.documents.0.document.score": 0.9,
            "retrieval.documents.0.document.metadata": json.dumps({"source": "kb://returns.md"}),
            "retrieval.documents.1.document.id": "p2",
            "retrieval.documents.1.document.content": "Shipping: 5 days.",
        },
        parent="r" * 16,
        start=1,
        end=5,
    )
    llm = raw(
        "l" * 16,
        {
            "openinference.span.kind": "LLM",
            "llm.prompt_template.template": "Answer {question}",
            "llm.prompt_template.version": "v3",
            "llm.prompt_template.variables": json.dumps({"question": "Return window?"}),
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.content": "30 days.",
            "llm.token_count.prompt": 10,
            "llm.token_count.completion": 3,
            "llm.cost.total": 0.0012,
            "some.vendor.thing": "kept",
        },
        parent="r" * 16,
        start=6,
        end=50,
    )
    case = case_of(llm, root, retriever)  # order of arrival does not matter
    assert case.input.user_request == "Return window?"  # no user message in the LLM span: the root's input
    assert case.retrieval.query == "Return window?"
    assert [(d.id, d.rank, d.source, d.score) for d in case.retrieval.documents] == [
        ("p1", 1, "kb://returns.md", 0.9),
        ("p2", 2, None, None),
    ]
    assert case.input.prompt_template is not None
    assert (case.input.prompt_template.version, case.input.prompt_template.variables) == (
        "v3",
        {"question": "Return window?"},
    )
    assert case.usage.cost_usd == 0.0012 and case.usage.total_tokens == 13
    assert [(f.name, f.label, f.score, f.source) for f in case.outcome.feedback] == [
        ("user_feedback", "thumbs_down", 0.0, "HUMAN")
    ]
    assert (case.workflow, case.tenant, case.session_id, case.user_id, case.release) == (
        "refunds",
        "acme",
        "s-1",
        "u-1",
        "2026.11.0",
    )
    assert case.latency_ms == 100.0


def test_errors_come_from_status_and_exception_events() -> None:
    root = raw("r" * 16, {"openinference.span.kind": "CHAIN"}, end=100)
    tool = raw(
        "t" * 16,
        {"openinference.span.kind": "TOOL", "tool.name": "create_ticket", "input.value": "{}"},
        parent="r" * 16,
        failed=True,
        events=[
            SpanEvent(
                "exception",
                5,
                {"exception.type": "PermissionError", "exception.message": "agent may not create tickets"},
            )
        ],
    )
    case = case_of(root, tool)
    assert case.status == "error"
    assert case.error is not None
    assert (case.error.type, case.error.message, case.error.span_id) == (
        "PermissionError",
        "agent may not create tickets",
        "t" * 16,
    )
    assert case.tool_calls[0].error == "PermissionError: agent may not create tickets"


def test_span_with_both_conventions_prefers_openinference_and_fills_gaps_from_genai() -> None:
    span = raw(
        "a" * 16,
        {
            "openinference.span.kind": "LLM",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Hi (OpenInference)",
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "Hi (GenAI)"}]}]
            ),
            "gen_ai.response.model": "gpt-5-mini",
            "gen_ai.usage.input_tokens": 4,
        },
    )
    case = case_of(span)
    assert case.input.user_request == "Hi (OpenInference)"
    assert case.generation.model == "gpt-5-mini"
    assert case.usage.input_tokens == 4


def test_usage_counts_llm_spans_only() -> None:
    agent = raw(
        "r" * 16,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.usage.input_tokens": 100,
            "gen_ai.usage.output_tokens": 10,
            "gen_ai.agent.name": "helper",
        },
        end=100,
    )
    llm = raw(
        "l" * 16,
        {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 10},
        parent="r" * 16,
    )
    case = case_of(agent, llm)
    assert (case.usage.input_tokens, case.usage.output_tokens, case.usage.llm_calls) == (100, 10, 1)
    assert case.workflow == "helper"


def test_equal_start_times_keep_parents_before_children() -> None:
    """Millisecond clocks (Langfuse) give an agent and its first call the same start."""
    agent = raw("z" * 16, {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "helper"}, start=5, end=90)
    first = raw(
        "a" * 16,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "first question"}]}]
            ),
        },
        parent="z" * 16,
        start=5,
        end=9,
    )
    later = raw(
        "0" * 16,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "follow-up"}]}]
            ),
        },
        parent="a" * 16,
        start=5,
        end=9,
    )
    case = case_of(later, first, agent)
    assert case.input.user_request == "first question"
    assert case.workflow == "helper"


def test_system_instructions_from_the_agent_span_and_responses_api_parameters() -> None:
    agent = raw(
        "z" * 16,
        {
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.system_instructions": json.dumps([{"type": "text", "content": "Be a weather bot."}]),
        },
        end=90,
    )
    llm = raw(
        "a" * 16,
        {
            "openinference.span.kind": "LLM",
            "llm.invocation_parameters": json.dumps(
                {
                    "id": "resp_1",
                    "created_at": 1.0,
                    "temperature": 0.3,
                    "billing": {"payer": "developer"},
                    "store": True,
                }
            ),
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Rain?",
        },
        parent="z" * 16,
        start=1,
        end=9,
    )
    case = case_of(agent, llm)
    assert case.input.system_instructions == "Be a weather bot."
    assert case.generation.parameters == {"temperature": 0.3}
