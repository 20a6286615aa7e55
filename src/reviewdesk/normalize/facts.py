"""The facts a reviewer judges a case by, computed once here and carried on the case (format 5).

The window, the insights, the report and the exports read these fields; none of them re-derives
them from raw JSON. The rules are stated for readers in ``docs/CONTEXT.md`` (cited, stale,
recovered) and ``docs/case-rules.md``. Two facts depend on the workspace rather than on the trace
alone and so are not stored: whether a document is *stale* (``stale_reason``: the workspace's
threshold, and newer versions of the same document in other cases) and how a case's cost and
latency compare with its workflow's median (``times_median``). Both are worked out when read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from reviewdesk.domain.case import Case, Document
from reviewdesk.domain.case import document_key as case_document_key

UPDATED_KEYS = (
    "updated_at",
    "updated",
    "last_updated",
    "updatedAt",
    "lastModified",
    "last_modified",
    "modified_at",
    "modified",
    "date",
    "published",
    "created_at",
)
"""Document metadata keys read as the time it was last updated, first found wins: the update times
first, then a modification time, then a publication or creation date (never updated since)."""

PASSAGE_WORDS = 6
"""A run of this many consecutive words shared by answer and document counts as a citation."""
MIN_ID_LENGTH = 4
"""Shorter document ids (``1``, ``a``) would match any answer by accident."""

NORMAL_FINISH = frozenset(
    {"stop", "end_turn", "stop_sequence", "tool_calls", "tool_use", "function_call", "completed", "eos", "end"}
)
"""Finish reasons that mean the model ended as it meant to; any other (``content_filter``,
``length``, ``max_tokens``, ``safety``, ``recitation``, ``error``, ``incomplete`` …) is flagged."""


def parse_time(value: Any) -> datetime | None:
    """A time from ISO 8601 text (naive means UTC) or epoch seconds or milliseconds."""
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
    """When the document was last updated, from its metadata (``UPDATED_KEYS``, first that parses)."""
    for key in UPDATED_KEYS:
        found = parse_time(metadata.get(key))
        if found is not None:
            return found
    return None


_WORD = re.compile(r"\w+", re.UNICODE)
# In ASCII text the word characters (``\w``) are letters, digits and ``_``: every other character
# becomes a space, and splitting on spaces gives the same words as ``_WORD`` three times faster.
# As a bytes table: ``bytes.translate`` maps through a 256-byte array, ``str.translate`` looks
# each character up in a dict (ASCII text encodes and decodes by copying).
_ASCII_NON_WORD = bytes(c if chr(c).isalnum() or chr(c) == "_" else ord(" ") for c in range(256))


def _words(text: str) -> list[str]:
    if text.isascii():
        # Lower-casing ASCII is case-folding, and changes no character's word class: one call for
        # the text instead of one per word. Elsewhere folding may (``İ`` folds to ``i`` and a
        # combining dot, which is not a word character), so each word is folded as found.
        return text.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii").lower().split()
    return [w.casefold() for w in _WORD.findall(text)]


def _shingles_starting(words: list[str], starts: set[str], size: int = PASSAGE_WORDS) -> set[tuple[str, ...]]:
    """The runs of ``size`` consecutive ``words`` whose first word is in ``starts``."""
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1) if words[i] in starts}


def _shingles_within(words: list[str], vocabulary: set[str], size: int = PASSAGE_WORDS) -> set[tuple[str, ...]]:
    """The runs of ``words`` made only of words in ``vocabulary``: the only ones the answer can share.

    A document's runs are compared with the answer's alone, so a run holding a word the answer
    never uses cannot count; skipping them builds a few tuples per document instead of hundreds.
    """
    # Which words are in the vocabulary, one byte each, computed in C; the stretches of at least
    # ``size`` of them are found by one regex scan, so no word outside them is looked at in Python.
    inside = bytes(map(vocabulary.__contains__, words))
    if b"\x01" * size not in inside:  # most documents: no stretch at all
        return set()
    found: set[tuple[str, ...]] = set()
    for stretch in re.finditer(b"\\x01{%d,}" % size, inside):  # re caches the compiled pattern
        for i in range(stretch.start(), stretch.end() - size + 1):
            found.add(tuple(words[i : i + size]))
    return found


def _mentions_id(folded_output: str, doc_id: str) -> bool:
    if len(doc_id) < MIN_ID_LENGTH:
        return False
    folded_id = doc_id.casefold()
    if folded_id not in folded_output:  # the pattern below is this text with boundaries: cheap test first
        return False
    pattern = r"(?<![\w-])" + re.escape(folded_id) + r"(?![\w-])"
    return re.search(pattern, folded_output) is not None


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
    answer_words = _words(output)
    vocabulary = set(answer_words)
    # Only runs the answer has matter (a shared run is in the answer), so each document and the
    # request are reduced to those: the same sets of shared runs as comparing every run.
    doc_shingles = [_shingles_within(_words(content or ""), vocabulary) for _, content in documents]
    # The answer's and the request's runs only matter for a document that has some: most have none.
    answer: set[tuple[str, ...]] | None = None
    asked: set[tuple[str, ...]] = set()
    folded = output.casefold()
    result: list[bool] = []
    for index, (doc_id, _content) in enumerate(documents):
        if doc_id and _mentions_id(folded, doc_id):
            result.append(True)
            continue
        if not doc_shingles[index]:
            result.append(False)
            continue
        if answer is None:
            # Only the answer's runs that some document has can be shared: those that start with
            # a word some document's run starts with (a few, of the answer's hundreds).
            starts = {shingle[0] for shingles in doc_shingles for shingle in shingles}
            answer = _shingles_starting(answer_words, starts)
            asked = _shingles_within(_words(request or ""), vocabulary)
        shared = (answer & doc_shingles[index]) - asked
        for other, shingles in enumerate(doc_shingles):
            if other != index and shared:
                shared -= shingles
        result.append(bool(shared))
    return result


def document_key(doc: Document) -> str:
    """What makes two retrievals the same document (in versions): its source, else its id, else its rank."""
    return case_document_key(doc.source, doc.id, doc.rank)


def finish_flagged(reason: str | None) -> bool:
    return reason is not None and reason.strip().casefold() not in NORMAL_FINISH


def add_case_facts(case: Case) -> Case:
    """Fill in the facts that follow from the case itself (documents, finish flag, error counts).

    ``build_case`` calls it after the span rules; a case restored from an export of an older format
    gets the same facts from its own fields (the span-only facts, the span ids and ``recovered``,
    stay as the file had them).
    """
    docs = case.retrieval.documents
    flags = cited_documents(
        case.generation.output, case.input.user_request, [(d.id or f"rank-{d.rank}", d.content) for d in docs]
    )
    started_at = case.started_at
    for doc, flag in zip(docs, flags, strict=True):
        updated_at = document_updated_at(doc.metadata)
        doc.cited = flag
        doc.updated_at = updated_at
        doc.age_days = (
            (started_at - updated_at).total_seconds() / 86400
            if updated_at is not None and started_at is not None
            else None
        )
    case.generation.finish_flagged = finish_flagged(case.generation.finish_reason)
    case.tool_errors = sum(1 for call in case.tool_calls if call.error)
    case.recovered_errors = sum(1 for call in case.tool_calls if call.error and call.recovered)
    return case


def stale_reason(doc: Document, *, stale_after_days: int, newest: datetime | None = None) -> str | None:
    """Why the document was stale when the case retrieved it, or ``None`` when it was not.

    Stale: it had not been updated for more than ``stale_after_days`` days at the case's start, or
    ``newest`` (the latest ``updated_at`` of the same document, ``document_key``, retrieved by any
    case of the workspace) is later than this copy's.
    """
    if doc.age_days is not None and doc.age_days > stale_after_days:
        return f"older than the workspace's limit of {stale_after_days:,} days"
    if newest is not None and doc.updated_at is not None and newest > doc.updated_at:
        return f"a newer version, updated {newest.date().isoformat()}, is in the workspace"
    return None


def times_median(value: float | None, median: float | None) -> float | None:
    """``value / median`` (e.g. 14.0 for "14× the median"), when both are known and the median is positive."""
    if value is None or median is None or median <= 0:
        return None
    return value / median
