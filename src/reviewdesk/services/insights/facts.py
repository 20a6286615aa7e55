"""The per-case facts the insights are computed from, read from the workspace in one pass.

Everything here reads; nothing writes. ``load_facts`` takes the queue's filter semantics from
storage and reduces each case (and its current label) to a small ``CaseFacts``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import queries
from reviewdesk.storage.orm import CaseRow, LabelRow, SpanRow

NONE_KEY = "(none)"
PASSAGE_WORDS = 6
"""A run of this many consecutive words shared by answer and document counts as a citation."""
MIN_ID_LENGTH = 4
"""Shorter document ids (``1``, ``a``) would match any answer by accident."""
_IN_CHUNK = 500
_SNIPPET = 280


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """One retrieved document of one case, reduced to what source health needs."""

    doc_id: str
    source: str | None
    rank: int
    updated_at: datetime | None
    cited: bool


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The few fields of a case (and its label) that the insights are computed from."""

    case_rowid: int
    case_id: str
    trace_id: str
    workflow: str | None
    release: str | None
    model: str | None
    tenant: str | None
    language: str | None
    started_at: datetime | None
    latency_ms: float | None
    cost_usd: float | None
    total_tokens: int | None
    status: str
    tool_errors: int
    source_file: str
    request: str
    output: str
    documents: tuple[DocumentRef, ...] = ()
    negative_feedback: bool = False
    refused: bool = False
    verdict: str | None = None
    root_causes: tuple[str, ...] = ()
    evidence: tuple[tuple[str, str, str], ...] = ()
    """``(root_cause, kind, ref)`` of each evidence item."""
    comment: str | None = None
    corrected_output: bool = False
    escalate: bool = False
    reviewer: str | None = None
    labeled_at: datetime | None = None
    estimated_cost_usd: float | None = None
    """The cost estimate of a case whose trace records no cost (kept apart from ``cost_usd``)."""

    @property
    def labeled(self) -> bool:
        return self.verdict is not None

    def slice_key(self, dimension: str) -> str:
        value = getattr(self, dimension)
        return str(value) if value else NONE_KEY


# --- reading the workspace ---------------------------------------------------------------------
_LOCALE_KEYS = (
    "reviewdesk.locale",
    "reviewdesk.language",
    "locale",
    "language",
    "user.locale",
    "user.language",
    "app.locale",
    "session.locale",
    "langfuse.trace.metadata.locale",
    "langfuse.trace.metadata.language",
    "langsmith.metadata.locale",
    "langsmith.metadata.language",
)
_METADATA_KEYS = ("metadata", "langfuse.trace.metadata", "langsmith.metadata")
_INNER_LOCALE_KEYS = ("locale", "language", "lang")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}$")


def language_of(attributes: Mapping[str, Any]) -> str | None:
    """The language of a trace from its root span's attributes (see the module docstring)."""
    for key in _LOCALE_KEYS:
        found = _language(attributes.get(key))
        if found:
            return found
    for key in _METADATA_KEYS:
        metadata = _json_object(attributes.get(key))
        for inner in _INNER_LOCALE_KEYS:
            found = _language(metadata.get(inner))
            if found:
                return found
    return None


