"""The workspace-relative facts of a case: stale documents (threshold, newer version) and cost and
latency against the workflow's median, read the same for the window (``review.load_detail``)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import audit, cases, imports, review, standing
from reviewdesk.services.case_rebuild import DOCUMENTS_AFTER_KEY, DOCUMENTS_KEY
from reviewdesk.services.workspace import Workspace, open_workspace
from tests.otlp_builder import span, write_jsonl

# Every trace starts at 2023-11-14 22:13:20 UTC (tests.otlp_builder's base time).


def trace(
    number: int,
    *,
    workflow: str = "refunds",
    latency_ms: int = 1000,
    cost: float = 0.01,
    source: str = "kb://returns-policy",
    updated_at: str | None = "2023-06-01T00:00:00Z",
    answer: str = "You can return it within 30 days.",
) -> list[dict[str, Any]]:
    trace_id = f"{number:032x}"
    root, retriever, llm = f"{number:08x}00000001", f"{number:08x}00000002", f"{number:08x}00000003"
    metadata: dict[str, Any] = {"source": source}
    if updated_at is not None:
        metadata["updated_at"] = updated_at
    return [
        span(
            workflow,
            trace_id=trace_id,
            span_id=root,
            end_ms=latency_ms,
            attributes={"openinference.span.kind": "CHAIN"},
        ),
        span(
            "retrieve",
            trace_id=trace_id,
            span_id=retriever,
            parent=root,
            end_ms=5,
            attributes={
                "openinference.span.kind": "RETRIEVER",
                "retrieval.documents.0.document.id": f"doc-{number}",
                "retrieval.documents.0.document.content": "Returns are accepted within thirty days of delivery.",
                "retrieval.documents.0.document.metadata": json.dumps(metadata),
            },
        ),
        span(
            "chat",
            trace_id=trace_id,
            span_id=llm,
            parent=root,
            start_ms=10,
            end_ms=latency_ms - 10,
            attributes={
                "openinference.span.kind": "LLM",
                "llm.model_name": "gpt-4o-mini",
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": "Can I return my jacket?",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.content": answer,
                "llm.cost.total": cost,
            },
        ),
    ]


def workspace_with(tmp_path: Path, traces: list[list[dict[str, Any]]]) -> Workspace:
    ws = open_workspace(tmp_path / "ws.reviewdesk")
    imports.import_files(ws, [write_jsonl(tmp_path / "traces.jsonl", traces)])
    return ws


def detail_of(ws: Workspace, trace_number: int) -> review.CaseDetail:
    return review.load_detail(ws, cases.resolve_case(ws, f"{trace_number:032x}"))


def test_a_document_older_than_the_threshold_is_stale_and_the_threshold_is_a_workspace_setting(
    tmp_path: Path,
) -> None:
    # 2023-06-01 is 166 days before the case; 2020-01-01 is 1,413 days before it.
    ws = workspace_with(
        tmp_path, [trace(1, source="kb://a"), trace(2, source="kb://b", updated_at="2020-01-01T00:00:00Z")]
    )
    try:
        assert standing.stale_after_days(ws) == 365
        assert detail_of(ws, 1).standing.stale == (None,)
        assert detail_of(ws, 2).standing.stale == ("older than the workspace's limit of 365 days",)
        assert detail_of(ws, 2).case.retrieval.documents[0].age_days == pytest.approx(1413.9, abs=0.1)

        standing.set_stale_after_days(ws, 100, actor="ana")
        assert standing.stale_after_days(ws) == 100
        assert detail_of(ws, 1).standing.stale == ("older than the workspace's limit of 100 days",)
        entry = audit.entries(ws, labels=False)[-1]
        assert (entry.action, entry.subject, entry.actor) == ("settings", standing.STALE_AFTER_KEY, "ana")
        with pytest.raises(UsageError, match="give 1 to 36,500 days"):
            standing.set_stale_after_days(ws, 0)
    finally:
        ws.close()


def test_a_document_is_stale_when_another_case_retrieved_a_newer_version_of_it(tmp_path: Path) -> None:
    old, new = "2023-06-01T00:00:00Z", "2023-09-01T00:00:00Z"
    ws = workspace_with(
        tmp_path,
        [
            trace(1, source="kb://returns-policy", updated_at=old),
            trace(2, source="kb://returns-policy", updated_at=new),
            trace(3, source="kb://other", updated_at=old),
            trace(4, source="kb://returns-policy", updated_at=None),
        ],
    )
    try:
        assert detail_of(ws, 1).standing.stale == ("a newer version, updated 2023-09-01, is in the workspace",)
        assert detail_of(ws, 2).standing.stale == (None,)  # the newest version
        assert detail_of(ws, 3).standing.stale == (None,)  # another document of the same date
        assert detail_of(ws, 4).standing.stale == (None,)  # undated: nothing to compare
    finally:
        ws.close()


def test_cost_and_latency_against_the_workflow_median(tmp_path: Path) -> None:
    # refunds: costs 0.01 … 0.05 and one of 0.70 (median 0.035); latencies 1 … 5 s and one of 16 s.
    refunds = [trace(n, latency_ms=n * 1000, cost=n / 100) for n in range(1, 6)]
    refunds.append(trace(6, latency_ms=16_000, cost=0.70))
    others = [trace(10 + n, workflow="orders", cost=1.0) for n in range(5)]
    ws = workspace_with(tmp_path, [*refunds, *others])
    try:
        costly = detail_of(ws, 6).standing
        assert costly.median_cost_usd == pytest.approx(0.035)
        assert costly.cost_vs_median == pytest.approx(20.0)
        assert costly.median_latency_ms == pytest.approx(3500.0)
        assert costly.latency_vs_median == pytest.approx(16_000 / 3500)
        assert costly.workflow_cases == 6
        signals = {s.name: s for s in standing.signals(detail_of(ws, 6).case, costly)}
        assert (signals["cost"].text, signals["cost"].level) == ("20× the median cost", "alarm")
        assert (signals["latency"].text, signals["latency"].level) == ("4.6× the median latency", "warn")
        # Each workflow against its own cases: orders all cost the same.
        assert detail_of(ws, 10).standing.cost_vs_median == pytest.approx(1.0)
    finally:
        ws.close()


def test_too_few_cases_give_no_median_and_new_cases_move_it(tmp_path: Path) -> None:
    ws = workspace_with(tmp_path, [trace(n, cost=0.01) for n in range(1, 5)])
    try:
        assert detail_of(ws, 1).standing.cost_vs_median is None  # 4 cases: no median worth comparing with
        # The medians are cached until the cases change: an import of more cases moves them.
        more = [trace(n, cost=0.03) for n in range(5, 10)]
        imports.import_files(ws, [write_jsonl(tmp_path / "more.jsonl", more)])
        assert detail_of(ws, 1).standing.median_cost_usd == pytest.approx(0.03)
        assert detail_of(ws, 1).standing.cost_vs_median == pytest.approx(1 / 3)
    finally:
        ws.close()


def _document_rows(path: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT case_rowid, position, doc_key, updated_at FROM case_documents ORDER BY 1"
        ).fetchall()
    finally:
        conn.close()


def test_workspaces_from_before_the_document_index_get_it_on_open_and_resume_after_an_interruption(
    tmp_path: Path,
) -> None:
    ws = workspace_with(tmp_path, [trace(n, source=f"kb://{n % 3}") for n in range(1, 8)])
    path = ws.path
    assert path is not None
    ws.close()
    listed = _document_rows(path)
    assert len(listed) == 7 and {row[2] for row in listed} == {"kb://0", "kb://1", "kb://2"}

    # As a 0005 workspace upgraded to 0006 is: no rows, no "done" mark; then as a run killed after
    # its first page (rows of the first cases and the row id it reached).
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM case_documents")
        conn.execute("DELETE FROM workspace_settings WHERE key = ?", (DOCUMENTS_KEY,))
        conn.execute(
            "INSERT INTO workspace_settings (key, value, updated_at) VALUES (?, '3', '2026-12-03 09:00:00.000000')",
            (DOCUMENTS_AFTER_KEY,),
        )
    conn.close()

    open_workspace(path).close()
    # Carried on after case 3: the first three were listed by the interrupted run (here: not at all).
    assert [row[0] for row in _document_rows(path)] == [4, 5, 6, 7]

    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM workspace_settings WHERE key = ?", (DOCUMENTS_KEY,))
    conn.close()
    open_workspace(path).close()
    assert _document_rows(path) == listed


def test_a_long_document_key_is_stored_as_its_digest(tmp_path: Path) -> None:
    long_source = "kb://" + "x" * 400
    ws = workspace_with(
        tmp_path,
        [trace(1, source=long_source), trace(2, source=long_source, updated_at="2023-09-01T00:00:00Z")],
    )
    try:
        assert detail_of(ws, 1).standing.stale == ("a newer version, updated 2023-09-01, is in the workspace",)
    finally:
        ws.close()
    assert all(row[2].startswith("sha256:") and len(row[2]) == 71 for row in _document_rows(tmp_path / "ws.reviewdesk"))


def test_the_queue_reads_a_whole_page_of_standings_at_once(tmp_path: Path) -> None:
    ws = workspace_with(tmp_path, [trace(n, cost=n / 100) for n in range(1, 7)])
    try:
        rowids = review.queue_page(ws, CaseFilter())
        loaded = [review.load_detail(ws, rowid) for rowid in rowids]
        together = standing.standings(ws, [d.case for d in loaded])
        assert together == [d.standing for d in loaded]
    finally:
        ws.close()
