"""The case rules: from the spans of one trace to one ``Case``.

These rules are the same for every source format; ``docs/case-rules.md`` states them for users.
In short: the user request is the last user message sent to the first LLM call (else the root
span's input); the output is the last LLM output text (else the root span's output); tool calls
and documents are gathered from the whole trace in start order; usage sums every LLM call.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from reviewdesk.domain.case import (
    CASE_FORMAT_VERSION,
    Case,
    ErrorInfo,
    Generation,
    Input,
    Message,
    Outcome,
    Retrieval,
    Source,
    ToolCall,
    ToolCallRequest,
    Usage,
)
from reviewdesk.domain.ids import case_id_for_trace
from reviewdesk.domain.prices import PriceBook
from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize.conventions import view_span
from reviewdesk.normalize.conventions.common import answer_text, as_str, maybe_json, request_text
from reviewdesk.normalize.cost import BUILT_IN, CallUsage, estimate
from reviewdesk.normalize.facts import add_case_facts
from reviewdesk.normalize.view import SpanKind, SpanView

_IDENTITY_FIELDS = ("workflow", "release", "session_id", "user_id", "tenant")


def build_case(spans: Sequence[RawSpan], *, source_format: str, source_file: str, prices: PriceBook = BUILT_IN) -> Case:
    """Normalize the spans of one trace (in any order, any mix of conventions) into a case.

    ``prices`` are the workspace's prices for the cost estimate of a trace that records no cost.
    """
    if not spans:
        raise ValueError("a case needs at least one span")
    views = _in_start_order([view_span(s) for s in spans])
    trace_id = views[0].span.trace_id
    root = _root(views)
    llms = [v for v in views if v.kind is SpanKind.LLM]

    identity: dict[str, str] = {}
    for view in [root, *views]:
        for key in _IDENTITY_FIELDS:
            if key not in identity and key in view.identity:
                identity[key] = view.identity[key]

    starts = [v.span.start_ns for v in views if v.span.start_ns is not None]
    ends = [v.span.end_ns for v in views if v.span.end_ns is not None]
    span_ids = {v.span.span_id for v in views}
    roots = [v for v in views if not v.span.parent_span_id or v.span.parent_span_id not in span_ids]
    latency_ms = None
    if len(roots) == 1 and root.span.duration_ms is not None:
        latency_ms = round(root.span.duration_ms, 3)
    elif starts and ends:
        latency_ms = round((max(ends) - min(starts)) / 1e6, 3)
    tool_calls = _tool_calls(views, llms)
    _mark_recovered(tool_calls, views, llms)
    status, error = _status(root, views)
    # One validation of the whole case, its parts given as made (a pydantic assignment per field
    # afterwards cost more than the validation itself).
    case = Case(
        case_id=case_id_for_trace(trace_id),
        trace_id=trace_id,
        root_span_id=root.span.span_id,
        source=Source(format=source_format, file=source_file),
        workflow=identity.get("workflow") or root.span.name or None,
        release=identity.get("release"),
        session_id=identity.get("session_id"),
        user_id=identity.get("user_id"),
        tenant=identity.get("tenant"),
        started_at=datetime.fromtimestamp(min(starts) / 1e9, tz=UTC) if starts else None,
        latency_ms=latency_ms,
        status=status,
        error=error,
        input=_input(root, views, llms),
        retrieval=_retrieval(views),
        generation=_generation(root, llms),
        tool_calls=tool_calls,
        usage=_usage(llms, prices),
        outcome=Outcome(feedback=[f for v in views for f in v.feedback]),
        span_count=len(views),
    )
    return add_case_facts(case)


def _mark_recovered(calls: list[ToolCall], views: list[SpanView], llms: list[SpanView]) -> None:
    """A failed tool call is recovered from when a later LLM call answered with text and did not fail."""
    answers = [v for v in llms if _output_text(v) and not v.span.failed and v.span.start_ns is not None]
    if not answers:
        return
    last_answer = max(v.span.start_ns or 0 for v in answers)
    starts = {v.span.span_id: v.span.start_ns for v in views}
    for call in calls:
        start = starts.get(call.span_id) if call.span_id else None
        if call.error and start is not None and last_answer > start:
            call.recovered = True


def with_span_facts(case: Case, spans: Sequence[RawSpan]) -> Case:
    """A stored case of an older format with today's facts (``normalize.facts``), by the rules of
    ``build_case``, nothing else of it changed: the root and answer span ids and the recovered tool
    calls from its spans (when it has any), then the facts its own fields give."""
    if spans:
        views = _in_start_order([view_span(s) for s in spans])
        llms = [v for v in views if v.kind is SpanKind.LLM]
        case.root_span_id = _root(views).span.span_id
        answering = _answering(llms)
        case.generation.span_id = answering.span.span_id if answering is not None else None
        _mark_recovered(case.tool_calls, views, llms)
    case.format_version = CASE_FORMAT_VERSION
    return add_case_facts(case)


def case_usage(spans: Sequence[RawSpan], prices: PriceBook = BUILT_IN) -> Usage:
    """The ``usage`` of the case these spans make (the same rule as ``build_case``'s), for
    re-estimating stored cases when prices change without rebuilding anything else."""
    views = _in_start_order([view_span(s) for s in spans])
    return _usage([v for v in views if v.kind is SpanKind.LLM], prices)


def _in_start_order(views: list[SpanView]) -> list[SpanView]:
    """Spans by start time; at equal times a parent before its children, then by span id.

    Sources with millisecond clocks (Langfuse) give a call and its parent the same start; the
    depth keeps execution order there, and the span id makes the order independent of the order
    the spans arrived in (a trace split over several files gives the same case).
    """
    parents = {v.span.span_id: v.span.parent_span_id for v in views}
    depths: dict[str, int] = {}

    def depth(span_id: str) -> int:
        seen: set[str] = set()
        chain: list[str] = []
        current: str | None = span_id
        while current is not None and current in parents and current not in depths and current not in seen:
            seen.add(current)
            chain.append(current)
            current = parents[current]
        base = depths.get(current, -1) if current is not None else -1
        for node in reversed(chain):
            base += 1
            depths[node] = base
        return depths[span_id]

    def key(view: SpanView) -> tuple[int, int, str]:
        start = view.span.start_ns
        return (start if start is not None else 2**63, depth(view.span.span_id), view.span.span_id)

    return sorted(views, key=key)


def _root(views: list[SpanView]) -> SpanView:
    ids = {v.span.span_id for v in views}
    for view in views:
        if not view.span.parent_span_id or view.span.parent_span_id not in ids:
            return view
    return views[0]  # a cycle of parents: take the earliest span


def _input(root: SpanView, views: list[SpanView], llms: list[SpanView]) -> Input:
    messages: list[Message] = []
    system_instructions: str | None = None
    user_request: str | None = None
    first_llm = llms[0] if llms else None
    if first_llm is not None:
        messages = first_llm.input_messages
        system_instructions = first_llm.system_instructions or _join(
            m.content for m in first_llm.input_messages if m.role in ("system", "developer")
        )
        for message in reversed(first_llm.input_messages):
            if message.role in ("user", "human") and message.content:
                user_request = message.content
                break
    if system_instructions is None:
        # Agent frameworks may record the instructions on the agent span only.
        system_instructions = next((v.system_instructions for v in views if v.system_instructions), None)
    if user_request is None:
        for view in [root, *views]:
            text = request_text(view.input_value)
            if text:
                user_request = text
                break
    return Input(
        user_request=user_request,
        system_instructions=system_instructions,
        prompt_template=next((v.prompt_template for v in [*llms, *views] if v.prompt_template is not None), None),
        messages=messages,  # validation makes the case its own list
    )


def _join(texts: Iterable[str | None]) -> str | None:
    parts = [t for t in texts if t]
    return "\n\n".join(parts) if parts else None


def _output_text(view: SpanView) -> str | None:
    return _join(m.content for m in view.output_messages if m.role in ("assistant", "ai", "model", "unknown"))


def _answering(llms: list[SpanView]) -> SpanView | None:
    """The LLM call whose output is the answer: the last one that answered with text, else the last one."""
    return next((v for v in reversed(llms) if _output_text(v)), None) or (llms[-1] if llms else None)


def _generation(root: SpanView, llms: list[SpanView]) -> Generation:
    final = next((v for v in reversed(llms) if _output_text(v)), None)
    described = final or (llms[-1] if llms else None)  # _answering's rule, final already found
    fields: dict[str, Any] = {}
    if described is not None:
        fields = {
            "span_id": described.span.span_id,
            # A failed last call has no response model: fall back to the latest one that
            # answered, then to what was requested.
            "model": (
                described.response_model
                or next((v.response_model for v in reversed(llms) if v.response_model), None)
                or described.request_model
            ),
            "request_model": described.request_model,
            "provider": described.provider,
            "parameters": described.parameters,  # validation copies the dict
            "finish_reason": described.finish_reason,
            "refusal": described.refusal,
        }
    fields["output"] = _output_text(final) if final is not None else answer_text(root.output_value)
    if fields.get("provider") is None:
        fields["provider"] = next((v.provider for v in llms if v.provider), None)
    return Generation(**fields)


def _turn_messages(messages: list[Message]) -> list[Message]:
    """The messages after the last user message: this turn's tool calls and results, not history."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role in ("user", "human"):
            return messages[index + 1 :]
    return messages


def _tool_calls(views: list[SpanView], llms: list[SpanView]) -> list[ToolCall]:
    # What the model asked for, in order, with the LLM span that asked.
    requests: list[tuple[ToolCallRequest, SpanView]] = []
    seen: set[tuple[str | None, str, str]] = set()

    def add_request(req: ToolCallRequest, view: SpanView) -> None:
        key = (req.id, req.name, as_str(req.arguments) or "") if req.id is None else (req.id, "", "")
        if key not in seen:
            seen.add(key)
            requests.append((req, view))

    for view in llms:
        for message in _turn_messages(view.input_messages):
            for req in message.tool_calls or []:
                add_request(req, view)
        for message in view.output_messages:
            for req in message.tool_calls or []:
                add_request(req, view)

    # What came back, as tool messages in later LLM inputs.
    responses: dict[str, Any] = {}
    for view in llms:
        for message in _turn_messages(view.input_messages):
            if message.role == "tool" and message.tool_call_id and message.content is not None:
                responses.setdefault(message.tool_call_id, message.content)

    index_of = _Requests(requests)
    calls: list[tuple[int, ToolCall]] = []
    for view in views:
        if view.kind is not SpanKind.TOOL:
            continue
        name = view.tool_name or view.span.name
        index = index_of.match(view.tool_call_id, name)
        request = requests[index][0] if index is not None else None
        call_id = view.tool_call_id or (request.id if request else None)
        result = view.tool_result
        # A tool that failed has no result; what the app told the model instead (often the
        # error text) stays visible in the next LLM call's messages.
        if result is None and call_id is not None and not view.span.failed:
            result = _parsed(responses.get(call_id))
        arguments = view.tool_arguments if view.tool_arguments is not None else (request.arguments if request else None)
        if request is not None and _sent_as_input(request.arguments, arguments):
            # LangChain logs a string tool input as {"input": …} and the readers unwrap it; when the
            # model itself sent {"input": …}, that is what the tool got.
            arguments = request.arguments
        calls.append(
            (
                view.span.start_ns or 0,
                ToolCall(
                    name=name,
                    arguments=arguments,
                    result=result,
                    error=_error_text(view) if view.span.failed or view.error_message else None,
                    duration_ms=view.span.duration_ms,
                    span_id=view.span.span_id,
                    call_id=call_id,
                ),
            )
        )
    for index, (request, llm) in enumerate(requests):
        if index in index_of.matched:
            continue
        calls.append(
            (
                llm.span.end_ns or llm.span.start_ns or 0,
                ToolCall(
                    name=request.name,
                    arguments=request.arguments,
                    result=_parsed(responses.get(request.id)) if request.id else None,
                    span_id=llm.span.span_id,
                    call_id=request.id,
                ),
            )
        )
    calls.sort(key=lambda item: item[0])
    return [call for _, call in calls]


class _Requests:
    """The model's tool-call requests, matched to tool spans: first by call id, else by name.

    Each request matches one span at most, earliest first. Indexed by id and by name, so a trace
    with thousands of tool calls (an agent loop) is matched in linear time, not quadratic.
    """

    def __init__(self, requests: list[tuple[ToolCallRequest, SpanView]]) -> None:
        self.matched: set[int] = set()
        self._by_id: dict[str, list[int]] = {}
        self._by_name: dict[str, list[int]] = {}
        for index, (request, _) in enumerate(requests):
            if request.id is not None:
                self._by_id.setdefault(request.id, []).append(index)
            self._by_name.setdefault(request.name, []).append(index)
        self._cursor: dict[tuple[bool, str], int] = {}

    def match(self, call_id: str | None, name: str) -> int | None:
        found = self._first(True, call_id, self._by_id) if call_id else None
        if found is None:
            found = self._first(False, name, self._by_name)
        if found is not None:
            self.matched.add(found)
        return found

    def _first(self, by_id: bool, key: str, table: dict[str, list[int]]) -> int | None:
        indexes = table.get(key)
        if not indexes:
            return None
        position = self._cursor.get((by_id, key), 0)
        while position < len(indexes) and indexes[position] in self.matched:
            position += 1  # matched through the other table, or earlier: never looked at again
        self._cursor[(by_id, key)] = position
        return indexes[position] if position < len(indexes) else None


def _sent_as_input(requested: Any, arguments: Any) -> bool:
    return isinstance(requested, dict) and set(requested) == {"input"} and requested["input"] == arguments


def _parsed(value: Any) -> Any:
    return maybe_json(value)


def _error_text(view: SpanView) -> str | None:
    kind, message = view.error_type, view.error_message
    if kind and message and kind not in message:
        return f"{kind}: {message}"
    return message or kind or "error"


def _retrieval(views: list[SpanView]) -> Retrieval:
    retrieval = Retrieval()
    for view in views:
        if view.kind is not SpanKind.RETRIEVAL and not view.documents:
            continue
        if retrieval.query is None and view.retrieval_query:
            retrieval.query = view.retrieval_query
        for document in view.documents:
            # The views are this build's own (``view_span`` makes new documents): no copy needed.
            document.span_id = view.span.span_id
            retrieval.documents.append(document)
    return retrieval


def _usage(llms: list[SpanView], prices: PriceBook) -> Usage:
    def total(values: list[int | None]) -> int | None:
        present = [v for v in values if v is not None]
        return sum(present) if present else None

    input_tokens = total([v.input_tokens for v in llms])
    output_tokens = total([v.output_tokens for v in llms])
    per_call_totals: list[int | None] = []
    for view in llms:
        if view.total_tokens is not None:
            per_call_totals.append(view.total_tokens)
        elif view.input_tokens is not None or view.output_tokens is not None:
            per_call_totals.append((view.input_tokens or 0) + (view.output_tokens or 0))
    costs = [v.cost_usd for v in llms if v.cost_usd is not None]
    cost_usd = round(sum(costs), 8) if costs else None
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total(per_call_totals),
        cached_input_tokens=total([v.cached_input_tokens for v in llms]),
        reasoning_tokens=total([v.reasoning_tokens for v in llms]),
        cost_usd=cost_usd,
        # The trace's own cost always wins; an estimate only fills its absence.
        cost_estimate=estimate([_call_usage(v) for v in llms], prices) if cost_usd is None else None,
        llm_calls=len(llms),
    )


def _call_usage(view: SpanView) -> CallUsage:
    start = view.span.start_ns
    return CallUsage(
        # What answered is what was billed; a call that failed before answering is priced as asked.
        model=view.response_model or view.request_model,
        provider=view.provider,
        input_tokens=view.input_tokens,
        output_tokens=view.output_tokens,
        cached_input_tokens=view.cached_input_tokens,
        reasoning_tokens=view.reasoning_tokens,
        started_at=datetime.fromtimestamp(start / 1e9, tz=UTC) if start is not None else None,
    )


def _status(root: SpanView, views: list[SpanView]) -> tuple[Any, ErrorInfo | None]:
    failing = [v for v in views if v.span.failed]
    if not failing:
        return "ok", None
    first = root if root.span.failed else failing[0]
    if not first.error_message:
        # Frameworks mark the root failed without a message when a step below it raised: the
        # message a reviewer needs is on the earliest failing span that has one.
        told = next((v for v in failing if v.error_message), None)
        if told is not None:
            return "error", ErrorInfo(
                type=first.error_type or told.error_type, message=told.error_message, span_id=told.span.span_id
            )
    return "error", ErrorInfo(type=first.error_type, message=first.error_message, span_id=first.span.span_id)
