"""Exact content: the defects found by importing real trace files nobody here wrote (issue 12).

Each test builds spans in the shape the named library writes them (attribute names and value
encodings as in FORMATS.md and the libraries' own test fixtures) and checks one rule of
docs/case-rules.md that the first reading got wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reviewdesk.domain.spans import STATUS_ERROR, RawSpan, SpanEvent
from reviewdesk.normalize import SpanKind, build_case, view_span

T = "22222222222222222222222222222222"

# A structured-output answer as the provider returned it: odd spacing, keys not in sorted order.
JSON_ANSWER = '{"name": "Paris",  "population": 2102650, "country": "FR"}'


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
    status_message: str | None = None,
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
        status_message=status_message,
    )


def case_of(*spans: RawSpan) -> Any:
    return build_case(list(spans), source_format="test", source_file="t.json")


# --- model output that happens to be JSON -------------------------------------------------------


def test_openinference_json_answer_is_kept_as_written() -> None:
    attrs = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini-2024-07-18",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "Largest city of France as JSON",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": JSON_ANSWER,
    }
    assert case_of(raw("a" * 16, attrs)).generation.output == JSON_ANSWER


def test_genai_json_answer_is_kept_as_written() -> None:
    output = [{"role": "assistant", "parts": [{"type": "text", "content": JSON_ANSWER}], "finish_reason": "stop"}]
    attrs = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.input.messages": json.dumps([{"role": "user", "parts": [{"type": "text", "content": "city?"}]}]),
        "gen_ai.output.messages": json.dumps(output),
    }
    assert case_of(raw("a" * 16, attrs)).generation.output == JSON_ANSWER


def test_langfuse_generation_json_answer_is_kept_as_written() -> None:
    # The Langfuse SDK JSON-encodes the observation output, here an OpenAI message.
    attrs = {
        "langfuse.observation.type": "generation",
        "langfuse.observation.model.name": "gpt-4o-mini",
        "langfuse.observation.input": json.dumps([{"role": "user", "content": "city?"}]),
        "langfuse.observation.output": json.dumps({"role": "assistant", "content": JSON_ANSWER}),
    }
    assert case_of(raw("a" * 16, attrs)).generation.output == JSON_ANSWER


def test_langfuse_generation_string_output_that_is_json_is_kept() -> None:
    # A plain-string output (the Langfuse SDK's @observe of a function returning the model's text).
    attrs = {
        "langfuse.observation.type": "generation",
        "langfuse.observation.model.name": "gpt-4o-mini",
        "langfuse.observation.input": json.dumps("Largest city of France as JSON"),
        "langfuse.observation.output": json.dumps(JSON_ANSWER),
    }
    case = case_of(raw("a" * 16, attrs))
    assert case.generation.output == JSON_ANSWER
    assert case.input.user_request == "Largest city of France as JSON"


def test_langsmith_chat_completion_json_answer_is_kept_as_written() -> None:
    outputs = {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": JSON_ANSWER}, "finish_reason": "stop"}],
        "model": "gpt-4o-mini-2024-07-18",
    }
    attrs = {
        "langsmith.span.kind": "llm",
        "langsmith.run.inputs": {"messages": [{"role": "user", "content": "city?"}], "model": "gpt-4o-mini"},
        "langsmith.run.outputs": outputs,
    }
    assert case_of(raw("a" * 16, attrs)).generation.output == JSON_ANSWER


def test_root_output_that_is_json_is_kept_as_written() -> None:
    # No LLM span: the answer is the root span's output, an application's JSON response.
    attrs = {"openinference.span.kind": "CHAIN", "input.value": "hi", "output.value": '{"b": 1,  "a": [2, 3]}'}
    assert case_of(raw("a" * 16, attrs)).generation.output == '{"b": 1,  "a": [2, 3]}'


def test_content_parts_stored_as_a_string_are_still_read_as_parts() -> None:
    parts = json.dumps([{"type": "text", "text": "Paris."}])
    attrs = {
        "openinference.span.kind": "LLM",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": parts,
    }
    assert case_of(raw("a" * 16, attrs)).generation.output == "Paris."


# --- the error of a failed trace ------------------------------------------------------------------


def test_root_failed_without_message_takes_the_earliest_failing_span_with_one() -> None:
    # OpenAI Agents through OpenInference: the agent span is marked failed with no description;
    # the tool below it recorded the exception.
    agent = raw("a" * 16, {"openinference.span.kind": "AGENT"}, name="Agent workflow", failed=True)
    quiet = raw("b" * 16, {"openinference.span.kind": "CHAIN"}, parent="a" * 16, start=1, failed=True)
    tool = raw(
        "c" * 16,
        {"openinference.span.kind": "TOOL", "tool.name": "get_weather"},
        parent="a" * 16,
        start=2,
        failed=True,
        events=[
            SpanEvent(
                "exception",
                2_000_000,
                {"exception.type": "httpx.ConnectTimeout", "exception.message": "weather API timed out"},
            )
        ],
    )
    case = case_of(agent, quiet, tool)
    assert case.status == "error"
    assert case.error is not None
    assert case.error.message == "weather API timed out"
    assert case.error.type == "httpx.ConnectTimeout"
    assert case.error.span_id == "c" * 16


def test_error_message_attribute_is_a_message() -> None:
    # Some SDKs (Vercel AI SDK, custom wrappers) write error.message instead of an exception event.
    root = raw("a" * 16, {"error.type": "RateLimitError", "error.message": "429 Too Many Requests"}, failed=True)
    case = case_of(root)
    assert case.error is not None
    assert case.error.message == "429 Too Many Requests"


def test_root_with_its_own_message_keeps_it() -> None:
    root = raw("a" * 16, {}, failed=True, status_message="run cancelled")
    child = raw("b" * 16, {}, parent="a" * 16, start=1, failed=True, status_message="inner")
    assert case_of(root, child).error.message == "run cancelled"


# --- system instructions ------------------------------------------------------------------------


def test_system_instructions_from_a_root_input_field() -> None:
    # A traceloop @workflow over generate(prompt, system); the LLM span has the user message only.
    root = raw(
        "a" * 16,
        {
            "traceloop.span.kind": "workflow",
            "traceloop.entity.input": json.dumps(
                {"args": [], "kwargs": {"prompt": "Summarise the ticket", "system": "You are a support triage bot."}}
            ),
        },
        name="generate.workflow",
    )
    llm = raw(
        "b" * 16,
        {
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "Summarise"}]}]
            ),
        },
        parent="a" * 16,
        start=1,
    )
    assert case_of(root, llm).input.system_instructions == "You are a support triage bot."


def test_system_instructions_from_the_responses_object_an_agent_got_back() -> None:
    # OpenAI Agents via OpenInference without invocation parameters: output.value is the Response,
    # which echoes the agent's instructions.
    response = {
        "id": "resp_1",
        "object": "response",
        "instructions": "You are a helpful agent.",
        "model": "gpt-4.1-2025-04-14",
        "output": [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Sunny."}]}],
        "status": "completed",
    }
    llm = raw(
        "a" * 16,
        {
            "openinference.span.kind": "LLM",
            "llm.model_name": "gpt-4.1-2025-04-14",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Weather in Tokyo?",
            "output.value": json.dumps(response),
            "output.mime_type": "application/json",
        },
    )
    case = case_of(llm)
    assert case.input.system_instructions == "You are a helpful agent."
    assert case.generation.finish_reason == "completed"


def test_system_instructions_from_an_assistant_object() -> None:
    # OpenAI Assistants: the run span's input carries the assistant with its instructions.
    root = raw(
        "a" * 16,
        {
            "openinference.span.kind": "CHAIN",
            "input.value": json.dumps(
                {"assistant": {"id": "asst_1", "object": "assistant", "instructions": "You are a math tutor."}}
            ),
        },
    )
    assert case_of(root).input.system_instructions == "You are a math tutor."


# --- the user request -----------------------------------------------------------------------------


def test_user_message_without_content_leaves_the_request_missing() -> None:
    # An image-only turn recorded with content null (LangSmith wrap_openai drops the image parts).
    attrs = {
        "langsmith.span.kind": "llm",
        "langsmith.run.inputs": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": None}]},
        "langsmith.run.outputs": {"choices": [{"message": {"role": "assistant", "content": "A cat."}}]},
    }
    case = case_of(raw("a" * 16, attrs))
    assert case.input.user_request is None
    assert case.generation.output == "A cat."


# --- finish reasons -------------------------------------------------------------------------------


def test_langsmith_js_streaming_finish_reason_object(tmp_path: Path) -> None:
    from reviewdesk.services import cases, imports
    from reviewdesk.services.workspace import open_workspace
    from tests.conftest import DATA

    # The real file from the LangSmith JS SDK's tests, through the real importer and workspace.
    workspace = open_workspace(tmp_path / "w.reviewdesk")
    try:
        result = imports.import_files(workspace, [DATA / "samples" / "langsmith_run_wrap_openai_stream.json"])
        assert all(s.ok for s in result.files)
        case = cases.get_case(workspace, "33c08c32-435c-4788-b973-b5bee4a31f87")
    finally:
        workspace.close()
    assert case.generation.finish_reason == "stop"
    assert case.generation.output == "Howdy! How can I assist you today?"


def test_openinference_finish_reason_inside_output_value() -> None:
    completion = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "length"}],
    }
    attrs = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini-2024-07-18",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.content": "Hi",
        "output.value": json.dumps(completion),
        "output.mime_type": "application/json",
    }
    assert case_of(raw("a" * 16, attrs)).generation.finish_reason == "length"


# --- span roles without a kind attribute ------------------------------------------------------------


def test_openinference_spans_without_span_kind_are_read_by_their_attributes() -> None:
    # Phoenix's REST span export keeps span_kind outside the attributes, which then lack it.
    llm = raw(
        "a" * 16,
        {
            "llm.model_name": "gpt-4o-mini",
            "llm.input_messages.0.message.role": "user",
            "llm.input_messages.0.message.content": "Weather in Paris?",
            "llm.output_messages.0.message.role": "assistant",
            "llm.output_messages.0.message.tool_calls.0.tool_call.id": "call_1",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
            "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Paris"}',
            "llm.token_count.prompt": 20,
            "llm.token_count.completion": 5,
        },
    )
    tool = raw(
        "b" * 16,
        {"tool.name": "get_weather", "input.value": '{"city": "Paris"}', "output.value": "rainy, 14°C"},
        start=11,
        end=12,
    )
    assert view_span(llm).kind is SpanKind.LLM
    assert view_span(tool).kind is SpanKind.TOOL
    case = case_of(llm, tool)
    assert case.usage.llm_calls == 1
    assert case.usage.input_tokens == 20
    assert [(c.name, c.arguments, c.result, c.call_id) for c in case.tool_calls] == [
        ("get_weather", {"city": "Paris"}, "rainy, 14°C", "call_1")
    ]


def test_openllmetry_spans_are_not_taken_for_openinference() -> None:
    view = view_span(raw("a" * 16, {"llm.request.type": "chat", "llm.usage.total_tokens": 3, "llm.headers": "None"}))
    assert "openinference" not in view.conventions


# --- LangChain through OpenLLMetry --------------------------------------------------------------------


def _langchain_openllmetry_trace() -> list[RawSpan]:
    """What opentelemetry-instrumentation-langchain writes for an agent step: the chat model span
    (model "unknown" when the integration does not expose it, LangChain's run metadata as
    association properties) and the tool span with the callback's arguments around the real values."""
    props = "traceloop.association.properties."
    llm = raw(
        "a" * 16,
        {
            "llm.request.type": "chat",
            "gen_ai.system": "Anthropic",
            "gen_ai.request.model": "unknown",
            "gen_ai.response.model": "unknown",
            props + "ls_provider": "anthropic",
            props + "ls_model_name": "claude-3-5-haiku-20241022",
            props + "ls_model_type": "chat",
            "gen_ai.prompt.0.role": "user",
            "gen_ai.prompt.0.content": "Weather in Paris?",
            "gen_ai.completion.0.role": "assistant",
            "gen_ai.completion.0.tool_calls.0.id": "toolu_01",
            "gen_ai.completion.0.tool_calls.0.name": "get_weather",
            "gen_ai.completion.0.tool_calls.0.arguments": '{"city": "Paris"}',
            "gen_ai.usage.prompt_tokens": 310,
            "gen_ai.usage.completion_tokens": 54,
        },
        name="ChatAnthropic.chat",
    )
    tool_message = {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", "ToolMessage"],
        "kwargs": {"content": '{"temp_c": 14, "sky": "rain"}', "type": "tool", "tool_call_id": "toolu_01"},
    }
    tool = raw(
        "b" * 16,
        {
            "traceloop.span.kind": "tool",
            "traceloop.entity.name": "get_weather",
            "traceloop.entity.input": json.dumps(
                {
                    "input_str": "{'city': 'Paris'}",
                    "tags": [],
                    "metadata": {"langgraph_node": "tools"},
                    "inputs": {"city": "Paris"},
                    "kwargs": {"color": "green", "name": "get_weather"},
                }
            ),
            "traceloop.entity.output": json.dumps({"output": tool_message, "kwargs": {"color": "green"}}),
        },
        name="get_weather.tool",
        start=11,
        end=12,
    )
    return [llm, tool]


