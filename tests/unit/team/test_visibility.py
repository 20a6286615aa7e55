"""Blind review in the services: who is looking, and what of the others' labels they may see."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import audit, labels, packages, review, visibility
from reviewdesk.services.workspace import open_workspace
from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture
def team(tmp_path: Path) -> LabeledWorkspace:
    return build(tmp_path / "team.reviewdesk", label=False)


def test_blind_reader_sees_a_case_others_labeled_as_unlabeled_until_their_verdict(team: LabeledWorkspace) -> None:
    ws = team.open()
    try:
        case_id = team.case_ids["oi:B"]
        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["tool_error"]), reviewer="ana")
        packages.set_blind(ws, True, actor="lead")
        bo = visibility.viewer(ws, "bo")
        assert bo.blinded and bo.blind_for == "bo"
        hidden_rowid = next(
            r for r in review.queue_page(ws, CaseFilter()) if review.summaries(ws, [r])[r].case_id == case_id
        )

        seen = visibility.insights(ws, None, bo)
        assert seen.scope.labeled == 0 and not [r for r in seen.reviewers if r.reviewer == "ana"]
        assert visibility.summaries(ws, [hidden_rowid], bo)[hidden_rowid].verdict is None
        assert visibility.others(ws, hidden_rowid, bo).hidden
        assert review.queue_count(ws, visibility.for_viewer(CaseFilter(verdict="fail"), bo)) == 0
        assert review.queue_count(ws, CaseFilter(verdict="fail")) == 1  # without the rule: it is there
        assert visibility.facets(ws, bo).root_causes == []

        labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer="bo")
        after = visibility.insights(ws, None, bo)
        assert after.scope.labeled == 0  # disputed: no resolved verdict, but nothing is hidden any more
        assert {r.reviewer for r in after.reviewers} == {"ana", "bo"}
        assert set(visibility.others(ws, hidden_rowid, bo).labels) == {"ana"}
    finally:
        ws.close()


def test_adjudicators_and_read_only_see_everything_and_both_settings_are_audited(
    team: LabeledWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    wsarg = ["--workspace", str(team.path)]
    assert main([*wsarg, "team", "blind", "on"]) == 0
    assert main([*wsarg, "team", "adjudicators", "lee, kim"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "adjudicators: lee, kim"
    ws = team.open()
    try:
        assert visibility.viewer(ws, "lee").role == "adjudicator"
        assert not visibility.viewer(ws, "lee").blinded and visibility.viewer(ws, "bo").blinded
        subjects = [e.subject for e in audit.entries(ws, labels=False) if e.action == "settings"]
        assert "team.blind" in subjects and "team.adjudicators" in subjects
    finally:
        ws.close()
    reader = open_workspace(team.path, read_only=True)
    try:
        assert visibility.viewer(reader, "bo").role == "read-only" and not visibility.viewer(reader, "bo").blinded
    finally:
        reader.close()
    assert main([*wsarg, "team", "adjudicators", "none"]) == 0
    assert capsys.readouterr().out.strip() == "adjudicators: none"
