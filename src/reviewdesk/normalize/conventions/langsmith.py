"""LangSmith run attributes: ``langsmith.span.kind`` (the run type), ``langsmith.metadata.*``,
``langsmith.run.*``.

The names are those of LangSmith's own OpenTelemetry exporter where it has one (``langsmith.span.kind``,
``langsmith.metadata.<key>``, ``langsmith.span.tags``, with inputs and outputs as JSON in
``gen_ai.prompt`` / ``gen_ai.completion``), and ``langsmith.run.<field>`` for the fields of an
exported run (``inputs``, ``outputs``, ``error``, ``extra``, ``feedback_stats``, token counts), as
the LangSmith importer writes them. Inputs and outputs are LangChain or OpenAI payloads, read by
``payloads``. Runs after the OTel readers, filling only what they left empty.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from reviewdesk.domain.case import Feedback, PromptTemplate
from reviewdesk.normalize.conventions.common import as_float, as_int, as_str, first
from reviewdesk.normalize.conventions.payloads import (
    decode,
    detail_counts,
    documents,
    input_messages,
    output_details,
    output_messages,
    tool_message,
    tool_result,
    unwrap_lc,
    usage_counts,
)
from reviewdesk.normalize.view import SpanKind, SpanView

NAME = "langsmith"

_KINDS = {
    "llm": SpanKind.LLM,
    "chain": SpanKind.CHAIN,
    "tool": SpanKind.TOOL,
    "retriever": SpanKind.RETRIEVAL,
    "embedding": SpanKind.EMBEDDING,
    "prompt": SpanKind.CHAIN,
    "parser": SpanKind.CHAIN,
}
_PARAMETER_SKIP = ("_type", "model", "model_name", "messages", "tools", "stop", "stream")
_REPR_ERROR = re.compile(r"([A-Za-z_][\w.]*)\((.*)\)", re.DOTALL)
_TRACEBACK_ERROR = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Timeout)[\w]*): (.*)$", re.MULTILINE)


def applies(attrs: dict[str, Any], view: SpanView) -> bool:
    return view.attrs.has("langsmith.")


def read(attrs: dict[str, Any], view: SpanView) -> None:
    run_type = str(attrs.get("langsmith.span.kind") or "").lower()
    inputs = decode(first(attrs.get("langsmith.run.inputs"), attrs.get("gen_ai.prompt")))
    outputs = decode(first(attrs.get("langsmith.run.outputs"), attrs.get("gen_ai.completion")))
    metadata = {
        k[len("langsmith.metadata.") :]: decode(v) for k, v in attrs.items() if k.startswith("langsmith.metadata.")
    }
    extra = decode(attrs.get("langsmith.run.extra"))
    extra = extra if isinstance(extra, dict) else {}

    if view.kind is SpanKind.OTHER and run_type in _KINDS:
        view.kind = _KINDS[run_type]
    elif view.kind is SpanKind.OTHER and not run_type and metadata.get("ls_model_name"):
        view.kind = SpanKind.LLM  # no run type, but LangChain names the model of model calls only
    view.setdefault("input_value", inputs)
    view.setdefault("output_value", outputs)

    if view.kind is SpanKind.LLM:
        _read_llm(attrs, view, inputs=inputs, outputs=outputs, metadata=metadata, extra=extra)
    elif view.kind is SpanKind.TOOL:
        output = outputs.get("output") if isinstance(outputs, dict) and set(outputs) == {"output"} else outputs
        message = tool_message(output)
        view.setdefault("tool_name", view.span.name)
        view.setdefault(
            "tool_call_id",
            as_str(
                first(
                    extra.get("tool_call_id"),
                    metadata.get("tool_call_id"),
                    message.get("tool_call_id") if message else None,
                )
            ),
        )
        arguments = unwrap_lc(inputs)
        if isinstance(arguments, dict) and set(arguments) == {"input"}:
            arguments = decode(arguments["input"])  # LangChain tools log a single string input
        view.setdefault("tool_arguments", arguments)
        view.setdefault("tool_result", tool_result(output))
    elif view.kind is SpanKind.RETRIEVAL:
        query = unwrap_lc(inputs)
        view.setdefault("retrieval_query", as_str(query.get("query") if isinstance(query, dict) else query))
        view.setdefault("documents", documents(outputs))

    if run_type == "prompt" and metadata.get("lc_hub_repo"):
        # A prompt pulled from the LangChain hub names itself and its commit.
        view.setdefault(
            "prompt_template",
            PromptTemplate(
                name=as_str(metadata.get("lc_hub_repo")),
                version=as_str(metadata.get("lc_hub_commit_hash")),
                variables=inputs if isinstance(inputs, dict) else None,
            ),
        )

    error = attrs.get("langsmith.run.error")
    if isinstance(error, str) and error.strip():
        error_type, error_message = _parse_error(error)
        view.setdefault("error_type", error_type)
        view.setdefault("error_message", error_message)

    _read_feedback(decode(attrs.get("langsmith.run.feedback_stats")), view)

    # LangSmith groups runs into threads by these metadata keys; revision_id versions the app.
    view.set_identity(
        "session_id", first(metadata.get("thread_id"), metadata.get("session_id"), metadata.get("conversation_id"))
    )
    view.set_identity("user_id", first(metadata.get("user_id"), metadata.get("user")))
    view.set_identity("release", metadata.get("revision_id"))
    view.set_identity("tenant", first(metadata.get("tenant"), metadata.get("tenant_id")))


def _read_llm(
    attrs: dict[str, Any], view: SpanView, *, inputs: Any, outputs: Any, metadata: dict[str, Any], extra: dict[str, Any]
) -> None:
    view.setdefault("input_messages", input_messages(inputs))
    view.setdefault("output_messages", output_messages(outputs))
    details = output_details(outputs)
    invocation = decode(first(extra.get("invocation_params"), metadata.get("invocation_params")))
    invocation = invocation if isinstance(invocation, dict) else {}
    request = inputs if isinstance(inputs, dict) else {}
    view.setdefault("response_model", details.model)
    view.setdefault(
        "request_model",
        as_str(
            first(
                metadata.get("ls_model_name"),
                invocation.get("model"),
                invocation.get("model_name"),
                request.get("model"),
            )
        ),
    )
    view.setdefault("provider", as_str(metadata.get("ls_provider")))
    parameters = {k: v for k, v in invocation.items() if k not in _PARAMETER_SKIP and v is not None}
    if not parameters:
        parameters = {
            k[3:]: v
            for k, v in metadata.items()
            if k in ("ls_temperature", "ls_max_tokens", "ls_stop") and v is not None
        }
    view.setdefault("parameters", parameters)
    view.setdefault("finish_reason", details.finish_reason)

    # Token counts: the usage the SDK recorded on the run, the output's own usage, then the
    # counts LangSmith computed and stored on the run.
    counts = usage_counts(metadata.get("usage_metadata"))
    extra_counts = detail_counts(metadata.get("usage_metadata"))
    if counts[0] is None and counts[1] is None:
        counts = (details.input_tokens, details.output_tokens, details.total_tokens)
        extra_counts = (details.cached_input_tokens, details.reasoning_tokens)
    if counts[0] is None and counts[1] is None:
        counts = (
            as_int(attrs.get("langsmith.run.prompt_tokens")),
            as_int(attrs.get("langsmith.run.completion_tokens")),
            as_int(attrs.get("langsmith.run.total_tokens")),
        )
    view.setdefault("input_tokens", counts[0])
    view.setdefault("output_tokens", counts[1])
    view.setdefault("total_tokens", counts[2])
    view.setdefault("cached_input_tokens", extra_counts[0])
    view.setdefault("reasoning_tokens", extra_counts[1])
    view.setdefault("cost_usd", as_float(attrs.get("langsmith.run.total_cost")))


def _parse_error(error: str) -> tuple[str | None, str]:
    """``ValueError('boom')\\n\\nTraceback …`` (the SDKs write ``repr(exc)`` then the traceback)."""
    head = error.strip().split("\n\n", 1)[0].strip()
    match = _REPR_ERROR.fullmatch(head)
    if match:
        error_type, args = match.group(1), match.group(2)
        try:
            value = ast.literal_eval(args) if args else ""
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            return error_type, args
        if isinstance(value, tuple):
            value = ", ".join(str(v) for v in value)
        return error_type, str(value)
    found = _TRACEBACK_ERROR.findall(error)
    if found:
        error_type, message = found[-1]
        return error_type, message
    return None, head


def _read_feedback(stats: Any, view: SpanView) -> None:
    """``feedback_stats`` ``{key: {n, avg, values, comments, sources}}`` → one feedback per key."""
    if not isinstance(stats, dict):
        return
    for key, raw in stats.items():
        stat = decode(raw)
        if isinstance(stat, dict):
            values = stat.get("values")
            label = next(iter(values), None) if isinstance(values, dict) and len(values) == 1 else None
            comments = stat.get("comments")
            comment = (
                next((c for c in comments if isinstance(c, str) and c), None) if isinstance(comments, list) else None
            )
            sources = stat.get("sources")
            source = None
            if isinstance(sources, list) and sources:
                source = sources[0].get("type") if isinstance(sources[0], dict) else as_str(sources[0])
            score = as_float(first(stat.get("avg"), stat.get("score")))
            view.feedback.append(
                Feedback(
                    name=str(key),
                    score=score,
                    label=as_str(label),
                    comment=comment,
                    source=as_str(source),
                    span_id=view.span.span_id,
                )
            )
        else:
            view.feedback.append(Feedback(name=str(key), score=as_float(stat), span_id=view.span.span_id))
