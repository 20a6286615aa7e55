"""What goes where: the rules every exporter shares (documented per format in ``docs/exports.md``).

* **Input** is the conversation up to and including the user request, with the system
  instructions first — what the application sent to the model before it did anything itself.
* **Expected output** is the reviewer's corrected output when there is one, else the original
  output when the verdict is ``pass``; otherwise there is none.
* A **regression case** is a failing case with no expected output. It still exports: the bad
  answer and the root causes become a negative check and a rubric, in whatever form the format has.
* **Provenance** (source trace and span ids, source file, label, reviewers, schema version,
  labeled-at) goes into every record that has a place for it.

Keeping these rules in one module means twelve formats cannot drift apart on them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import orjson

from reviewdesk.domain.case import Case, Document, Message, ToolCall, ToolCallRequest
from reviewdesk.exporters.base import ExportItem, ExportOptions

_ROLES = {"human": "user", "ai": "assistant", "model": "assistant", "bot": "assistant"}
_SYSTEM_ROLES = ("system", "developer")

NOT_LABELED = "not labeled"
NO_INPUT = "no user request"
NOTHING_TO_TEST = "no expected output and not failing: nothing to test against"
ORIGINAL_OUTPUT = "original_output"
CORRECTED_OUTPUT = "corrected_output"


def dumps_line(value: Any) -> bytes:
    """One JSON line with sorted keys at every level: the same data always gives the same bytes."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with a ``Z``, as the case JSON writes times."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def role(name: str) -> str:
    """The OpenAI-style role of a message, whatever the trace called it."""
    lowered = name.lower()
    return _ROLES.get(lowered, lowered)


def conversation(case: Case) -> list[Message]:
    """The messages up to and including the last user message, system instructions first.

    Built from the messages of the first LLM call; when the trace had no messages (or no user
    message among them) the user request and system instructions stand in for them.
    """
    messages = [m.model_copy(update={"role": role(m.role)}) for m in case.input.messages]
    last_user = max((i for i, m in enumerate(messages) if m.role == "user" and m.content), default=None)
    if last_user is not None:
        messages = messages[: last_user + 1]
    else:
        # No user turn recorded: keep only the instructions and append the request itself.
        messages = [m for m in messages if m.role in _SYSTEM_ROLES]
        if case.input.user_request:
            messages.append(Message(role="user", content=case.input.user_request))
    if case.input.system_instructions and not any(m.role in _SYSTEM_ROLES for m in messages):
        messages.insert(0, Message(role="system", content=case.input.system_instructions))
    return messages


def has_input(case: Case) -> bool:
    return any(m.role == "user" and m.content for m in conversation(case))


def expected_output(case: Case) -> str | None:
    """The corrected output, else the original output of a passing case, else ``None``."""
    label = case.labels
    if label is None:
        return None
    if label.corrected_output and label.corrected_output.strip():
        return label.corrected_output
    if label.verdict == "pass" and case.generation.output:
        return case.generation.output
    return None


def expected_from(case: Case) -> str | None:
    """Where the expected output came from: ``corrected_output``, ``original_output`` or ``None``."""
    label = case.labels
    if label is not None and label.corrected_output and label.corrected_output.strip():
        return CORRECTED_OUTPUT
    return ORIGINAL_OUTPUT if expected_output(case) is not None else None


def is_failing(case: Case) -> bool:
    return case.labels is not None and case.labels.verdict == "fail"


def is_regression(case: Case) -> bool:
    """A failing case with no expected output: exported as "must not do this again"."""
    return is_failing(case) and expected_output(case) is None


def rejected_output(case: Case) -> str | None:
    """The answer a reviewer failed, when there is one to test against."""
    if not is_failing(case):
        return None
    output = case.generation.output
    expected = expected_output(case)
    return output if output and output != expected else None


