"""The facts a reviewer judges by (case format 5), computed once by ``normalize`` on hand-written spans."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from reviewdesk.domain.case import Case, Document, Source
from reviewdesk.normalize import build_case, with_span_facts
from reviewdesk.normalize.facts import (
    add_case_facts,
    document_updated_at,
    finish_flagged,
    stale_reason,
    times_median,
)
from tests.unit.normalize.test_conventions import raw

DAY = 86_400_000  # ms


def _llm(
    span_id: str,
    *,
    parent: str,
    start: int,
    text: str | None,
    failed: bool = False,
    extra: dict[str, Any] | None = None,
) -> Any:
    attrs: dict[str, Any] = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.content": "Where is order NW-1?",
        **(extra or {}),
    }
    if text is not None:
        attrs["llm.output_messages.0.message.role"] = "assistant"
        attrs["llm.output_messages.0.message.content"] = text
    return raw(span_id, attrs, parent=parent, start=start, end=start + 5, failed=failed, name="llm")


def _tool(span_id: str, *, parent: str, start: int, failed: bool) -> Any:
    attrs = {"openinference.span.kind": "TOOL", "tool.name": "lookup_order"}
    return raw(span_id, attrs, parent=parent, start=start, end=start + 5, failed=failed, name="lookup_order")


def _root(**attrs: Any) -> Any:
    return raw("root", {"openinference.span.kind": "CHAIN", **attrs}, start=0, end=100, name="agent")


def test_root_and_answer_span_ids_are_on_the_case() -> None:
    case = build_case(
        [
            _root(),
            _llm("a1", parent="root", start=1, text="Looking."),
            _llm("a2", parent="root", start=20, text="Here."),
        ],
        source_format="t",
        source_file="t",
    )
    assert (case.root_span_id, case.generation.span_id) == ("root", "a2")
    # A last call that failed without text: the answer is the last call that answered.
    case = build_case(
        [_root(), _llm("a1", parent="root", start=1, text="Here."), _llm("a2", parent="root", start=20, text=None)],
        source_format="t",
        source_file="t",
    )
    assert case.generation.span_id == "a1"


def test_a_failed_tool_call_followed_by_an_answer_is_recovered_and_counted() -> None:
    spans = [
        _root(),
        _llm("l1", parent="root", start=1, text=None),
        _tool("t1", parent="root", start=10, failed=True),
        _tool("t2", parent="root", start=20, failed=False),
        _llm("l2", parent="root", start=30, text="It ships Monday."),
    ]
    case = build_case(spans, source_format="t", source_file="t")
    assert [(c.span_id, bool(c.error), c.recovered) for c in case.tool_calls] == [
        ("t1", True, True),
        ("t2", False, False),
    ]
    assert (case.tool_errors, case.recovered_errors) == (1, 1)


def test_a_failed_tool_call_after_the_last_answer_is_not_recovered() -> None:
    spans = [
        _root(),
        _llm("l1", parent="root", start=1, text="Let me check."),
        _tool("t1", parent="root", start=10, failed=True),
        _llm("l2", parent="root", start=30, text=None, failed=True),
    ]
    case = build_case(spans, source_format="t", source_file="t")
    assert (case.tool_errors, case.recovered_errors, case.tool_calls[0].recovered) == (1, 0, False)


def test_finish_reasons_other_than_a_normal_end_are_flagged() -> None:
    flagged = [
        r for r in ("stop", "STOP", "end_turn", "tool_calls", "content_filter", "length", "safety") if finish_flagged(r)
    ]
    assert flagged == ["content_filter", "length", "safety"]
    assert finish_flagged(None) is False
    case = build_case(
        [_root(), _llm("l1", parent="root", start=1, text="…", extra={"llm.finish_reason": "content_filter"})],
        source_format="t",
        source_file="t",
    )
    assert (case.generation.finish_reason, case.generation.finish_flagged) == ("content_filter", True)


def _retrieval(docs: list[dict[str, Any]]) -> Any:
    attrs: dict[str, Any] = {"openinference.span.kind": "RETRIEVER"}
    for index, doc in enumerate(docs):
        for key, value in doc.items():
            attrs[f"retrieval.documents.{index}.document.{key}"] = value if key != "metadata" else json.dumps(value)
    return raw("ret", attrs, parent="root", start=1, end=2, name="retrieve")


def test_documents_carry_their_update_time_age_and_citation() -> None:
    old_policy = "Returns are accepted within fourteen days of delivery for unworn items only."
    spans = [
        _root(),
        _retrieval(
            [
                {"id": "policy-2024", "content": old_policy, "metadata": {"updated_at": "2024-01-11"}},
                {
                    "id": "kb-7",
                    "content": "Shipping takes three days.",
                    "metadata": {"published": "2026-01-01T00:00:00Z"},
                },
                {"id": "kb-8", "content": "Gift cards never expire."},
            ]
        ),
        _llm("l1", parent="root", start=5, text="Returns are accepted within fourteen days of delivery, see kb-7."),
    ]
    case = build_case(spans, source_format="t", source_file="t")
    started = case.started_at
    assert started is not None
    docs = case.retrieval.documents
    assert [d.cited for d in docs] == [True, True, False]  # a distinctive passage; the id
    assert docs[0].updated_at == datetime(2024, 1, 11, tzinfo=UTC)
    assert docs[0].age_days == (started - datetime(2024, 1, 11, tzinfo=UTC)).total_seconds() / 86400
    assert docs[1].updated_at == datetime(2026, 1, 1, tzinfo=UTC)  # a publication date when never updated
    assert (docs[2].updated_at, docs[2].age_days) == (None, None)


def test_one_list_of_date_keys_update_times_first() -> None:
    assert document_updated_at({"created_at": "2020-01-01", "updated_at": "2021-01-01"}) == datetime(
        2021, 1, 1, tzinfo=UTC
    )
    assert document_updated_at({"lastModified": 1_700_000_000_000}) == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert document_updated_at({"date": "not a date"}) is None


def test_stale_by_threshold_or_by_a_newer_version() -> None:
    doc = Document(rank=1, id="d", age_days=400.0, updated_at=datetime(2025, 1, 1, tzinfo=UTC))
    assert stale_reason(doc, stale_after_days=365) == "older than the workspace's limit of 365 days"
    assert stale_reason(doc, stale_after_days=500) is None
    newer = datetime(2025, 6, 1, tzinfo=UTC)
    assert (
        stale_reason(doc, stale_after_days=500, newest=newer)
        == "a newer version, updated 2025-06-01, is in the workspace"
    )
    assert stale_reason(doc, stale_after_days=500, newest=doc.updated_at) is None  # its own version is the newest


def test_times_the_median() -> None:
    assert times_median(0.14, 0.01) == pytest.approx(14.0)
    assert times_median(None, 0.01) is None
    assert times_median(1.0, 0.0) is None


def test_an_older_stored_case_gets_the_same_facts_as_a_new_build() -> None:
    spans = [
        _root(),
        _retrieval(
            [{"id": "kb-order-status", "content": "Orders ship in two days.", "metadata": {"updated": "2026-01-01"}}]
        ),
        _llm("l1", parent="root", start=1, text=None),
        _tool("t1", parent="root", start=10, failed=True),
        _llm(
            "l2",
            parent="root",
            start=30,
            text="Per kb-order-status it ships soon.",
            extra={"llm.finish_reason": "length"},
        ),
    ]
    built = build_case(spans, source_format="t", source_file="t")
    # The same case as format 4 stored it: none of the new fields.
    data = built.model_dump(mode="json")
    data["format_version"] = 4
    for key in ("root_span_id", "tool_errors", "recovered_errors"):
        data.pop(key)
    for key in ("span_id", "finish_flagged"):
        data["generation"].pop(key)
    for call in data["tool_calls"]:
        call.pop("recovered")
    for doc in data["retrieval"]["documents"]:
        for key in ("updated_at", "age_days", "cited"):
            doc.pop(key)
    upgraded = with_span_facts(Case.model_validate(data), spans)
    assert upgraded == built
    # Without spans (restored from an export): the facts of its own fields, the span ids unknown.
    restored = add_case_facts(Case.model_validate(data))
    assert restored.retrieval.documents == built.retrieval.documents
    assert (restored.tool_errors, restored.generation.finish_flagged) == (1, True)
    assert (restored.root_span_id, restored.generation.span_id, restored.recovered_errors) == (None, None, 0)


def test_a_case_without_retrieval_has_no_document_facts() -> None:
    case = add_case_facts(Case(case_id="c", trace_id="t", source=Source(format="t", file="t")))
    assert (case.retrieval.documents, case.tool_errors, case.generation.finish_flagged) == ([], 0, False)