def test_openllmetry_langchain_tool_span_shows_the_real_arguments_and_result() -> None:
    case = case_of(*_langchain_openllmetry_trace())
    assert len(case.tool_calls) == 1
    call = case.tool_calls[0]
    assert call.name == "get_weather"
    assert call.arguments == {"city": "Paris"}
    assert call.result == {"temp_c": 14, "sky": "rain"}
    assert call.call_id == "toolu_01"


def test_openllmetry_langchain_model_comes_from_ls_model_name() -> None:
    case = case_of(*_langchain_openllmetry_trace())
    assert case.generation.model == "claude-3-5-haiku-20241022"
    assert case.generation.provider is not None


# --- tool arguments ---------------------------------------------------------------------------------


def test_a_lone_input_key_the_model_sent_stays() -> None:
    # LangSmith run of a LangChain tool whose schema has one field named "input".
    llm = raw(
        "a" * 16,
        {
            "langsmith.span.kind": "llm",
            "langsmith.run.inputs": {"messages": [{"role": "user", "content": "Translate 'chat'"}]},
            "langsmith.run.outputs": {
                "choices": [
                    {
                        "message": {
                            "role": "assistant",
                            "tool_calls": [
                                {
                                    "id": "call_9",
                                    "type": "function",
                                    "function": {"name": "translate", "arguments": '{"input": "chat"}'},
                                }
                            ],
                        }
                    }
                ]
            },
        },
    )
    tool = raw(
        "b" * 16,
        {
            "langsmith.span.kind": "tool",
            "langsmith.run.inputs": {"input": "chat"},
            "langsmith.run.outputs": {"output": "cat"},
            "langsmith.run.extra": {"tool_call_id": "call_9"},
        },
        name="translate",
        start=11,
        end=12,
    )
    assert case_of(llm, tool).tool_calls[0].arguments == {"input": "chat"}


