"""Workspaces written by every earlier schema revision open in this version with nothing lost.

The fixtures in tests/data/workspaces/ were written at their revision (make_fixtures.py there
says how, and how to add one with a new migration). Each is copied, opened — which upgrades it
to the head revision — and must then hold every case, every label and every label event, be
searchable, pass the consistency checks, and take new labels and imports.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory

from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import audit, cases, imports, labels, purge, redaction
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage import label_log
from tests.conftest import DATA
from tests.otlp_builder import span, write_jsonl
from tests.robustness.helpers import consistency_problems

FIXTURES = DATA / "workspaces"
REVISIONS = sorted(p.name.removeprefix("rev-").removesuffix(".reviewdesk") for p in FIXTURES.glob("rev-*.reviewdesk"))


def test_every_earlier_revision_has_a_fixture() -> None:
    script = ScriptDirectory(str(storage_engine.MIGRATIONS))
    earlier = {rev.revision for rev in script.walk_revisions()} - {storage_engine.head_revision()}
    missing = earlier - set(REVISIONS)
    assert not missing, f"add fixtures for {sorted(missing)} with tests/data/workspaces/make_fixtures.py"


@pytest.mark.parametrize("revision", REVISIONS)
def test_fixture_opens_in_this_version_with_everything_intact(revision: str, tmp_path: Path) -> None:
    path = tmp_path / f"rev-{revision}.reviewdesk"
    shutil.copyfile(FIXTURES / path.name, path)
    expected = json.loads((FIXTURES / f"rev-{revision}.expected.json").read_text())
    engine = storage_engine.create_workspace_engine(path)
    assert storage_engine.current_revision(engine) == revision
    engine.dispose()

    ws = open_workspace(path)
    try:
        assert storage_engine.current_revision(ws.engine) == storage_engine.head_revision()
        assert {c.case_id for c in cases.list_cases(ws)} == set(expected["cases"])
        for case_id, want in expected["cases"].items():
            case = cases.get_case(ws, case_id)  # validates against today's Case model
            assert (case.trace_id, case.workflow) == (want["trace_id"], want["workflow"])
            assert (case.input.user_request, case.generation.output) == (want["user_request"], want["output"])
            assert len(cases.get_spans(ws, case_id)) == 2
            history = labels.label_history(ws, case_id)
            assert len(history) == want["events"]
            if want["label"] is None:
                assert case.labels is None
                continue
            label = case.labels.model_dump(mode="json")
            for field in ("verdict", "root_causes", "scores", "comment", "corrected_output", "reviewer"):
                assert label[field] == want["label"][field], (case_id, field)
        assert sum(1 for e in audit.entries(ws) if e.action == "label") == expected["events"]
        # Search works on the upgraded index, and filters on labels still apply.
        assert len(cases.list_cases(ws, CaseFilter(text="Alpine"))) == 1
        assert len(cases.list_cases(ws, CaseFilter(root_cause="stale_source"))) == 1
        # Settings written at 0003 survive later revisions; earlier ones get the defaults.
        settings = redaction.get_settings(ws)
        assert settings.enabled
        if revision >= "0003":
            assert [r.kind for r in settings.rules] == ["ORDER_ID"]
            assert purge.get_retention(ws).older_than_days == 3650
        # The upgraded workspace takes new work.
        some_case = next(iter(expected["cases"]))
        labels.record_label(ws, some_case, LabelChange(comment="after the upgrade"))
        new = write_jsonl(tmp_path / "new.jsonl", [[span("chat", trace_id="ab" * 16, span_id="cd" * 8)]])
        assert imports.import_files(ws, [new]).files[0].cases_created == 1
    finally:
        ws.close()
    assert consistency_problems(path) == []
    # And it opens again as it is (no second upgrade, nothing to fix).
    open_workspace(path).close()


def _label_tables(path: Path) -> tuple[dict[int, tuple[str | None, Any]], list[tuple[int, int, str, str, Any]]]:
    """``labels`` (reviewer, data) by case and every label event, read with plain sqlite3 (JSON decoded)."""
    conn = sqlite3.connect(path)
    try:
        current = {
            rowid: (who, json.loads(data))
            for rowid, who, data in conn.execute("SELECT case_rowid, reviewer, data FROM labels")
        }
        events = [
            (rowid, case, at, who, json.loads(change))
            for rowid, case, at, who, change in conn.execute(
                "SELECT event_rowid, case_rowid, created_at, reviewer, change FROM label_events ORDER BY event_rowid"
            )
        ]
    finally:
        conn.close()
    return current, events


@pytest.mark.parametrize("revision", REVISIONS)
def test_upgrade_makes_each_label_its_reviewers_with_the_whole_history(revision: str, tmp_path: Path) -> None:
    path = tmp_path / f"rev-{revision}.reviewdesk"
    shutil.copyfile(FIXTURES / path.name, path)
    before_labels, before_events = _label_tables(path)
    assert before_labels and before_events  # the fixture has labels to lose
    open_workspace(path).close()

    after_labels, after_events = _label_tables(path)
    assert after_labels == before_labels  # 100% of the labels: the resolved label is the old label
    assert after_events == before_events  # 100% of the events, untouched
    conn = sqlite3.connect(path)
    try:
        ids = [row[0] for row in conn.execute("SELECT event_id FROM label_events ORDER BY event_rowid")]
        owners = dict(conn.execute("SELECT case_rowid, reviewer FROM labels"))
        of = conn.execute("SELECT case_rowid, label_of, kind FROM label_events").fetchall()
        mine = {
            (r, who): json.loads(data)
            for r, who, data in conn.execute("SELECT case_rowid, reviewer, data FROM reviewer_labels")
        }
        states = dict(conn.execute("SELECT case_rowid, resolution FROM labels"))
        verdicts = dict(conn.execute("SELECT case_rowid, verdict FROM labels"))
        workspace_id = conn.execute("SELECT value FROM workspace_settings WHERE key = 'workspace.id'").fetchone()
    finally:
        conn.close()
    # Event ids: UUIDv7, unique, in the events' order (so folding by id folds as before).
    assert len(set(ids)) == len(ids) and ids == sorted(ids)
    assert all(uuid.UUID(event_id).version == 7 for event_id in ids)
    # Every event belongs to its case's label's reviewer, whoever made it (bo's label holds ana's event).
    assert all(kind == "label" and label_of == owners[case_rowid] for case_rowid, label_of, kind in of)
    assert mine == {(rowid, who): data for rowid, (who, data) in before_labels.items()}
    assert states == {rowid: ("single" if verdicts[rowid] else None) for rowid in before_labels}
    assert workspace_id is not None and uuid.UUID(json.loads(workspace_id[0]))
    # And the label tables are exactly what rebuilding them from the events gives.
    ws = open_workspace(path)
    try:
        with ws.session() as session, session.begin():
            label_log.rebuild(session.connection(), list(before_labels))
    finally:
        ws.close()
    assert _label_tables(path) == (before_labels, before_events)
