"""Langfuse attributes: the names Langfuse's OpenTelemetry ingestion reads (FORMATS.md §5).

``langfuse.observation.{type,input,output,model.name,model.parameters,usage_details,cost_details,
prompt.name,prompt.version,level,status_message,metadata.*}``, ``langfuse.trace.{name,input,output,
tags,public,metadata.*}``, ``langfuse.user.id``, ``langfuse.session.id``, ``langfuse.release``.
The Langfuse SDK writes them on OTel spans (JSON-encoded strings); the Langfuse export importer
writes the same names from the export's fields (already decoded), plus ``langfuse.export.*`` for
fields only exports have (scores, computed costs). One reader serves both.

It runs after the OTel convention readers: when Langfuse received a span over OTel, the original
OpenInference or GenAI attributes are richer (tool call ids, request model) and win; this reader
fills what they leave empty — for spans from Langfuse's own SDK and LangChain handler, everything.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Feedback, PromptTemplate
from reviewdesk.normalize.conventions.common import as_float, as_str, dig, first, text_of
from reviewdesk.normalize.conventions.payloads import (
    decode,
    detail_counts,
    documents,
    input_messages,
    output_details,
    output_messages,
    payload_value,
    tool_message,
    tool_result,
    unwrap_lc,
    usage_counts,
)
from reviewdesk.normalize.view import SpanKind, SpanView

NAME = "langfuse"

_KINDS = {
    "GENERATION": SpanKind.LLM,
    "EMBEDDING": SpanKind.EMBEDDING,
    "AGENT": SpanKind.AGENT,
    "TOOL": SpanKind.TOOL,
    "CHAIN": SpanKind.CHAIN,
    "RETRIEVER": SpanKind.RETRIEVAL,
    "GUARDRAIL": SpanKind.GUARDRAIL,
    "EVALUATOR": SpanKind.EVALUATOR,
}
_OBS = "langfuse.observation."
_PARAMETER_SKIP = ("model", "messages", "tools", "input", "instructions")


def applies(attrs: dict[str, Any], view: SpanView) -> bool:
    return view.attrs.has("langfuse.")


def read(attrs: dict[str, Any], view: SpanView) -> None:
    obs_type = str(attrs.get(_OBS + "type") or "").upper()
    obs_input = decode(attrs.get(_OBS + "input"))
    obs_output = decode(attrs.get(_OBS + "output"))
    metadata = _prefixed(attrs, _OBS + "metadata.")
    trace_metadata = _prefixed(attrs, "langfuse.trace.metadata.")

    if view.kind is SpanKind.OTHER:
        if obs_type in _KINDS:
            view.kind = _KINDS[obs_type]
        elif not obs_type and (_OBS + "model.name" in attrs or _OBS + "usage_details" in attrs):
            view.kind = SpanKind.LLM  # no type, but only generations name a model and count tokens
        elif tool_message(obs_output) is not None:
            # Langfuse's LangChain handler records tools as plain spans; their return value, a
            # ToolMessage, says what they are.
            view.kind = SpanKind.TOOL
        elif _langchain_documents(obs_output):
            view.kind = SpanKind.RETRIEVAL

    # The trace's input/output, where the span carries them, is what the user declared the
    # interaction's input to be; the observation's own input comes next.
    view.setdefault(
        "input_value", first(payload_value(attrs.get("langfuse.trace.input")), payload_value(attrs.get(_OBS + "input")))
    )
    view.setdefault(
        "output_value",
        first(payload_value(attrs.get("langfuse.trace.output")), payload_value(attrs.get(_OBS + "output"))),
    )

    if view.kind is SpanKind.LLM:
        _read_generation(attrs, view, obs_input, obs_output, metadata)
    elif view.kind is SpanKind.TOOL:
        message = tool_message(obs_output)
        view.setdefault("tool_name", view.span.name)
        view.setdefault(
            "tool_call_id",
            as_str(first(message.get("tool_call_id") if message else None, metadata.get("tool_call_id"))),
        )
        view.setdefault("tool_arguments", _arguments(obs_input))
        view.setdefault("tool_result", tool_result(obs_output))
    elif view.kind is SpanKind.RETRIEVAL:
        query = unwrap_lc(obs_input)
        view.setdefault("retrieval_query", as_str(query.get("query") if isinstance(query, dict) else query))
        view.setdefault("documents", documents(obs_output))

    prompt_name = as_str(attrs.get(_OBS + "prompt.name"))
    if prompt_name:
        view.setdefault(
            "prompt_template", PromptTemplate(name=prompt_name, version=as_str(attrs.get(_OBS + "prompt.version")))
        )
    if str(attrs.get(_OBS + "level") or "").upper() == "ERROR":
        view.setdefault("error_message", as_str(attrs.get(_OBS + "status_message")))

    _read_scores(attrs.get("langfuse.export.scores"), view)

    # Langfuse's LangChain and OpenAI integrations pass trace identity as metadata keys.
    for source in (metadata, trace_metadata):
        view.set_identity("user_id", source.get("langfuse_user_id"))
        # Applications that do not use Langfuse's own key name the conversation in their metadata.
        view.set_identity(
            "session_id",
            first(
                source.get("langfuse_session_id"),
                source.get("session_id"),
                source.get("conversation_id"),
                source.get("thread_id"),
            ),
        )
        view.set_identity("tenant", first(source.get("tenant"), source.get("tenant_id")))


def _read_generation(
    attrs: dict[str, Any], view: SpanView, obs_input: Any, obs_output: Any, metadata: dict[str, Any]
) -> None:
    # The payloads as recorded: a string payload is the model's text, even when it is JSON.
    view.setdefault("input_messages", input_messages(attrs.get(_OBS + "input")))
    view.setdefault("output_messages", output_messages(attrs.get(_OBS + "output")))
    details = output_details(obs_output)
    model = as_str(attrs.get(_OBS + "model.name"))
    parameters = decode(attrs.get(_OBS + "model.parameters"))
    parameters = parameters if isinstance(parameters, dict) else {}
    request = obs_input if isinstance(obs_input, dict) else {}
    # Langfuse's model field is the response model when the span knew it (its OTel ingestion
    # prefers gen_ai.response.model), else what the caller asked for: when an OTel reader already
    # found that same name as the request model (a failed call has no response), it is not a response.
    answered = model if model != view.request_model else None
    view.setdefault("response_model", first(details.model, answered))
    view.setdefault(
        "request_model",
        as_str(first(metadata.get("ls_model_name"), parameters.get("model"), request.get("model"), model)),
    )
    view.setdefault("provider", as_str(metadata.get("ls_provider")))
    view.setdefault("parameters", {k: decode(v) for k, v in parameters.items() if k not in _PARAMETER_SKIP})
    view.setdefault("finish_reason", details.finish_reason)

    usage = first(decode(attrs.get(_OBS + "usage_details")), decode(attrs.get("langfuse.export.observation.usage")))
    input_tokens, output_tokens, total_tokens = usage_counts(usage)
    cached, reasoning = detail_counts(usage)
    if input_tokens is None and output_tokens is None:
        input_tokens, output_tokens, total_tokens = details.input_tokens, details.output_tokens, details.total_tokens
        cached, reasoning = details.cached_input_tokens, details.reasoning_tokens
    view.setdefault("input_tokens", input_tokens)
    view.setdefault("output_tokens", output_tokens)
    view.setdefault("total_tokens", total_tokens)
    view.setdefault("cached_input_tokens", cached)
    view.setdefault("reasoning_tokens", reasoning)
    view.setdefault("cost_usd", _cost(attrs))


def _cost(attrs: dict[str, Any]) -> float | None:
    details = decode(attrs.get(_OBS + "cost_details"))
    if isinstance(details, dict) and details:
        if "total" in details:
            return as_float(details["total"])
        values = [as_float(v) for v in details.values()]
        present = [v for v in values if v is not None]
        if present:
            return sum(present)
    return as_float(
        first(
            attrs.get("langfuse.export.observation.totalCost"),
            attrs.get("langfuse.export.observation.calculatedTotalCost"),
            dig(decode(attrs.get("langfuse.export.observation.usage")), "totalCost"),
        )
    )


def _arguments(value: Any) -> Any:
    value = unwrap_lc(value)
    if isinstance(value, dict) and set(value) == {"input"}:
        return decode(value["input"])  # LangChain's single-string tool input
    return value


def _langchain_documents(value: Any) -> bool:
    value = unwrap_lc(value)
    if isinstance(value, dict):
        value = value.get("documents")
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(d := unwrap_lc(item), dict) and isinstance(d.get("page_content"), str) for item in value)
    )


def _prefixed(attrs: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix) :]: decode(v) for k, v in attrs.items() if k.startswith(prefix)}


def _read_scores(scores: Any, view: SpanView) -> None:
    """Langfuse scores (numeric, boolean, categorical, text, correction) → outcome feedback."""
    scores = decode(scores)
    if not isinstance(scores, list):
        return
    for raw in scores:
        score = decode(raw)
        if not isinstance(score, dict) or not score.get("name"):
            continue
        data_type = str(score.get("dataType") or "NUMERIC").upper()
        value = score.get("value")
        label = first(score.get("stringValue"), score.get("longStringValue"), value if isinstance(value, str) else None)
        view.feedback.append(
            Feedback(
                name=str(score["name"]),
                score=as_float(value) if data_type in ("NUMERIC", "BOOLEAN", "CATEGORICAL") else None,
                label=text_of(label) if label is not None else None,
                comment=as_str(score.get("comment")) or None,
                source=as_str(score.get("source")),
                span_id=as_str(score.get("observationId")),
            )
        )