def eval_skip_reason(item: ExportItem) -> str | None:
    """Why a case cannot become an eval record in any format (shared by every eval-set exporter)."""
    case = item.case
    if case.labels is None or case.labels.verdict is None:
        return NOT_LABELED
    if not has_input(case):
        return NO_INPUT
    if case.labels.verdict != "fail" and expected_output(case) is None:
        # ``unsure`` without a correction, or ``pass`` on a trace that recorded no answer.
        return NOTHING_TO_TEST
    return None


def rubric(case: Case, options: ExportOptions) -> str | None:
    """Grading instructions for a failing case, from its root causes and the reviewer's comment.

    Written for a model grader (promptfoo ``llm-rubric``, OpenAI Evals ``criteria``, an Inspect
    ``model_graded_qa`` criterion): it states what the answer must avoid, in the taxonomy's words.
    """
    label = case.labels
    if label is None or label.verdict != "fail":
        return None
    lines = []
    if label.root_causes:
        lines.append(
            "A reviewer rejected an earlier answer to this request. The answer must not repeat these failures:"
        )
        lines.extend(f"- {options.root_causes.get(cause, cause)}" for cause in label.root_causes)
    else:
        lines.append("A reviewer rejected an earlier answer to this request; the answer must not repeat its mistakes.")
    if label.comment:
        lines.append(f"Reviewer's note: {label.comment}")
    rejected = rejected_output(case)
    if rejected:
        lines.append(f"The rejected answer was: {rejected}")
    return "\n".join(lines)


def documents(case: Case) -> list[Document]:
    """Retrieved documents in rank order of their retrieval steps (the case already keeps that order)."""
    return list(case.retrieval.documents)


def context_texts(case: Case) -> list[str]:
    """The text of every retrieved document that has text (GenAI traces often carry ids only)."""
    return [d.content for d in case.retrieval.documents if d.content]


def document_json(doc: Document, stale: str | None = None) -> dict[str, Any]:
    """A retrieved document with the facts a reviewer judges it by (docs/CONTEXT.md): when it was
    updated, its age when retrieved, whether the answer cites it, and why it was stale (``None``: it was not)."""
    return {
        "id": doc.id,
        "source": doc.source,
        "score": doc.score,
        "rank": doc.rank,
        "content": doc.content,
        "updated_at": iso(doc.updated_at),
        "age_days": None if doc.age_days is None else round(doc.age_days, 1),
        "cited": doc.cited,
        "stale": stale,
    }


def documents_json(item: ExportItem) -> list[dict[str, Any]]:
    """``document_json`` of every retrieved document, in rank order of their steps, with its stale reason."""
    return [
        document_json(doc, item.standing.stale_reason(index)) for index, doc in enumerate(item.case.retrieval.documents)
    ]


def arguments_json(arguments: Any) -> str:
    """Tool arguments as the JSON string Chat Completions carries (compact, keys sorted)."""
    if isinstance(arguments, str):
        return arguments
    return orjson.dumps({} if arguments is None else arguments, option=orjson.OPT_SORT_KEYS).decode()


def arguments_dict(arguments: Any) -> dict[str, Any]:
    """Tool arguments as an object (Inspect, DeepEval); a non-object value is wrapped."""
    if isinstance(arguments, dict):
        return arguments
    if arguments is None:
        return {}
    return {"value": arguments}


def tool_result_text(call: ToolCall) -> str:
    """What the tool message said back: the result, or the error the application reported."""
    if call.error:
        return orjson.dumps({"error": call.error}).decode()
    if call.result is None:
        return ""
    if isinstance(call.result, str):
        return call.result
    return orjson.dumps(call.result, option=orjson.OPT_SORT_KEYS).decode()


def call_id(call: ToolCall | ToolCallRequest, index: int) -> str:
    """The call id from the trace, or a stable made-up one (pairing needs one on both messages)."""
    value = call.call_id if isinstance(call, ToolCall) else call.id
    return value or f"call_{index + 1}"


_SLUG = re.compile(r"[^a-z0-9_]+")


