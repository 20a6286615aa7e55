"""What a root cause can point at in a case, and which item is the likely proof of it.

``candidates`` lists every document, tool call and span with the ``ref`` an ``Evidence`` stores;
``likely`` picks the one a reviewer most often means (the failing tool call for ``tool_error``,
the oldest document for ``stale_source``), so ``V`` then ``Enter`` is usually enough.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reviewdesk.domain.case import Case, Document
from reviewdesk.domain.labels import EvidenceKind
from reviewdesk.domain.spans import RawSpan

DATE_KEYS = ("updated", "updated_at", "last_updated", "last_modified", "modified", "date", "published", "created_at")
"""Document metadata keys read as its date, first found wins."""

TOOL_CAUSES = frozenset({"tool_error", "wrong_tool", "excessive_agency", "provider_error"})
RETRIEVAL_CAUSES = frozenset({"missing_context", "bad_retrieval", "prompt_injection"})


def document_date(doc: Document) -> tuple[str, datetime] | None:
    """``(key, when)`` from the first date-like metadata key that parses (naive dates are UTC)."""
    for key in DATE_KEYS:
        raw = doc.metadata.get(key)
        if not isinstance(raw, str):
            continue
        try:
            when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            continue
        return key, when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return None


def document_ref(doc: Document) -> str:
    return doc.id or f"rank-{doc.rank}"


def tool_call_ref(case: Case, number: int) -> str:
    call = case.tool_calls[number - 1]
    return call.span_id or call.call_id or f"call-{number}"


def candidates(case: Case, spans: list[RawSpan]) -> list[tuple[str, EvidenceKind, str]]:
    """``(text, kind, ref)`` for each document, tool call and span a root cause can point at."""
    items: list[tuple[str, EvidenceKind, str]] = []
    for doc in sorted(case.retrieval.documents, key=lambda d: d.rank):
        items.append(
            (f"document #{doc.rank} {document_ref(doc)}  {(doc.content or '')[:60]}", "document", document_ref(doc))
        )
    for number, call in enumerate(case.tool_calls, 1):
        text = f"tool call {number}. {call.name}{'  (error)' if call.error else ''}"
        items.append((text, "tool_call", tool_call_ref(case, number)))
    for span in spans:
        items.append((f"span {span.name} [{span.span_id}]{'  (failed)' if span.failed else ''}", "span", span.span_id))
    return items


def likely(case: Case, spans: list[RawSpan], root_cause: str) -> tuple[EvidenceKind, str] | None:
    """The item most likely meant as proof of ``root_cause`` in ``case`` (None: no better guess)."""
    if root_cause in TOOL_CAUSES and case.tool_calls:
        failing = [n for n, call in enumerate(case.tool_calls, 1) if call.error]
        return "tool_call", tool_call_ref(case, (failing or [1])[0])
    docs = sorted(case.retrieval.documents, key=lambda d: d.rank)
    if root_cause == "stale_source" and docs:
        dated = [(found[1], doc) for doc in docs if (found := document_date(doc)) is not None]
        oldest = min(dated, key=lambda pair: pair[0])[1] if dated else docs[0]
        return "document", document_ref(oldest)
    if root_cause in RETRIEVAL_CAUSES and docs:
        return "document", document_ref(docs[0])
    failed = [span for span in spans if span.failed]
    if failed:
        return "span", failed[0].span_id
    return None
