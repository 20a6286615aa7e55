"""One label write (``services.labels.record_label``): what it stores, how few statements it sends to
a server, and what a connection the server dropped costs it (issue 11 item 3).

A write reads the case's events and the taxonomy's version outside any transaction, folds, and
appends the event with the rebuilt labels if nothing changed in between — on PostgreSQL in one
call of ``reviewdesk_append_label_event`` (migration 0008). Whatever the path, the stored labels
must be what a full rebuild from the events writes, byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy import event, text

from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import Label, LabelChange
from reviewdesk.domain.team import LabelEvent
from reviewdesk.services import cases, imports, labels, taxonomy
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage import label_log, label_write, postgres
from tests.conftest import DATA

SAMPLES = [DATA / "instrumented" / "openinference_openai.json", DATA / "instrumented" / "genai_openai_v2.json"]
# Every derived label row as stored text (PostgreSQL's json keeps what was sent, SQLite's TEXT too).
DERIVED = [
    "SELECT case_rowid, reviewer, verdict, labeled_at, CAST(data AS TEXT) FROM reviewer_labels"
    " ORDER BY case_rowid, reviewer",
    "SELECT case_rowid, verdict, escalate, reviewer, labeled_at, CAST(data AS TEXT), last_event_rowid, resolution"
    " FROM labels ORDER BY case_rowid",
    "SELECT case_rowid, root_cause FROM case_root_causes ORDER BY case_rowid, root_cause",
]


def _derived(ws: Workspace) -> list[list[tuple[object, ...]]]:
    with ws.engine.connect() as conn:
        return [[tuple(row) for row in conn.execute(text(query))] for query in DERIVED]


@pytest.fixture
def two_cases(workspace: Workspace) -> Iterator[tuple[Workspace, list[str]]]:
    imports.import_files(workspace, SAMPLES)
    yield workspace, [c.case_id for c in cases.list_cases(workspace)][:2]


def test_a_label_write_stores_what_a_full_rebuild_stores(two_cases: tuple[Workspace, list[str]]) -> None:
    ws, (first, second) = two_cases
    changes = [
        (first, "ana", LabelChange(verdict="fail", root_causes=["tool_error", "hallucination"], comment="ö ✓")),
        (first, "bo", LabelChange(verdict="pass", scores={"correctness": 4})),
        (second, "ana", LabelChange(verdict="unsure", escalate=True)),
        (first, "ana", LabelChange(root_causes=["tool_error"], corrected_output="Fixed.")),
    ]
    for case_id, who, change in changes:
        labels.record_label(ws, case_id, change, reviewer=who, seconds_spent=2.5)
    # A rename between writes: the next write folds under the new version (the cached one is stale).
    taxonomy.rename_root_cause(ws, "tool_error", new_id="tool_failure", title="Tool failure")
    label, _ = labels.record_label(ws, first, LabelChange(verdict="fail"), reviewer="bo")
    assert label.root_causes == [] and label.verdict == "fail"
    ana = labels.case_labels(ws, first).by_reviewer["ana"]
    assert ana.root_causes == ["tool_failure"] and ana.corrected_output == "Fixed."
    # On a server a write folds its event onto the stored labels: an adjudication stands after it.
    labels.record_adjudication(ws, second, Label(verdict="pass"), adjudicator="lead")
    labels.record_label(ws, second, LabelChange(verdict="fail", comment="after the decision"), reviewer="ana")
    assert labels.case_labels(ws, second).resolution == "adjudicated"

    written = _derived(ws)
    with ws.engine.begin() as conn:
        rowids = [int(r) for r in conn.execute(text("SELECT case_rowid FROM cases")).scalars()]
        label_log.rebuild(conn, rowids)
    assert _derived(ws) == written
    assert len(written[0]) == 3 and len(written[1]) == 2  # three reviewer labels, two resolved labels


def test_a_label_write_is_two_statements_on_postgresql(pg_database: str) -> None:
    """The case's events with the taxonomy's version; the append with its locks (no pings, no
    BEGIN or COMMIT of their own, the taxonomy parsed once)."""
    ws = open_workspace(pg_database)
    try:
        imports.import_files(ws, SAMPLES[:1])
        case_id = cases.list_cases(ws)[0].case_id
        labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer="ana")
        sent: list[str] = []
        began: list[object] = []
        event.listen(ws.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        event.listen(ws.engine, "begin", lambda conn: began.append(conn.get_execution_options().get("isolation_level")))
        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["hallucination"]), reviewer="ana")
        assert len(sent) == 2, sent
        assert "reviewdesk_append_label_event" in sent[-1]
        assert began == ["AUTOCOMMIT", "AUTOCOMMIT"]  # no BEGIN ... COMMIT round trips
    finally:
        ws.close()


def test_an_append_after_another_writer_writes_nothing_and_says_so(two_cases: tuple[Workspace, list[str]]) -> None:
    """The check that keeps events in order: a fold of what another writer has since added to is stale."""
    ws, (first, _) = two_cases
    labels.record_label(ws, first, LabelChange(verdict="pass"), reviewer="ana")
    with ws.engine.connect() as conn:
        seen = label_write.read_case(conn, first)
    assert seen is not None
    labels.record_label(ws, first, LabelChange(verdict="fail"), reviewer="bo")  # comes in between
    schema = taxonomy.current(ws)
    late = LabelEvent(
        event_id=uuid7(after=seen.last_event_id),
        at=datetime.now(UTC),
        reviewer="ana",
        change=LabelChange(verdict="unsure"),
        schema_version=schema.version,
        label_of="ana",
    )
    with label_write.appending(ws.engine) as conn:
        assert label_write.append_if_unchanged(conn, seen, late, schema) is None
    assert [e.change for e in labels.label_history(ws, first)] == [{"verdict": "pass"}, {"verdict": "fail"}]
    with ws.engine.connect() as conn:
        fresh = label_write.read_case(conn, first)
    assert fresh is not None
    with label_write.appending(ws.engine) as conn:
        assert label_write.append_if_unchanged(conn, fresh, late, schema) is not None
    assert labels.case_labels(ws, first).by_reviewer["ana"].verdict == "unsure"


def _drop_connections(pg_database: str) -> int:
    """Cut every connection to the workspace's database, as a server restart would."""
    dsn = pg_database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_dropped_connection_costs_a_label_write_one_retry_not_the_label(pg_database: str) -> None:
    ws = open_workspace(pg_database)
    try:
        imports.import_files(ws, SAMPLES[:1])
        case_id = cases.list_cases(ws)[0].case_id
        labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer="ana")
        assert _drop_connections(pg_database) >= 1  # the pooled connection the next write takes is dead
        label, _ = labels.record_label(ws, case_id, LabelChange(verdict="fail"), reviewer="ana")
        assert label.verdict == "fail"
        history = labels.label_history(ws, case_id)
        assert [e.change for e in history] == [{"verdict": "pass"}, {"verdict": "fail"}]  # once each, in order
    finally:
        ws.close()


def test_a_connection_idle_past_the_ping_time_is_checked_and_replaced(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = open_workspace(pg_database)
    try:
        imports.import_files(ws, SAMPLES[:1])
        listed = cases.list_cases(ws)
        assert _drop_connections(pg_database) >= 1
        monkeypatch.setattr(postgres, "IDLE_PING_S", 0.0)  # every pooled connection counts as idle
        assert cases.list_cases(ws) == listed  # a read, which does not retry: the ping found the dead one
    finally:
        ws.close()


def test_the_label_returned_is_the_one_stored(two_cases: tuple[Workspace, list[str]]) -> None:
    ws, (first, _) = two_cases
    label, _ = labels.record_label(ws, first, LabelChange(verdict="pass", scores={"correctness": 5}), reviewer="ana")
    assert isinstance(label, Label)
    assert labels.case_labels(ws, first).by_reviewer["ana"] == label
