"""OpenTelemetry GenAI semantic conventions: the current attributes and the deprecated forms.

Current: ``gen_ai.input.messages`` / ``gen_ai.output.messages`` / ``gen_ai.system_instructions``
(JSON strings or structured values in the parts model), ``gen_ai.tool.*`` on ``execute_tool``
spans, ``gen_ai.retrieval.*`` on ``retrieval`` spans. Deprecated: ``gen_ai.system``,
``gen_ai.usage.prompt_tokens``/``completion_tokens``, the ``gen_ai.{system,user,assistant,tool}.message``
and ``gen_ai.choice`` events, and the ≈1.26 ``gen_ai.content.prompt``/``completion`` events.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Document, Feedback, Message, ToolCallRequest
from reviewdesk.normalize.conventions.common import (
    as_float,
    as_int,
    as_str,
    finish_reason_of,
    first,
    maybe_json,
    maybe_json_scalar,
    text_of,
)
from reviewdesk.normalize.view import SpanKind, SpanView

NAME = "genai"

_OPERATION_KINDS = {
    "chat": SpanKind.LLM,
    "text_completion": SpanKind.LLM,
    "generate_content": SpanKind.LLM,
    "execute_tool": SpanKind.TOOL,
    "retrieval": SpanKind.RETRIEVAL,
    "embeddings": SpanKind.EMBEDDING,
    "invoke_agent": SpanKind.AGENT,
    "create_agent": SpanKind.AGENT,
    "invoke_workflow": SpanKind.CHAIN,
    "plan": SpanKind.AGENT,
}
_MESSAGE_EVENTS = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
_PARAMETERS = (
    "max_tokens",
    "temperature",
    "top_p",
    "top_k",
    "frequency_penalty",
    "presence_penalty",
    "seed",
    "stop_sequences",
    "choice.count",
    "stream",
    "encoding_formats",
)


def applies(attrs: dict[str, Any], view: SpanView) -> bool:
    if view.attrs.has("gen_ai."):
        return True
    return any(e.name.startswith("gen_ai.") for e in view.span.events)


def read(attrs: dict[str, Any], view: SpanView) -> None:
    operation = attrs.get("gen_ai.operation.name")
    if view.kind is SpanKind.OTHER:
        if isinstance(operation, str) and operation in _OPERATION_KINDS:
            view.kind = _OPERATION_KINDS[operation]
        elif any(k in attrs for k in ("gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.request.model")):
            view.kind = SpanKind.LLM
        elif "gen_ai.tool.name" in attrs:
            view.kind = SpanKind.TOOL
        elif "gen_ai.retrieval.documents" in attrs:
            view.kind = SpanKind.RETRIEVAL

    view.setdefault("request_model", as_str(attrs.get("gen_ai.request.model")))
    view.setdefault("response_model", as_str(attrs.get("gen_ai.response.model")))
    view.setdefault("provider", as_str(first(attrs.get("gen_ai.provider.name"), attrs.get("gen_ai.system"))))
    params = {p: attrs[f"gen_ai.request.{p}"] for p in _PARAMETERS if f"gen_ai.request.{p}" in attrs}
    if "gen_ai.openai.request.seed" in attrs:
        params.setdefault("seed", attrs["gen_ai.openai.request.seed"])
    view.setdefault("parameters", params)

    # Messages: span attributes first, then the structured operation-details event, then the
    # deprecated per-message events.
    view.setdefault("system_instructions", _instructions_text(attrs.get("gen_ai.system_instructions")))
    view.setdefault("input_messages", messages_from_parts(attrs.get("gen_ai.input.messages")))
    outputs = attrs.get("gen_ai.output.messages")
    view.setdefault("output_messages", messages_from_parts(outputs))
    view.setdefault("finish_reason", _finish_reason(attrs, outputs))
    _read_events(view)

    view.setdefault(
        "input_tokens", as_int(first(attrs.get("gen_ai.usage.input_tokens"), attrs.get("gen_ai.usage.prompt_tokens")))
    )
    view.setdefault(
        "output_tokens",
        as_int(first(attrs.get("gen_ai.usage.output_tokens"), attrs.get("gen_ai.usage.completion_tokens"))),
    )
    view.setdefault("total_tokens", as_int(attrs.get("gen_ai.usage.total_tokens")))
    view.setdefault(
        "cached_input_tokens",
        as_int(
            first(attrs.get("gen_ai.usage.cache_read.input_tokens"), attrs.get("gen_ai.usage.cache_read_input_tokens"))
        ),
    )
    view.setdefault(
        "reasoning_tokens",
        as_int(first(attrs.get("gen_ai.usage.reasoning.output_tokens"), attrs.get("gen_ai.usage.reasoning_tokens"))),
    )
    view.setdefault("cost_usd", as_float(first(attrs.get("gen_ai.usage.cost"), attrs.get("gen_ai.cost.total"))))

    # Tools.
    view.setdefault("tool_name", as_str(attrs.get("gen_ai.tool.name")))
    view.setdefault("tool_call_id", as_str(attrs.get("gen_ai.tool.call.id")))
    view.setdefault("tool_arguments", maybe_json(attrs.get("gen_ai.tool.call.arguments")))
    view.setdefault("tool_result", maybe_json_scalar(attrs.get("gen_ai.tool.call.result")))

    # Retrieval.
    view.setdefault("retrieval_query", as_str(attrs.get("gen_ai.retrieval.query.text")))
    view.setdefault(
        "documents", _documents(attrs.get("gen_ai.retrieval.documents"), attrs.get("gen_ai.data_source.id"))
    )

    view.setdefault("error_type", as_str(attrs.get("error.type")))
    template_name = as_str(attrs.get("gen_ai.prompt.name"))
    if template_name and view.prompt_template is None:
        from reviewdesk.domain.case import PromptTemplate

        view.prompt_template = PromptTemplate(name=template_name)

    if operation in ("invoke_agent", "invoke_workflow", "create_agent"):
        # Agent/workflow spans may carry the whole conversation: use it as generic input/output.
        if view.input_messages:
            view.setdefault("input_value", _last_user(view.input_messages))
        if view.output_messages:
            view.setdefault("output_value", view.output_messages[-1].content)
        view.set_identity("workflow", first(attrs.get("gen_ai.workflow.name"), attrs.get("gen_ai.agent.name")))
    else:
        view.set_identity("workflow", attrs.get("gen_ai.workflow.name"))
    view.set_identity("session_id", attrs.get("gen_ai.conversation.id"))


def _last_user(messages: list[Message]) -> str | None:
    for message in reversed(messages):
        if message.role == "user":
            return message.content
    return None


def _instructions_text(value: Any) -> str | None:
    value = maybe_json(value)
    if value is None:
        return None
    return text_of(value)


def _finish_reason(attrs: dict[str, Any], outputs: Any) -> str | None:
    reasons = maybe_json(attrs.get("gen_ai.response.finish_reasons"))
    if reasons:
        return finish_reason_of(reasons)
    outputs = maybe_json(outputs)
    if isinstance(outputs, list) and outputs and isinstance(outputs[-1], dict):
        return finish_reason_of(outputs[-1].get("finish_reason"))
    return None


def messages_from_parts(value: Any) -> list[Message]:
    """GenAI ``[{role, parts[…]}]`` (or OpenAI-style ``[{role, content}]``) → messages.

    A message with several ``tool_call_response`` parts becomes one ``tool`` message per part, so
    every tool result can be paired with its call by id.
    """
    value = maybe_json(value)
    if not isinstance(value, list):
        return []
    messages: list[Message] = []
    for item in value:
        if not isinstance(item, dict):
            continue
        role = as_str(item.get("role")) or "unknown"
        name = as_str(item.get("name"))
        parts = item.get("parts")
        if not isinstance(parts, list):
            messages.append(openai_style_message(item))
            continue
        texts: list[str] = []
        calls: list[ToolCallRequest] = []
        for part in parts:
            if not isinstance(part, dict):
                continue
            ptype = part.get("type")
            if ptype == "tool_call":
                calls.append(
                    ToolCallRequest(
                        id=as_str(part.get("id")),
                        name=as_str(part.get("name")) or "unknown",
                        arguments=maybe_json(part.get("arguments")),
                    )
                )
            elif ptype == "tool_call_response":
                response = part.get("response", part.get("result"))
                messages.append(
                    Message(role="tool", content=_result_text(response), tool_call_id=as_str(part.get("id")), name=name)
                )
            elif ptype in ("text", "refusal", None) and isinstance(part.get("content"), str):
                texts.append(part["content"])
        if texts or calls or not any(isinstance(p, dict) and p.get("type") == "tool_call_response" for p in parts):
            messages.append(
                Message(role=role, content="\n\n".join(texts) if texts else None, tool_calls=calls or None, name=name)
            )
    return messages


def openai_style_message(item: dict[str, Any]) -> Message:
    """``{role, content, tool_calls[{id, function{name, arguments}}], tool_call_id}`` → message."""
    calls: list[ToolCallRequest] = []
    raw_calls = maybe_json(item.get("tool_calls"))
    if isinstance(raw_calls, list):
        for call in raw_calls:
            if not isinstance(call, dict):
                continue
            nested = call.get("function")
            function: dict[str, Any] = nested if isinstance(nested, dict) else call
            calls.append(
                ToolCallRequest(
                    id=as_str(call.get("id")),
                    name=as_str(function.get("name")) or "unknown",
                    arguments=maybe_json(function.get("arguments", function.get("args"))),
                )
            )
    return Message(
        role=as_str(item.get("role")) or "unknown",
        content=text_of(item.get("content")),
        tool_calls=calls or None,
        tool_call_id=as_str(item.get("tool_call_id", item.get("id") if item.get("role") == "tool" else None)),
        name=as_str(item.get("name")),
    )


def _result_text(value: Any) -> str | None:
    return value if isinstance(value, str) or value is None else as_str(value)


def _documents(value: Any, data_source: Any) -> list[Document]:
    value = maybe_json(value)
    if not isinstance(value, list):
        return []
    documents: list[Document] = []
    for rank, item in enumerate(value, start=1):
        if not isinstance(item, dict):
            continue
        extra = {k: v for k, v in item.items() if k not in ("id", "score", "content", "text", "metadata")}
        metadata = maybe_json(item.get("metadata"))
        meta: dict[str, Any] = dict(metadata) if isinstance(metadata, dict) else {}
        meta.update(extra)
        documents.append(
            Document(
                id=as_str(item.get("id")),
                content=text_of(first(item.get("content"), item.get("text"))),
                score=as_float(item.get("score")),
                source=as_str(first(meta.get("source"), meta.get("url"), data_source)),
                metadata=meta,
                rank=rank,
            )
        )
    return documents


def _read_events(view: SpanView) -> None:
    inputs: list[Message] = []
    outputs: list[Message] = []
    for event in view.span.events:
        attrs = event.attributes
        if event.name == "gen_ai.client.inference.operation.details":
            view.setdefault("system_instructions", _instructions_text(attrs.get("gen_ai.system_instructions")))
            view.setdefault("input_messages", messages_from_parts(attrs.get("gen_ai.input.messages")))
            view.setdefault("output_messages", messages_from_parts(attrs.get("gen_ai.output.messages")))
        elif event.name in _MESSAGE_EVENTS:
            item = dict(attrs)
            item.setdefault("role", _MESSAGE_EVENTS[event.name])
            body = maybe_json(attrs.get("body"))
            if isinstance(body, dict):
                item.update(body)
            if event.name == "gen_ai.tool.message" and "tool_call_id" not in item:
                item["tool_call_id"] = item.get("id")
            inputs.append(openai_style_message(item))
        elif event.name == "gen_ai.choice":
            body = maybe_json(attrs.get("body"))
            data = dict(body) if isinstance(body, dict) else dict(attrs)
            message = maybe_json(data.get("message"))
            item = dict(message) if isinstance(message, dict) else {"content": message}
            item.setdefault("role", "assistant")
            if "tool_calls" in data and "tool_calls" not in item:
                item["tool_calls"] = data["tool_calls"]
            outputs.append(openai_style_message(item))
            view.setdefault("finish_reason", finish_reason_of(data.get("finish_reason")))
        elif event.name == "gen_ai.content.prompt":
            prompt = maybe_json(attrs.get("gen_ai.prompt"))
            if isinstance(prompt, list):
                inputs.extend(openai_style_message(m) for m in prompt if isinstance(m, dict))
        elif event.name == "gen_ai.content.completion":
            completion = maybe_json(attrs.get("gen_ai.completion"))
            if isinstance(completion, list):
                outputs.extend(openai_style_message(m) for m in completion if isinstance(m, dict))
        elif event.name == "gen_ai.evaluation.result":
            name = as_str(attrs.get("gen_ai.evaluation.name"))
            if name:
                view.feedback.append(
                    Feedback(
                        name=name,
                        score=as_float(attrs.get("gen_ai.evaluation.score.value")),
                        label=as_str(attrs.get("gen_ai.evaluation.score.label")),
                        comment=as_str(attrs.get("gen_ai.evaluation.explanation")),
                        span_id=view.span.span_id,
                    )
                )
    if inputs:
        view.setdefault("input_messages", inputs)
    if outputs:
        view.setdefault("output_messages", outputs)
    if inputs and view.kind is SpanKind.OTHER:
        view.kind = SpanKind.LLM