def slug(text: str) -> str:
    return _SLUG.sub("_", text.lower()).strip("_") or "x"


def provenance(item: ExportItem) -> dict[str, Any]:
    """Where the record came from and how it was judged; the same keys in every format that has room.

    Flat on purpose: promptfoo filters on top-level metadata values, and CSV and Parquet need
    one column per key.
    """
    case = item.case
    label = case.labels
    estimate = case.usage.cost_estimate
    return {
        "case_id": case.case_id,
        "source_trace_id": case.trace_id,
        "source_span_id": item.output_span_id or item.root_span_id,
        "source_root_span_id": item.root_span_id,
        "source_format": case.source.format,
        "source_file": case.source.file,
        "workflow": case.workflow,
        "release": case.release,
        "verdict": label.verdict if label else None,
        "root_causes": list(label.root_causes) if label else [],
        "scores": dict(sorted(label.scores.items())) if label else {},
        "reviewers": list(item.reviewers) or ([label.reviewer] if label and label.reviewer else []),
        "label_schema_version": label.schema_version if label else None,
        "labeled_at": iso(label.labeled_at) if label else None,
        "expected_from": expected_from(case),
        "comment": label.comment if label else None,
        # Cost as the trace recorded it, and apart from it the estimate from list prices (with the
        # prices used) when the trace records none: an estimate must not pass for a bill.
        "cost_usd": case.usage.cost_usd,
        "estimated_cost_usd": estimate.usd if estimate is not None else None,
        "cost_estimate_prices": estimate.prices if estimate is not None and estimate.usd is not None else None,
        # The facts a reviewer judged the case by (docs/CONTEXT.md); the two ratios and the stale
        # count depend on the workspace the export was made from.
        "finish_reason": case.generation.finish_reason,
        "finish_flagged": case.generation.finish_flagged,
        "tool_errors": case.tool_errors,
        "recovered_errors": case.recovered_errors,
        "stale_documents": item.standing.stale_documents,
        "cost_vs_median": _ratio(item.standing.cost_vs_median),
        "latency_vs_median": _ratio(item.standing.latency_vs_median),
    }


def _ratio(value: float | None) -> float | None:
    """Two decimals: "14×" is the fact; more digits would only make the file depend on float noise."""
    return None if value is None else round(value, 2)


def compact(mapping: dict[str, Any]) -> dict[str, Any]:
    """``mapping`` without ``None`` values (formats whose schemas reject nulls)."""
    return {key: value for key, value in mapping.items() if value is not None}


def description(case: Case) -> str:
    """A one-line title for a test: case id, workflow, verdict and root causes."""
    label = case.labels
    verdict = label.verdict if label and label.verdict else "unlabeled"
    causes = f": {', '.join(label.root_causes)}" if label and label.root_causes else ""
    request = " ".join((case.input.user_request or "").split())
    if len(request) > 60:
        request = request[:59] + "…"
    workflow = f" {case.workflow}" if case.workflow else ""
    return f"case {case.case_id}{workflow} ({verdict}{causes}) – {request}".rstrip(" –")


def evidence_texts(case: Case) -> list[str]:
    """The text of what the reviewer cited as evidence: the document's content, the tool call's result.

    Evidence refs name a document id or a tool call's span id; refs the case cannot resolve to text
    (a span, a document recorded without content) give nothing. In evidence order, without repeats.
    """
    label = case.labels
    if label is None:
        return []
    texts: list[str] = []
    for evidence in label.evidence:
        text: str | None = None
        if evidence.kind == "document":
            text = next((d.content for d in case.retrieval.documents if d.id == evidence.ref and d.content), None)
        elif evidence.kind == "tool_call":
            call = next((c for c in case.tool_calls if evidence.ref in (c.span_id, c.call_id)), None)
            text = tool_result_text(call) if call is not None else None
        if text and text not in texts:
            texts.append(text)
    return texts
