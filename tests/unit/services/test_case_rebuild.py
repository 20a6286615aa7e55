"""Stored cases of an older format get the format-5 facts on open, keep everything else, and survive kill -9."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from reviewdesk.domain.case import CASE_FORMAT_VERSION
from reviewdesk.services import cases
from reviewdesk.services.case_rebuild import FORMAT_KEY
from reviewdesk.services.workspace import open_workspace
from tests.unit.insights.demo_labels import labeled_demo_workspace

ADDED_IN_5_CASE = ("root_span_id", "tool_errors", "recovered_errors")
ADDED_IN_5_GENERATION = ("span_id", "finish_flagged")
ADDED_IN_5_DOCUMENT = ("updated_at", "age_days", "cited")


def _as_format_4(data: dict[str, Any]) -> dict[str, Any]:
    data = json.loads(json.dumps(data))
    data["format_version"] = 4
    for key in ADDED_IN_5_CASE:
        data.pop(key, None)
    for key in ADDED_IN_5_GENERATION:
        data["generation"].pop(key, None)
    for call in data["tool_calls"]:
        call.pop("recovered", None)
    for doc in data["retrieval"]["documents"]:
        for key in ADDED_IN_5_DOCUMENT:
            doc.pop(key, None)
    return data


def _snapshot(path: Path) -> tuple[dict[str, Any], list[Any], list[Any]]:
    conn = sqlite3.connect(path)
    try:
        data = {case_id: json.loads(d) for case_id, d in conn.execute("SELECT case_id, data FROM cases")}
        labels = conn.execute("SELECT case_rowid, data FROM labels ORDER BY case_rowid").fetchall()
        events = conn.execute("SELECT event_rowid, case_rowid, change FROM label_events ORDER BY 1").fetchall()
    finally:
        conn.close()
    return data, labels, events


def _downgrade_to_format_4(path: Path) -> None:
    """The workspace as reviewdesk with case format 4 left it: no facts, no ``cases.format`` setting."""
    conn = sqlite3.connect(path)
    with conn:
        for rowid, data in conn.execute("SELECT case_rowid, data FROM cases").fetchall():
            conn.execute(
                "UPDATE cases SET data = ? WHERE case_rowid = ?", (json.dumps(_as_format_4(json.loads(data))), rowid)
            )
        conn.execute("DELETE FROM workspace_settings WHERE key = ?", (FORMAT_KEY,))
    conn.close()


def test_opening_a_format_4_workspace_adds_the_facts_and_changes_nothing_else(tmp_path: Path) -> None:
    path = labeled_demo_workspace(tmp_path / "demo.reviewdesk")
    built, labels, events = _snapshot(path)  # as an import of today builds them
    _downgrade_to_format_4(path)

    open_workspace(path).close()

    upgraded, labels_after, events_after = _snapshot(path)
    assert (labels_after, events_after) == (labels, events)
    for case_id, data in upgraded.items():
        # The upgrade gives each case exactly what today's import gives it (the demo's text is
        # the same under today's rules), nothing more and nothing less.
        assert data == built[case_id], case_id
    assert any(d["recovered_errors"] for d in upgraded.values())
    assert any(doc["cited"] for d in upgraded.values() for doc in d["retrieval"]["documents"])
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM workspace_settings WHERE key = ?", (FORMAT_KEY,)).fetchone() == (
        str(CASE_FORMAT_VERSION),
    )
    conn.close()


def test_a_case_not_yet_upgraded_is_read_with_its_facts(tmp_path: Path) -> None:
    path = labeled_demo_workspace(tmp_path / "demo.reviewdesk")
    built, _, _ = _snapshot(path)
    _downgrade_to_format_4(path)
    ws = open_workspace(path, read_only=True)  # read-only: nothing is rewritten
    try:
        for case_id, data in built.items():
            case = cases.get_case(ws, case_id)
            assert [d.cited for d in case.retrieval.documents] == [d["cited"] for d in data["retrieval"]["documents"]]
            assert case.tool_errors == data["tool_errors"]
            assert case.generation.finish_flagged == data["generation"]["finish_flagged"]
    finally:
        ws.close()


_SLOW_OPEN = """
import sys, time
from pathlib import Path
from reviewdesk.services import case_rebuild
from reviewdesk.storage import writes
from reviewdesk.services.workspace import open_workspace

case_rebuild._PAGE = 2
original = writes.upsert_cases

def slow(conn, rows):
    original(conn, rows)
    print("page", flush=True)
    time.sleep(0.3)  # inside the page's transaction: the kill lands between write and commit

writes.upsert_cases = slow
open_workspace(Path(sys.argv[1]))
"""


def test_a_rebuild_killed_midway_leaves_whole_pages_and_finishes_on_the_next_open(tmp_path: Path) -> None:
    path = labeled_demo_workspace(tmp_path / "demo.reviewdesk")
    built, labels, events = _snapshot(path)
    _downgrade_to_format_4(path)

    child = subprocess.Popen(
        [sys.executable, "-c", _SLOW_OPEN, str(path)], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[3]
    )
    assert child.stdout is not None
    for _ in range(3):
        assert child.stdout.readline().strip() == "page"
    child.send_signal(signal.SIGKILL)
    child.wait()

    midway, labels_midway, events_midway = _snapshot(path)
    versions = [d["format_version"] for d in midway.values()]
    assert 0 < versions.count(CASE_FORMAT_VERSION) < len(versions)  # some pages committed, not all
    assert versions.count(CASE_FORMAT_VERSION) % 2 == 0  # whole pages only
    assert (labels_midway, events_midway) == (labels, events)

    open_workspace(path).close()
    finished, labels_after, events_after = _snapshot(path)
    assert finished == built
    assert (labels_after, events_after) == (labels, events)
