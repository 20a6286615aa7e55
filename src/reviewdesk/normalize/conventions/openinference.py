"""OpenInference (Arize Phoenix) span attributes: flattened, 0-based indexed lists.

``llm.input_messages.N.message.*``, ``llm.output_messages.N.message.tool_calls.K.tool_call.*``,
``retrieval.documents.N.document.*``, ``tool.*``, ``input.value``/``output.value``,
``llm.prompt_template.*``, ``llm.token_count.*``, ``llm.cost.*`` and ``annotations.N.annotation.*``.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Document, Feedback, Message, PromptTemplate, ToolCallRequest
from reviewdesk.normalize.conventions.common import (
    as_float,
    as_int,
    as_str,
    dig,
    finish_reason_of,
    first,
    maybe_json,
    maybe_json_scalar,
    text_of,
)
from reviewdesk.normalize.conventions.payloads import output_details
from reviewdesk.normalize.view import SpanKind, SpanView

NAME = "openinference"

# Keys of llm.invocation_parameters that are not tuning parameters: the request payload itself, or
# response fields that some instrumentations (OpenAI Agents, Responses API) copy in.
_NOT_PARAMETERS = frozenset(
    {
        "model",
        "messages",
        "tools",
        "input",
        "instructions",
        "id",
        "object",
        "created",
        "created_at",
        "status",
        "usage",
        "output",
        "error",
        "incomplete_details",
        "billing",
        "store",
        "metadata",
        "user",
    }
)

_KINDS = {
    "LLM": SpanKind.LLM,
    "TOOL": SpanKind.TOOL,
    "RETRIEVER": SpanKind.RETRIEVAL,
    "RERANKER": SpanKind.RERANKER,
    "EMBEDDING": SpanKind.EMBEDDING,
    "AGENT": SpanKind.AGENT,
    "CHAIN": SpanKind.CHAIN,
    "GUARDRAIL": SpanKind.GUARDRAIL,
    "EVALUATOR": SpanKind.EVALUATOR,
    "PROMPT": SpanKind.CHAIN,
}


# Attributes only OpenInference writes (OpenLLMetry also has ``llm.*`` names: ``llm.request.type``,
# ``llm.usage.*``, ``llm.headers`` — those do not make a span OpenInference).
_LLM_KEYS = ("llm.model_name", "llm.invocation_parameters", "llm.provider")
_LLM_PREFIXES = (
    "llm.token_count.",
    "llm.input_messages.",
    "llm.output_messages.",
    "llm.prompt_template.",
    "llm.tools.",
)
_TOOL_KEYS = ("tool.name", "tool.parameters", "tool_call.function.name")


def applies(attrs: dict[str, Any], view: SpanView) -> bool:
    return (
        "openinference.span.kind" in attrs
        or "input.value" in attrs
        or any(k in attrs for k in _LLM_KEYS)
        or any(view.attrs.has(p) for p in _LLM_PREFIXES)
        or any(k in attrs for k in _TOOL_KEYS)
        or view.attrs.has_list("retrieval.documents.")
    )


def _implied_kind(attrs: dict[str, Any], view: SpanView) -> SpanKind:
    """The role of a span without ``openinference.span.kind`` (Phoenix's REST export leaves it out
    of the attributes), from the attributes present — as the GenAI reader does."""
    if view.attrs.has_list("retrieval.documents."):
        return SpanKind.RETRIEVAL
    if any(k in attrs for k in _TOOL_KEYS):
        return SpanKind.TOOL
    if any(k in attrs for k in _LLM_KEYS) or any(view.attrs.has(p) for p in _LLM_PREFIXES):
        return SpanKind.LLM
    return SpanKind.OTHER


def read(attrs: dict[str, Any], view: SpanView) -> None:
    kind = str(attrs.get("openinference.span.kind", "")).upper()
    if view.kind is SpanKind.OTHER:
        view.kind = _KINDS[kind] if kind in _KINDS else _implied_kind(attrs, view)

    # As recorded: the case rules parse what they need, and an answer that is JSON stays its text.
    view.setdefault("input_value", attrs.get("input.value"))
    view.setdefault("output_value", attrs.get("output.value"))

    if view.attrs.has("llm."):
        # Everything below but the finish-reason fallback reads ``llm.*`` attributes only: spans
        # without any (tools, retrievers, chains) skip a few dozen lookups that find nothing.
        _read_llm(attrs, view)
    if view.finish_reason is None and view.kind is SpanKind.LLM and "output.value" in attrs:
        # OpenInference has no finish-reason attribute of its own: the provider's response, kept
        # whole in output.value, has it (choices[].finish_reason, stop_reason, a Responses status).
        view.setdefault("finish_reason", output_details(attrs["output.value"]).finish_reason)

    if view.attrs.has("llm.prompt_template."):
        variables = maybe_json(attrs.get("llm.prompt_template.variables"))
        view.setdefault(
            "prompt_template",
            PromptTemplate(
                name=as_str(first(attrs.get("llm.prompt_template.name"), attrs.get("prompt.id"))),
                version=as_str(attrs.get("llm.prompt_template.version")),
                template=as_str(attrs.get("llm.prompt_template.template")),
                variables=variables if isinstance(variables, dict) else None,
            ),
        )

    if view.kind is SpanKind.TOOL:
        view.setdefault(
            "tool_name", as_str(first(attrs.get("tool.name"), attrs.get("tool_call.function.name"), view.span.name))
        )
        view.setdefault("tool_call_id", as_str(first(attrs.get("tool.id"), attrs.get("tool_call.id"))))
        view.setdefault(
            "tool_arguments", maybe_json(first(attrs.get("tool_call.function.arguments"), attrs.get("input.value")))
        )
        view.setdefault("tool_result", maybe_json_scalar(attrs.get("output.value")))

    if view.kind is SpanKind.RETRIEVAL or view.attrs.has_list("retrieval.documents."):
        query = maybe_json(view.input_value)
        view.setdefault("retrieval_query", as_str(query.get("query") if isinstance(query, dict) else query))
        view.setdefault("documents", _documents(view.attrs.indexed("retrieval.documents.")))

    for prefix, inner in (("annotations.", "annotation"), ("evaluations.", "evaluation")):
        for item in view.attrs.indexed(prefix):
            data = item.get(inner)
            if not isinstance(data, dict) or not data.get("name"):
                continue
            view.feedback.append(
                Feedback(
                    name=str(data["name"]),
                    score=as_float(data.get("score")),
                    label=as_str(data.get("label")),
                    comment=as_str(data.get("explanation")),
                    source=as_str(data.get("annotator_kind")),
                    span_id=view.span.span_id,
                )
            )

    view.set_identity("session_id", attrs.get("session.id"))
    view.set_identity("user_id", attrs.get("user.id"))
    metadata = maybe_json(attrs.get("metadata"))
    if isinstance(metadata, dict):
        for key, target in (
            ("workflow", "workflow"),
            ("release", "release"),
            ("tenant", "tenant"),
            ("tenant_id", "tenant"),
            ("session_id", "session_id"),
            ("conversation_id", "session_id"),
            ("thread_id", "session_id"),
            ("user_id", "user_id"),
        ):
            if isinstance(metadata.get(key), (str, int)):
                view.set_identity(target, metadata[key])
    view.set_identity("workflow", attrs.get("agent.name") if view.kind is SpanKind.AGENT else None)


def _read_llm(attrs: dict[str, Any], view: SpanView) -> None:
    """The ``llm.*`` attributes: models, parameters, messages, finish reason, tokens and cost."""
    invocation = maybe_json(attrs.get("llm.invocation_parameters"))
    invocation = invocation if isinstance(invocation, dict) else {}
    # llm.model_name is what the provider answered with (the response model); the requested
    # model is only in the invocation parameters.
    # A failed call got no response, so there its llm.model_name can only be the requested model.
    answered_model = None if view.span.failed else attrs.get("llm.model_name")
    view.setdefault("response_model", as_str(first(attrs.get("llm.response.model_name"), answered_model)))
    view.setdefault(
        "request_model",
        as_str(first(attrs.get("llm.request.model_name"), invocation.get("model"), attrs.get("llm.model_name"))),
    )
    view.setdefault("provider", as_str(first(attrs.get("llm.provider"), attrs.get("llm.system"))))
    view.setdefault("parameters", {k: v for k, v in invocation.items() if k not in _NOT_PARAMETERS})
    if isinstance(invocation.get("instructions"), str):  # the Responses API's system prompt
        view.setdefault("system_instructions", invocation["instructions"])

    view.setdefault("input_messages", _messages(view.attrs.indexed("llm.input_messages.")))
    outputs = _messages(view.attrs.indexed("llm.output_messages."))
    view.setdefault("output_messages", outputs)
    if not view.output_messages:
        choices = [text_of(dig(c, "completion", "text")) for c in view.attrs.indexed("llm.choices.")]
        view.setdefault("output_messages", [Message(role="assistant", content=t) for t in choices if t])
    if not view.input_messages:
        prompts = [text_of(dig(p, "prompt", "text")) for p in view.attrs.indexed("llm.prompts.")]
        view.setdefault("input_messages", [Message(role="user", content=t) for t in prompts if t])
    view.setdefault("finish_reason", finish_reason_of(attrs.get("llm.finish_reason")))
    view.setdefault("input_tokens", as_int(attrs.get("llm.token_count.prompt")))
    view.setdefault("output_tokens", as_int(attrs.get("llm.token_count.completion")))
    view.setdefault("total_tokens", as_int(attrs.get("llm.token_count.total")))
    view.setdefault("cached_input_tokens", as_int(attrs.get("llm.token_count.prompt_details.cache_read")))
    view.setdefault("reasoning_tokens", as_int(attrs.get("llm.token_count.completion_details.reasoning")))
    view.setdefault("cost_usd", as_float(attrs.get("llm.cost.total")))


def _messages(items: list[dict[str, Any]]) -> list[Message]:
    messages: list[Message] = []
    for item in items:
        message = item.get("message")
        if not isinstance(message, dict):
            continue
        content: Any = message.get("content")
        if content is None and isinstance(message.get("contents"), list):
            content = [
                {"type": dig(c, "message_content", "type"), "text": dig(c, "message_content", "text")}
                for c in message["contents"]
            ]
        requested = message.get("tool_calls")
        calls = (
            [
                ToolCallRequest(
                    id=as_str(dig(call, "tool_call", "id")),
                    name=as_str(dig(call, "tool_call", "function", "name")) or "unknown",
                    arguments=maybe_json(dig(call, "tool_call", "function", "arguments")),
                )
                for call in requested
                if isinstance(call, dict)
            ]
            if requested
            else None  # most messages request no tool
        )
        messages.append(
            Message(
                role=as_str(message.get("role")) or "unknown",
                content=text_of(content),
                tool_calls=calls or None,
                tool_call_id=as_str(message.get("tool_call_id")),
                name=as_str(message.get("name")),
            )
        )
    return messages


def _documents(items: list[dict[str, Any]]) -> list[Document]:
    documents: list[Document] = []
    for rank, item in enumerate(items, start=1):
        doc = item.get("document")
        if not isinstance(doc, dict):
            continue
        metadata = maybe_json(doc.get("metadata"))
        meta: dict[str, Any] = dict(metadata) if isinstance(metadata, dict) else {}
        documents.append(
            Document(
                id=as_str(doc.get("id")),
                content=text_of(doc.get("content")),
                score=as_float(doc.get("score")),
                source=as_str(first(meta.get("source"), meta.get("url"), meta.get("file_path"), meta.get("file_name"))),
                metadata=meta,
                rank=rank,
            )
        )
    return documents
