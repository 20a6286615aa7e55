"""``cited_documents`` compares only the word runs the answer has: the same result as comparing every run.

The reference below is the rule as first written (every 6-word run of every document and of the
request as a set, every document id searched with a compiled pattern); hypothesis draws answers,
requests and documents from a small vocabulary, so that runs are shared often, ids appear inside
other words and at word edges, and case differs.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.normalize.facts import MIN_ID_LENGTH, PASSAGE_WORDS, cited_documents

_WORD = re.compile(r"\w+", re.UNICODE)


def _reference_shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.casefold() for w in _WORD.findall(text)]
    return {tuple(words[i : i + PASSAGE_WORDS]) for i in range(len(words) - PASSAGE_WORDS + 1)}


def _reference_mentions(output: str, doc_id: str) -> bool:
    if len(doc_id) < MIN_ID_LENGTH:
        return False
    return re.search(r"(?<![\w-])" + re.escape(doc_id.casefold()) + r"(?![\w-])", output.casefold()) is not None


def _reference(output: str | None, request: str | None, documents: list[tuple[str, str | None]]) -> list[bool]:
    if not output:
        return [False] * len(documents)
    answer = _reference_shingles(output)
    asked = _reference_shingles(request or "")
    docs = [_reference_shingles(content or "") for _, content in documents]
    result = []
    for index, (doc_id, _) in enumerate(documents):
        if doc_id and _reference_mentions(output, doc_id):
            result.append(True)
            continue
        shared = (answer & docs[index]) - asked
        for other, shingles in enumerate(docs):
            if other != index:
                shared -= shingles
        result.append(bool(shared))
    return result


_words = st.sampled_from(["the", "Refund", "refund", "goes", "back", "to", "card", "doc-1234", "ß", "SS", "x"])
_text = st.lists(_words, max_size=40).map(" ".join) | st.text(max_size=60)
_ids = st.sampled_from(["", "a", "doc-1234", "DOC-1234", "refund", "card back", "ss", "1234"])


@settings(max_examples=400, deadline=None)
@given(
    output=st.none() | _text,
    request=st.none() | _text,
    documents=st.lists(st.tuples(_ids, st.none() | _text), max_size=5),
)
def test_shortcut_equals_comparing_every_run(
    output: str | None, request: str | None, documents: list[tuple[str, str | None]]
) -> None:
    assert cited_documents(output, request, documents) == _reference(output, request, documents)


def test_a_quoted_passage_is_found_among_runs_of_unrelated_words() -> None:
    passage = "refunds are paid back to the original card within five days"
    document = "Unrelated words first. " + passage + ". More unrelated words at the end."
    answer = f"Good news: {passage.upper()}!"
    assert cited_documents(answer, "when do I get my money", [("kb-1", document), ("kb-2", "nothing shared")]) == [
        True,
        False,
    ]
