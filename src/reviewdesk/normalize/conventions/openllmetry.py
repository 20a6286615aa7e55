"""OpenLLMetry (Traceloop) legacy attributes.

``gen_ai.prompt.N.*`` / ``gen_ai.completion.N.*`` (releases up to 0.54; newer ones write GenAI
JSON, read by ``genai``), ``llm.usage.total_tokens``, ``llm.request.type``, and the SDK's
``traceloop.span.kind`` / ``traceloop.entity.input|output`` / ``traceloop.association.properties.*``.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Message, PromptTemplate, ToolCallRequest
from reviewdesk.normalize.conventions.common import (
    as_int,
    as_str,
    documents_from_list,
    first,
    looks_like_documents,
    maybe_json,
    request_text,
    text_of,
)
from reviewdesk.normalize.view import SpanKind, SpanView

NAME = "openllmetry"

_SPAN_KINDS = {"workflow": SpanKind.CHAIN, "task": SpanKind.CHAIN, "agent": SpanKind.AGENT, "tool": SpanKind.TOOL}
_REQUEST_KINDS = {
    "chat": SpanKind.LLM,
    "completion": SpanKind.LLM,
    "rerank": SpanKind.RERANKER,
    "embedding": SpanKind.EMBEDDING,
}


def applies(attrs: dict[str, Any], view: SpanView) -> bool:
    index = view.attrs
    return (
        index.has("traceloop.")
        or index.has_list("gen_ai.prompt.")
        or index.has_list("gen_ai.completion.")
        or "llm.request.type" in attrs
    )


def read(attrs: dict[str, Any], view: SpanView) -> None:
    if view.kind is SpanKind.OTHER:
        span_kind = attrs.get("traceloop.span.kind")
        request_type = attrs.get("llm.request.type")
        if isinstance(span_kind, str) and span_kind in _SPAN_KINDS:
            view.kind = _SPAN_KINDS[span_kind]
        elif isinstance(request_type, str) and request_type in _REQUEST_KINDS:
            view.kind = _REQUEST_KINDS[request_type]
        elif view.attrs.has_list("gen_ai.prompt.") or view.attrs.has_list("gen_ai.completion."):
            view.kind = SpanKind.LLM

    view.setdefault("input_messages", _messages(view.attrs.indexed("gen_ai.prompt.")))
    completions = view.attrs.indexed("gen_ai.completion.")
    view.setdefault("output_messages", _messages(completions, default_role="assistant"))
    if completions:
        view.setdefault("finish_reason", as_str(completions[-1].get("finish_reason")))
        view.setdefault("refusal", as_str(completions[-1].get("refusal")))
    view.setdefault("total_tokens", as_int(attrs.get("llm.usage.total_tokens")))

    entity_input = maybe_json(attrs.get("traceloop.entity.input"))
    entity_output = maybe_json(attrs.get("traceloop.entity.output"))
    view.setdefault("input_value", entity_input)
    view.setdefault("output_value", entity_output)
    if view.kind in (SpanKind.CHAIN, SpanKind.OTHER) and looks_like_documents(entity_output):
        # OpenLLMetry has no retrieval attributes: a task that returns a list of documents is
        # the retrieval step, and its input is the query.
        view.kind = SpanKind.RETRIEVAL
        view.setdefault("retrieval_query", request_text(entity_input))
        view.setdefault("documents", documents_from_list(entity_output))
    if view.kind is SpanKind.TOOL:
        view.setdefault("tool_name", as_str(first(attrs.get("traceloop.entity.name"), view.span.name)))
        view.setdefault("tool_arguments", _call_arguments(entity_input))
        view.setdefault("tool_result", entity_output)

    if attrs.get("traceloop.prompt.managed") or "traceloop.prompt.key" in attrs:
        variables = maybe_json(attrs.get("traceloop.prompt.template_variables"))
        view.setdefault(
            "prompt_template",
            PromptTemplate(
                name=as_str(attrs.get("traceloop.prompt.key")),
                version=as_str(
                    first(attrs.get("traceloop.prompt.version_name"), attrs.get("traceloop.prompt.version"))
                ),
                template=as_str(attrs.get("traceloop.prompt.template")),
                variables=variables if isinstance(variables, dict) else None,
            ),
        )

    view.set_identity("workflow", attrs.get("traceloop.workflow.name"))
    prefix = "traceloop.association.properties."
    for key, value in attrs.items():
        if key.startswith(prefix):
            name = key[len(prefix) :]
            target = {"session_id": "session_id", "user_id": "user_id", "tenant": "tenant", "tenant_id": "tenant"}.get(
                name
            )
            if target:
                view.set_identity(target, value)


def _call_arguments(entity_input: Any) -> Any:
    """``{"args": [], "kwargs": {…}}`` → the kwargs (or the single positional argument)."""
    if isinstance(entity_input, dict) and ("args" in entity_input or "kwargs" in entity_input):
        args = entity_input.get("args") or []
        kwargs = entity_input.get("kwargs") or {}
        if kwargs and not args:
            return kwargs
        if len(args) == 1 and not kwargs:
            return args[0]
        return entity_input
    return entity_input


def _messages(items: list[dict[str, Any]], default_role: str = "user") -> list[Message]:
    messages: list[Message] = []
    for item in items:
        calls_raw = item.get("tool_calls")
        calls = [
            ToolCallRequest(
                id=as_str(c.get("id")),
                name=as_str(c.get("name")) or "unknown",
                arguments=maybe_json(c.get("arguments")),
            )
            for c in (calls_raw if isinstance(calls_raw, list) else [])
            if isinstance(c, dict)
        ]
        content = item.get("content")
        if content is None and not calls and "role" not in item:
            continue
        messages.append(
            Message(
                role=as_str(item.get("role")) or default_role,
                content=text_of(content),
                tool_calls=calls or None,
                tool_call_id=as_str(item.get("tool_call_id")),
            )
        )
    return messages