def _json_object(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _language(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip().strip('"').strip()
    if not text:
        return None
    primary = re.split(r"[-_.@]", text, maxsplit=1)[0]
    # A BCP 47 / POSIX primary subtag; anything else ("English") is kept whole, lower-cased.
    return primary.lower() if _LANGUAGE.match(primary) else text.lower()[:32]


_UPDATED_KEYS = ("updated_at", "last_updated", "updated", "modified_at", "last_modified", "lastModified", "updatedAt")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value  # epoch milliseconds or seconds
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def document_updated_at(metadata: Mapping[str, Any]) -> datetime | None:
    """When the document was last updated, from its metadata (``updated_at`` and common synonyms)."""
    for key in _UPDATED_KEYS:
        found = _parse_time(metadata.get(key))
        if found is not None:
            return found
    return None


_WORD = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, size: int = PASSAGE_WORDS) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _mentions_id(output: str, doc_id: str) -> bool:
    if len(doc_id) < MIN_ID_LENGTH:
        return False
    pattern = r"(?<![\w-])" + re.escape(doc_id.casefold()) + r"(?![\w-])"
    return re.search(pattern, output.casefold()) is not None


def cited_documents(output: str | None, request: str | None, documents: Sequence[tuple[str, str | None]]) -> list[bool]:
    """Which of ``documents`` (``(id, content)`` pairs) the answer cites.

    A document is cited when the answer names its id (as a whole token, ids of 4+ characters),
    or repeats a distinctive passage of it: a run of ``PASSAGE_WORDS`` consecutive words (case and
    punctuation ignored) that occurs in this document but in no other document retrieved for the
    case and not in the user's request — so shared boilerplate and echoes of the question do not
    count. LLM answers paraphrase, so this finds quoting, not every use: "retrieved but never
    cited" is a hint to look, not proof the document was ignored.
    """
    if not output:
        return [False] * len(documents)
    answer = _shingles(output)
    asked = _shingles(request or "")
    doc_shingles = [_shingles(content or "") for _, content in documents]
    result: list[bool] = []
    for index, (doc_id, _content) in enumerate(documents):
        if doc_id and _mentions_id(output, doc_id):
            result.append(True)
            continue
        shared = (answer & doc_shingles[index]) - asked
        for other, shingles in enumerate(doc_shingles):
            if other != index and shared:
                shared -= shingles
        result.append(bool(shared))
    return result


_NEGATIVE_LABELS = ("thumbs_down", "thumbsdown", "negative", "dislike", "bad", "down", "unhelpful")


def _negative_feedback(feedback: Iterable[Mapping[str, Any]]) -> bool:
    for item in feedback:
        label = str(item.get("label") or "").casefold()
        if any(word in label for word in _NEGATIVE_LABELS):
            return True
        score = item.get("score")
        if isinstance(score, int | float) and score <= 0 and "up" not in label:
            return True
    return False


def _snippet(text: str | None, width: int = _SNIPPET) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def load_facts(workspace: Workspace, flt: CaseFilter | None = None) -> list[CaseFacts]:
    """The facts of every case matching ``flt``, in queue order (oldest first by default).

    One list query (the queue's filter semantics), then the case JSON, current label and root
    span of 500 cases at a time; document texts are reduced to a cited flag straight away, so
    memory holds only small facts.
    """
    flt = flt or CaseFilter()
    facts: list[CaseFacts] = []
    with workspace.session() as session:
        summaries = queries.list_cases(session, flt)
        for chunk in chunks(summaries):
            rowids = [s.case_rowid for s in chunk]
            rows = {
                row.case_rowid: row
                for row in session.execute(
                    select(
                        CaseRow.case_rowid,
                        CaseRow.trace_rowid,
                        CaseRow.tenant,
                        CaseRow.source_file,
                        CaseRow.data,
                        LabelRow.data.label("label"),
                    )
                    .outerjoin(LabelRow, LabelRow.case_rowid == CaseRow.case_rowid)
                    .where(CaseRow.case_rowid.in_(rowids))
                )
            }
            languages = _root_languages(session, [row.trace_rowid for row in rows.values()])
            for summary in chunk:
                row = rows.get(summary.case_rowid)
                if row is None:  # deleted between the two reads
                    continue
                facts.append(_facts(summary, row, languages.get(row.trace_rowid)))
    return facts


def _root_languages(session: Any, trace_rowids: Sequence[int]) -> dict[int, str]:
    """Language per trace, from its root spans (earliest first)."""
    found: dict[int, str] = {}
    rows = session.execute(
        select(SpanRow.trace_rowid, SpanRow.attributes)
        .where(SpanRow.trace_rowid.in_(list(trace_rowids)), SpanRow.parent_span_id.is_(None))
        .order_by(SpanRow.trace_rowid, SpanRow.start_ns)
    )
    for trace_rowid, attributes in rows:
        if trace_rowid not in found:
            language = language_of(attributes or {})
            if language:
                found[trace_rowid] = language
    return found


def _facts(summary: Any, row: Any, language: str | None) -> CaseFacts:
    data: dict[str, Any] = row.data or {}
    label: dict[str, Any] = row.label or {}
    output = str((data.get("generation") or {}).get("output") or "")
    request = str((data.get("input") or {}).get("user_request") or "")
    raw_docs = [d for d in (data.get("retrieval") or {}).get("documents") or [] if isinstance(d, dict)]
    cited = cited_documents(
        output, request, [(str(d.get("id") or f"rank-{d.get('rank')}"), d.get("content")) for d in raw_docs]
    )
    documents = tuple(
        DocumentRef(
            doc_id=str(d.get("id") or f"rank-{d.get('rank')}"),
            source=d.get("source"),
            rank=int(d.get("rank") or 0),
            updated_at=document_updated_at(d.get("metadata") or {}),
            cited=flag,
        )
        for d, flag in zip(raw_docs, cited, strict=True)
    )
    generation = data.get("generation") or {}
    return CaseFacts(
        case_rowid=summary.case_rowid,
        case_id=summary.case_id,
        trace_id=summary.trace_id,
        workflow=summary.workflow,
        release=summary.release,
        model=summary.model,
        tenant=row.tenant,
        language=language,
        started_at=summary.started_at,
        latency_ms=summary.latency_ms,
        cost_usd=summary.cost_usd,
        estimated_cost_usd=summary.estimated_cost_usd,
        total_tokens=summary.total_tokens,
        status=summary.status,
        tool_errors=summary.tool_errors,
        source_file=row.source_file,
        request=_snippet(request),
        output=_snippet(output),
        documents=documents,
        negative_feedback=_negative_feedback((data.get("outcome") or {}).get("feedback") or []),
        refused=bool(generation.get("refusal")) or generation.get("finish_reason") == "content_filter",
        verdict=summary.verdict,
        root_causes=tuple(summary.root_causes),
        evidence=tuple(
            (str(e.get("root_cause")), str(e.get("kind")), str(e.get("ref")))
            for e in label.get("evidence") or []
            if isinstance(e, dict)
        ),
        comment=label.get("comment") or None,
        corrected_output=bool(label.get("corrected_output")),
        escalate=summary.escalate,
        reviewer=label.get("reviewer"),
        labeled_at=_parse_time(label.get("labeled_at")),
    )


def case_ids(facts: Iterable[CaseFacts], keep: Callable[[CaseFacts], bool] | None = None) -> tuple[str, ...]:
    """The ids of ``facts`` (those ``keep`` accepts), in order."""
    return tuple(f.case_id for f in facts if keep is None or keep(f))


def group(facts: Iterable[CaseFacts], key: Callable[[CaseFacts], str]) -> dict[str, list[CaseFacts]]:
    groups: dict[str, list[CaseFacts]] = defaultdict(list)
    for f in facts:
        groups[key(f)].append(f)
    return groups


def by_size(groups: Mapping[str, Sequence[Any]]) -> list[str]:
    """Biggest group first; ``(none)`` last; ties by name."""
    return sorted(groups, key=lambda k: (k == NONE_KEY, -len(groups[k]), k))