def test_a_string_tool_input_is_still_unwrapped() -> None:
    tool = raw(
        "b" * 16,
        {"langsmith.span.kind": "tool", "langsmith.run.inputs": {"input": "chat"}, "langsmith.run.outputs": "cat"},
        name="translate",
    )
    assert case_of(tool).tool_calls[0].arguments == "chat"


# --- sessions ----------------------------------------------------------------------------------------


def test_langfuse_metadata_conversation_id_is_the_session() -> None:
    attrs = {
        "langfuse.observation.type": "span",
        "langfuse.trace.name": "support-chat",
        "langfuse.trace.metadata.conversation_id": json.dumps("conv_8842"),
    }
    assert case_of(raw("a" * 16, attrs)).session_id == "conv_8842"


def test_openinference_metadata_thread_id_is_the_session() -> None:
    attrs = {"openinference.span.kind": "CHAIN", "metadata": json.dumps({"thread_id": "th_17"})}
    assert case_of(raw("a" * 16, attrs)).session_id == "th_17"


def test_openllmetry_conversation_id_is_the_session() -> None:
    attrs = {"traceloop.span.kind": "workflow", "traceloop.association.properties.conversation_id": "c-5"}
    assert case_of(raw("a" * 16, attrs)).session_id == "c-5"


def test_building_the_case_leaves_a_kvlist_message_of_the_span_as_read() -> None:
    """An OTLP ``kvlistValue`` message with its role flattened beside it: the case reads both, the
    span (stored after the case is built) keeps its attribute as it came."""
    message = {"content": "Where is my order?"}
    span = raw(
        "a1",
        {
            "openinference.span.kind": "LLM",
            "llm.input_messages.0.message": message,
            "llm.input_messages.0.message.role": "user",
        },
    )
    case = case_of(span)
    assert case.input.user_request == "Where is my order?"
    assert span.attributes["llm.input_messages.0.message"] == {"content": "Where is my order?"}
