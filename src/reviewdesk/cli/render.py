"""Plain-text rendering for the terminal. Trace text is untrusted: control characters are escaped."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Sequence
from typing import Any

from reviewdesk.domain.case import Case, Usage
from reviewdesk.domain.money import usd
from reviewdesk.domain.queries import CaseSummary, WorkspaceStats
from reviewdesk.domain.spans import RawSpan
from reviewdesk.inert import terminal_safe


def safe(text: str | None) -> str:
    """``text`` with every character that could act on the terminal shown as an escape (``\\x1b``).

    Trace text is untrusted: it must not drive the terminal. The characters are those of
    ``reviewdesk.inert.UNSAFE``, the same the window and the HTML report mark.
    """
    return terminal_safe(text)


def one_line(text: str | None, width: int) -> str:
    flat = " ".join(safe(text).split())
    return flat if len(flat) <= width else flat[: max(width - 1, 0)] + "…"


def _money(value: float | None) -> str:
    return "" if value is None else usd(value)


def _count(value: int | None) -> str:
    """A token count, or ``unknown`` when the trace did not count (which is not zero)."""
    return "unknown" if value is None else str(value)


def _ms(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value / 1000:.1f}s" if value >= 1000 else f"{value:.0f}ms"


def case_table(rows: Sequence[CaseSummary], *, of: str | None = None) -> str:
    """The cases as a table; ``of``: how many match in all, when the rows are a first part of them."""
    if not rows:
        return "no cases"
    width = shutil.get_terminal_size((140, 20)).columns
    header = ("CASE", "STARTED", "STATUS", "WORKFLOW", "MODEL", "LATENCY", "TOKENS", "COST", "VERDICT", "REQUEST")
    table = [
        (
            r.case_id,
            r.started_at.strftime("%Y-%m-%d %H:%M") if r.started_at else "",
            r.status,
            one_line(r.workflow, 18),
            one_line(r.model, 22),
            _ms(r.latency_ms),
            "" if r.total_tokens is None else str(r.total_tokens),
            _money(r.cost_usd) or (f"{_money(r.estimated_cost_usd)} est" if r.estimated_cost_usd is not None else ""),
            r.verdict or "",
            r.user_request,
        )
        for r in rows
    ]
    widths = [max(len(header[i]), *(len(str(row[i] or "")) for row in table)) for i in range(len(header) - 1)]
    used = sum(widths) + 2 * len(widths)
    request_width = max(width - used, 20)
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, [*widths, request_width], strict=True)).rstrip()]
    for row in table:
        cells = [str(c or "").ljust(w) for c, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, one_line(row[-1], request_width)]).rstrip())
    lines.append(f"{len(rows)} case(s)" + (f" of {of} matching" if of is not None else ""))
    if of is not None and of.endswith("+"):
        lines.append(f"(counting stops at {of[:-1]}, as the window's queue bar does)")
    if any(r.cost_is_estimated for r in rows):
        lines.append("est: estimated from list prices (the trace records no cost); see reviewdesk prices")
    return "\n".join(lines)


def summary_json(row: CaseSummary) -> dict[str, Any]:
    return {
        "case_id": row.case_id,
        "trace_id": row.trace_id,
        "started_at": row.started_at.isoformat() if row.started_at else None,
        "status": row.status,
        "workflow": row.workflow,
        "release": row.release,
        "model": row.model,
        "latency_ms": row.latency_ms,
        "total_tokens": row.total_tokens,
        "cost_usd": row.cost_usd,
        "estimated_cost_usd": row.estimated_cost_usd,
        "error_type": row.error_type,
        "tool_calls": row.tool_calls,
        "tool_errors": row.tool_errors,
        "documents": row.documents,
        "verdict": row.verdict,
        "root_causes": list(row.root_causes),
        "user_request": row.user_request,
    }


def _block(title: str, body: str | None, indent: str = "  ") -> list[str]:
    if not body:
        return []
    width = min(shutil.get_terminal_size((100, 20)).columns, 110) - len(indent)
    lines = [title]
    for paragraph in safe(body).splitlines() or [""]:
        lines.extend(textwrap.wrap(paragraph, width, initial_indent=indent, subsequent_indent=indent) or [indent])
    return lines


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _case_cost(usage: Usage) -> str:
    """The recorded cost; else the estimate, marked, with the prices it used; else ``-``."""
    if usage.cost_usd is not None:
        return _money(usage.cost_usd)
    estimate = usage.cost_estimate
    if estimate is None:
        return "-"
    if estimate.usd is None:
        return f"unknown (no price for {safe(', '.join(estimate.unpriced_models))}; see reviewdesk prices)"
    text = f"{_money(estimate.usd)} estimated ({safe(estimate.prices)})"
    if estimate.calls_unpriced:
        missing = f": no price for {safe(', '.join(estimate.unpriced_models))}" if estimate.unpriced_models else ""
        text += (
            f", {estimate.calls_unpriced} of {estimate.calls_priced + estimate.calls_unpriced} calls left out{missing}"
        )
    return text


def case_text(case: Case) -> str:
    g, u = case.generation, case.usage
    # Every field below comes from the trace (or from whoever labeled it) and goes through safe().
    out = [
        f"case {safe(case.case_id)}   trace {safe(case.trace_id)}",
        f"  workflow {safe(case.workflow) or '-'}   release {safe(case.release) or '-'}"
        f"   session {safe(case.session_id) or '-'}   user {safe(case.user_id) or '-'}"
        f"   tenant {safe(case.tenant) or '-'}",
        f"  started {case.started_at.isoformat() if case.started_at else '-'}   latency {_ms(case.latency_ms) or '-'}"
        f"   status {case.status}   spans {case.span_count}"
        f"   source {safe(case.source.file)} ({safe(case.source.format)})",
        f"  model {safe(g.model) or '-'}   provider {safe(g.provider) or '-'}"
        f"   tokens in {_count(u.input_tokens)} / out {_count(u.output_tokens)} / total {_count(u.total_tokens)}"
        f"   cost {_case_cost(u)}   LLM calls {u.llm_calls}",
    ]
    if u.cached_input_tokens or u.reasoning_tokens:
        out.append(f"  of which cached input {_count(u.cached_input_tokens)}   reasoning {_count(u.reasoning_tokens)}")
    if case.error:
        parts = [safe(case.error.type), safe(case.error.message)]
        out.append("  ERROR " + ": ".join(p for p in parts if p))
    out.append("")
    out += _block("System instructions:", case.input.system_instructions)
    if case.input.prompt_template:
        t = case.input.prompt_template
        out.append(
            f"Prompt template: {safe(t.name) or '-'} version {safe(t.version) or '-'}"
            f" variables {one_line(_json_text(t.variables or {}), 200)}"
        )
    out += _block("User request:", case.input.user_request)
    if case.retrieval.documents:
        out.append(f"Retrieved documents (query: {one_line(case.retrieval.query, 80)}):")
        for d in case.retrieval.documents:
            score = "" if d.score is None else f" score {d.score:.3f}"
            out.append(f"  #{d.rank} {safe(d.id) or '(no id)'}{score} {safe(d.source) or ''}".rstrip())
            if d.content:
                out.append(f"     {one_line(d.content, 100)}")
    if case.tool_calls:
        out.append("Tool calls:")
        for call in case.tool_calls:
            out.append(
                f"  {safe(call.name)}({one_line(_json_text(call.arguments), 80)}) {_ms(call.duration_ms)}".rstrip()
            )
            if call.error:
                out.append(f"     ERROR {one_line(call.error, 100)}")
            elif call.result is not None:
                out.append(f"     → {one_line(_json_text(call.result), 100)}")
    out += _block(f"Output (finish reason: {safe(g.finish_reason) or '-'}):", g.output)
    if g.refusal:
        out += _block("Refusal:", g.refusal)
    if case.outcome.feedback:
        out.append("Feedback in the trace:")
        for f in case.outcome.feedback:
            out.append(
                f"  {safe(f.name)}: label {safe(f.label) or '-'} score {f.score if f.score is not None else '-'}"
            )
    if case.labels:
        lab = case.labels
        out.append(
            f"Label: {lab.verdict or '-'}  root causes {safe(', '.join(lab.root_causes)) or '-'}"
            f"  by {safe(lab.reviewer)} at "
            f"{lab.labeled_at.isoformat() if lab.labeled_at else '-'}"
        )
    else:
        out.append("Label: not labeled yet")
    return "\n".join(out)


def span_table(spans: Sequence[RawSpan]) -> str:
    if not spans:
        return "no spans"
    depth: dict[str, int] = {}
    ids = {s.span_id for s in spans}
    lines = ["Spans:"]
    start0 = min((s.start_ns for s in spans if s.start_ns is not None), default=0)
    for span in spans:
        parent = span.parent_span_id
        depth[span.span_id] = depth.get(parent, 0) + 1 if parent in ids and parent else 0
        offset = "" if span.start_ns is None else f"+{(span.start_ns - start0) / 1e6:.0f}ms"
        status = " ERROR" if span.failed else ""
        lines.append(
            f"  {'  ' * depth[span.span_id]}{safe(span.name)}  [{safe(span.span_id)}] {offset}"
            f" {_ms(span.duration_ms)}{status}"
            f"  ({len(span.attributes)} attributes, {len(span.events)} events)"
        )
    return "\n".join(lines)


def stats_json(stats: WorkspaceStats) -> dict[str, Any]:
    def counts(items: Sequence[Any]) -> dict[str, int]:
        return {str(c.key): c.count for c in items}

    return {
        "cases": stats.cases,
        "traces": stats.traces,
        "spans": stats.spans,
        "imports": stats.imports,
        "errors": stats.errors,
        "labeled": stats.labeled,
        "input_tokens": stats.input_tokens,
        "output_tokens": stats.output_tokens,
        "cases_with_tokens": stats.cases_with_tokens,
        "cost_usd": None if stats.cost_usd is None else round(stats.cost_usd, 6),
        "cases_with_cost": stats.cases_with_cost,
        "estimated_cost_usd": None if stats.estimated_cost_usd is None else round(stats.estimated_cost_usd, 6),
        "cases_with_estimate": stats.cases_with_estimate,
        "by_workflow": counts(stats.by_workflow),
        "by_release": counts(stats.by_release),
        "by_model": counts(stats.by_model),
        "by_verdict": counts(stats.by_verdict),
        "by_format": counts(stats.by_format),
    }


def _stats_tokens(stats: WorkspaceStats) -> str:
    if stats.cases_with_tokens == 0:
        return "tokens unknown"
    text = f"tokens in {_count(stats.input_tokens)} / out {_count(stats.output_tokens)}"
    if stats.cases_with_tokens < stats.cases:
        text += f" (counted in {stats.cases_with_tokens} of {stats.cases} cases)"
    return text


def _stats_cost(stats: WorkspaceStats) -> str:
    """Recorded and estimated cost apart: an estimate is not what was billed."""
    parts = []
    if stats.cost_usd is not None:
        parts.append(f"cost recorded {usd(stats.cost_usd)} ({stats.cases_with_cost} of {stats.cases} cases)")
    if stats.estimated_cost_usd is not None:
        parts.append(f"estimated {usd(stats.estimated_cost_usd)} ({stats.cases_with_estimate} of {stats.cases} cases)")
    return "   ".join(parts) if parts else "cost unknown"


def stats_text(stats: WorkspaceStats) -> str:
    lines = [
        f"cases {stats.cases}   traces {stats.traces}   spans {stats.spans}   imports {stats.imports}",
        f"errors {stats.errors}   labeled {stats.labeled}   {_stats_tokens(stats)}   {_stats_cost(stats)}",
    ]
    for title, items in (
        ("by workflow", stats.by_workflow),
        ("by release", stats.by_release),
        ("by model", stats.by_model),
        ("by verdict", stats.by_verdict),
        ("by format", stats.by_format),
    ):
        if items:
            lines.append(
                f"{title}: "
                + ", ".join(f"{safe(str(c.key)) if c.key is not None else '(none)'} {c.count}" for c in items)
            )
    return "\n".join(lines)
