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
    finish_reason_of,
    first,
    looks_like_documents,
    maybe_json,
    request_text,
    text_of,
)
from reviewdesk.normalize.conventions.payloads import decode, tool_message, tool_result
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
        view.setdefault("finish_reason", finish_reason_of(completions[-1].get("finish_reason")))
        view.setdefault("refusal", as_str(completions[-1].get("refusal")))
    view.setdefault("total_tokens", as_int(attrs.get("llm.usage.total_tokens")))
    view.setdefault("reasoning_tokens", as_int(attrs.get("llm.usage.reasoning_tokens")))

    raw_input, raw_output = attrs.get("traceloop.entity.input"), attrs.get("traceloop.entity.output")
    entity_input = maybe_json(raw_input)
    entity_output = maybe_json(raw_output)
    # The LangChain instrumentation records the callback's arguments around the real values.
    wrapped_input, wrapped_output = _callback_input(entity_input), _callback_output(entity_output)
    if wrapped_input is not _NOT_WRAPPED:
        entity_input = raw_input = wrapped_input
    if wrapped_output is not _NOT_WRAPPED:
        entity_output = raw_output = wrapped_output
    # As recorded (the case rules parse what they need): an answer that is JSON stays its text.
    view.setdefault("input_value", raw_input)
    view.setdefault("output_value", raw_output)
    if view.kind in (SpanKind.CHAIN, SpanKind.OTHER) and looks_like_documents(entity_output):
        # OpenLLMetry has no retrieval attributes: a task that returns a list of documents is
        # the retrieval step, and its input is the query.
        view.kind = SpanKind.RETRIEVAL
        view.setdefault("retrieval_query", request_text(entity_input))
        view.setdefault("documents", documents_from_list(entity_output))
    if view.kind is SpanKind.TOOL:
        view.setdefault("tool_name", as_str(first(attrs.get("traceloop.entity.name"), view.span.name)))
        view.setdefault("tool_arguments", _call_arguments(entity_input))
        message = tool_message(entity_output)
        if message is not None:
            view.setdefault("tool_call_id", as_str(message.get("tool_call_id")))
        view.setdefault("tool_result", tool_result(entity_output) if message is not None else entity_output)

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
            target = _ASSOCIATION_IDENTITY.get(key[len(prefix) :])
            if target:
                view.set_identity(target, value)
    if view.kind is SpanKind.LLM:
        # The LangChain instrumentation copies LangChain's run metadata into the association
        # properties; ls_model_name is the model when the instrumentation itself found none.
        model = as_str(attrs.get(prefix + "ls_model_name"))
        if model and view.request_model in (None, "unknown"):
            view.request_model = model
        if view.response_model == "unknown":
            view.response_model = None
        view.setdefault("provider", as_str(attrs.get(prefix + "ls_provider")))


# Association properties that name the session, the user or the tenant (first match wins).
_ASSOCIATION_IDENTITY = {
    "session_id": "session_id",
    "conversation_id": "session_id",
    "thread_id": "session_id",
    "user_id": "user_id",
    "tenant": "tenant",
    "tenant_id": "tenant",
}

_CALLBACK_START_KEYS = frozenset({"input_str", "inputs", "tags", "metadata", "kwargs"})
_CALLBACK_END_KEYS = frozenset({"output", "outputs", "kwargs"})


class _NotWrapped:
    pass


_NOT_WRAPPED: Any = _NotWrapped()


def _callback_input(value: Any) -> Any:
    """``{"input_str", "tags", "metadata", "inputs", "kwargs"}`` (``on_tool_start``) or
    ``{"inputs", "tags", "metadata", "kwargs"}`` (``on_chain_start``) → the real input."""
    if not (isinstance(value, dict) and value and value.keys() <= _CALLBACK_START_KEYS):
        return _NOT_WRAPPED
    if not ({"inputs", "input_str"} & value.keys() and {"tags", "metadata", "kwargs"} & value.keys()):
        return _NOT_WRAPPED
    inputs = value.get("inputs")
    if inputs is not None:
        return inputs
    text = value.get("input_str")
    decoded = decode(text)  # LangChain passes str() of the tool input: "{'city': 'Paris'}"
    return decoded if isinstance(decoded, (dict, list)) else text


def _callback_output(value: Any) -> Any:
    """``{"output", "kwargs"}`` (``on_tool_end``) or ``{"outputs", "kwargs"}`` (``on_chain_end``)."""
    if not (isinstance(value, dict) and "kwargs" in value and value.keys() <= _CALLBACK_END_KEYS):
        return _NOT_WRAPPED
    if "outputs" in value:
        return value["outputs"]
    return value.get("output", _NOT_WRAPPED)


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
