"""What a root cause can point at in a case, and which item is the likely proof of it.

``candidates`` lists every document, tool call and span with the ``ref`` an ``Evidence`` stores;
``likely`` picks the one a reviewer most often means (the failing tool call for ``tool_error``,
the oldest document for ``stale_source``, the longest span for ``too_slow``, else the first failed
span or the span the answer came from). Choosing a root cause attaches it (``likely_evidence``):
the reviewer changes it with ``V`` only when it is not the one meant.
"""

from __future__ import annotations

from reviewdesk.domain.case import Case, Document
from reviewdesk.domain.labels import Evidence, EvidenceKind
from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize import readable

TOOL_CAUSES = frozenset({"tool_error", "wrong_tool", "excessive_agency", "provider_error"})
RETRIEVAL_CAUSES = frozenset({"missing_context", "bad_retrieval", "prompt_injection"})
SLOW_CAUSES = frozenset({"too_slow", "needless_cost"})


def document_ref(doc: Document) -> str:
    return doc.id or f"rank-{doc.rank}"


def tool_call_ref(case: Case, number: int) -> str:
    call = case.tool_calls[number - 1]
    return call.span_id or call.call_id or f"call-{number}"


def candidates(case: Case, spans: list[RawSpan]) -> list[tuple[str, EvidenceKind, str]]:
    """``(text, kind, ref)`` for each document, tool call and span a root cause can point at."""
    items: list[tuple[str, EvidenceKind, str]] = []
    for doc in sorted(case.retrieval.documents, key=lambda d: d.rank):
        text = f"document #{doc.rank} “{document_title(doc)}”  {_snippet(doc.content, 60)}"
        items.append((text, "document", document_ref(doc)))
    for number, call in enumerate(case.tool_calls, 1):
        text = f"tool call {number}. {call.name}{'  (error)' if call.error else ''}"
        items.append((text, "tool_call", tool_call_ref(case, number)))
    for span in spans:
        text = f"span “{span.name}” {readable.duration_text(span.duration_ms)}{'  (failed)' if span.failed else ''}"
        items.append((text, "span", span.span_id))
    return items


def likely(case: Case, spans: list[RawSpan], root_cause: str) -> tuple[EvidenceKind, str] | None:
    """The item most likely meant as proof of ``root_cause`` in ``case`` (None: the case has no span to point at)."""
    if root_cause in TOOL_CAUSES and case.tool_calls:
        failing = [n for n, call in enumerate(case.tool_calls, 1) if call.error]
        return "tool_call", tool_call_ref(case, (failing or [1])[0])
    docs = sorted(case.retrieval.documents, key=lambda d: d.rank)
    if root_cause == "stale_source" and docs:
        # The oldest by the case's own fact (``Document.updated_at``, normalize.facts), undated last.
        dated = [(doc.updated_at, doc) for doc in docs if doc.updated_at is not None]
        oldest = min(dated, key=lambda pair: pair[0])[1] if dated else docs[0]
        return "document", document_ref(oldest)
    if root_cause in RETRIEVAL_CAUSES and docs:
        return "document", document_ref(docs[0])
    failed = [span for span in spans if span.failed]
    if failed:
        return "span", failed[0].span_id
    ids = {span.span_id for span in spans}
    if root_cause in SLOW_CAUSES and spans:
        # What made the case slow or costly: its longest span below the root (the root spans everything).
        inner = [s for s in spans if s.span_id != case.root_span_id and s.duration_ms is not None] or spans
        return "span", max(inner, key=lambda s: s.duration_ms or 0.0).span_id
    # Otherwise the answer is what is judged (a hallucination, a weak prompt): the span it came from.
    if case.generation.span_id in ids:
        return "span", case.generation.span_id
    return None


def likely_evidence(case: Case, spans: list[RawSpan], root_cause: str) -> Evidence | None:
    """``likely`` as the evidence of ``root_cause`` it would attach (what choosing the cause attaches)."""
    item = likely(case, spans, root_cause)
    return None if item is None else Evidence(root_cause=root_cause, kind=item[0], ref=item[1])


def document_title(doc: Document) -> str:
    """A document's title from its metadata, else its source's file name, else its id."""
    title = doc.metadata.get("title")
    if isinstance(title, str) and title.strip():
        return " ".join(title.split())
    if doc.source:
        return doc.source.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return document_ref(doc)


def _snippet(text: str | None, limit: int = 90) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else readable.cut_at_word(flat, limit) + " …"


def describe(case: Case, spans: list[RawSpan], evidence: Evidence) -> str:
    """What ``evidence`` points at, in words: the document's title and first words, the tool call's
    name and outcome, the span's name; never a bare id (unless the item is no longer in the case)."""
    if evidence.kind == "document":
        for doc in case.retrieval.documents:
            if document_ref(doc) == evidence.ref:
                return f"document #{doc.rank} “{document_title(doc)}”: {_snippet(doc.content)}".rstrip(": ")
    elif evidence.kind == "tool_call":
        for number, call in enumerate(case.tool_calls, 1):
            if tool_call_ref(case, number) == evidence.ref:
                summary = readable.tool_call_summary(call, limit=70)
                return f"tool call {number}. {call.name} ({summary.status}): {summary.outcome}"
    elif evidence.kind == "span":
        for span in spans:
            if span.span_id == evidence.ref:
                failed = f", failed: {_snippet(span.status_message, 60)}" if span.failed else ""
                return f"span “{span.name}” ({readable.duration_text(span.duration_ms)}{failed})"
    return f"{evidence.kind.replace('_', ' ')} {evidence.ref} (not found in this case)"
