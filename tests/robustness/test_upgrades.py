"""Workspaces written by every earlier schema revision open in this version with nothing lost.

The fixtures in tests/data/workspaces/ were written at their revision (make_fixtures.py there
says how, and how to add one with a new migration). Each is copied, opened — which upgrades it
to the head revision — and must then hold every case, every label and every label event, be
searchable, pass the consistency checks, and take new labels and imports.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import audit, cases, imports, labels, purge, redaction
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import engine as storage_engine
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
