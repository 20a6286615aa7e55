"""The exports carry the facts a reviewer judged a case by, as the window shows them: each document's
update time, age, cited flag and stale reason; finish flag, tool and recovered errors, stale count and
cost and latency against the workflow median (docs/exports.md, "Provenance")."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import exports, review, standing
from reviewdesk.services.workspace import open_workspace
from tests.unit.insights.demo_labels import labeled_demo_workspace

STALE_TRACE = "90759bea"  # demo #23: the archived 2024 returns policy, cited


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return labeled_demo_workspace(tmp_path_factory.mktemp("facts") / "demo.reviewdesk")


def _window_facts(path: Path) -> dict[str, tuple[Any, ...]]:
    """What the window shows of every case: its load_detail, through the same service."""
    ws = open_workspace(path)
    try:
        shown = {}
        for rowid in review.queue_page(ws, CaseFilter()):
            detail = review.load_detail(ws, rowid)
            shown[detail.case.case_id] = (detail.case, detail.standing)
        return shown
    finally:
        ws.close()


def test_inspect_metadata_carries_the_case_facts_as_the_window_shows_them(demo: Path, tmp_path: Path) -> None:
    ws = open_workspace(demo)
    try:
        exports.export_cases(ws, "inspect", tmp_path / "set.jsonl")
    finally:
        ws.close()
    lines = [json.loads(line) for line in (tmp_path / "set.jsonl").read_text().splitlines()]
    assert lines
    shown = _window_facts(demo)
    for line in lines:
        meta = line["metadata"]
        case, stand = shown[meta["case_id"]]
        assert meta["finish_flagged"] == case.generation.finish_flagged
        assert (meta["tool_errors"], meta["recovered_errors"]) == (case.tool_errors, case.recovered_errors)
        assert meta["stale_documents"] == stand.stale_documents
        assert meta["cost_vs_median"] == (None if stand.cost_vs_median is None else round(stand.cost_vs_median, 2))
        for index, doc in enumerate(meta["documents"]):
            assert doc["stale"] == stand.stale_reason(index)
            assert doc["cited"] == case.retrieval.documents[index].cited
    stale_case = next(line for line in lines if line["metadata"]["source_trace_id"].startswith(STALE_TRACE))
    archived = stale_case["metadata"]["documents"][0]
    assert archived["id"] == "policy-returns-2024-01"
    assert archived["updated_at"] == "2024-01-11T00:00:00Z"
    assert archived["cited"] is True and 1000 < archived["age_days"] < 1050
    assert archived["stale"] == "older than the workspace's limit of 365 days"
    assert any(line["metadata"]["recovered_errors"] for line in lines)
    assert any(line["metadata"]["finish_flagged"] for line in lines)


def test_csv_has_a_column_for_each_fact_and_follows_the_threshold(demo: Path, tmp_path: Path) -> None:
    ws = open_workspace(demo)
    try:
        exports.export_cases(ws, "csv", tmp_path / "cases.csv")
        standing.set_stale_after_days(ws, 5000)
        exports.export_cases(ws, "csv", tmp_path / "later.csv")
        standing.set_stale_after_days(ws, 365)
    finally:
        ws.close()
    rows = list(csv.DictReader((tmp_path / "cases.csv").open(encoding="utf-8")))
    for column in ("recovered_errors", "finish_reason", "finish_flagged", "stale_documents", "cost_vs_median"):
        assert column in rows[0], column
    stale = next(r for r in rows if r["source_trace_id"].startswith(STALE_TRACE))
    assert stale["stale_documents"] == "1"
    assert json.loads(stale["documents"])[0]["stale"] == "older than the workspace's limit of 365 days"
    later = next(r for r in csv.DictReader((tmp_path / "later.csv").open()) if r["case_id"] == stale["case_id"])
    assert later["stale_documents"] == "0" and json.loads(later["documents"])[0]["stale"] is None
