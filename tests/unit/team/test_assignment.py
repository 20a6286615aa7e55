"""``reviewdesk assign`` / ``assignments`` / ``progress`` on a real workspace of 8 cases."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services import assignment, cases, labels
from tests.consumers.labeled import LabeledWorkspace, build


@pytest.fixture
def ws_path(workspace_location: WorkspaceLocation) -> LabeledWorkspace:
    return build(workspace_location, label=False)


def _assign(path: WorkspaceLocation, *extra: str, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["--workspace", str(path), "assign", "--reviewers", "ana,bo,cy", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _pairs(
    path: WorkspaceLocation, capsys: pytest.CaptureFixture[str], reviewer: str | None = None
) -> list[tuple[str, str]]:
    args = ["--workspace", str(path), "assignments", "--json"] + (["--reviewer", reviewer] if reviewer else [])
    assert main(args) == 0
    return [(row["case_id"], row["reviewer"]) for row in map(json.loads, capsys.readouterr().out.splitlines())]


def test_overlap_two_is_balanced_distinct_and_the_same_for_a_seed(
    ws_path: LabeledWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = _assign(ws_path.path, "--overlap", "2", "--seed", "7", capsys=capsys)
    assert result["cases"] == 8 and result["already_assigned"] == 0
    pairs = _pairs(ws_path.path, capsys)
    per_case = Counter(case for case, _ in pairs)
    assert set(per_case.values()) == {2} and len(per_case) == 8  # every case to 2 reviewers
    assert len(set(pairs)) == len(pairs)  # never twice to the same reviewer
    load = Counter(who for _, who in pairs)
    assert sum(load.values()) == 16 and max(load.values()) - min(load.values()) <= 1  # 6/5/5
    # Another workspace with the same cases and the same seed: the same assignment.
    twin = build(tmp_path / "twin.reviewdesk", label=False)
    _assign(twin.path, "--overlap", "2", "--seed", "7", capsys=capsys)
    assert _pairs(twin.path, capsys) == pairs
    other = build(tmp_path / "other.reviewdesk", label=False)
    _assign(other.path, "--overlap", "2", "--seed", "8", capsys=capsys)
    assert _pairs(other.path, capsys) != pairs


def test_nothing_is_reassigned_without_reassign(ws_path: LabeledWorkspace, capsys: pytest.CaptureFixture[str]) -> None:
    _assign(ws_path.path, "--sample", "3", "--seed", "1", capsys=capsys)
    first = _pairs(ws_path.path, capsys)
    assert len(first) == 3
    again = _assign(ws_path.path, "--seed", "2", capsys=capsys)
    assert again["cases"] == 5 and again["already_assigned"] == 3
    after = _pairs(ws_path.path, capsys)
    assert set(first) <= set(after) and len(after) == 8
    replaced = _assign(ws_path.path, "--overlap", "3", "--reassign", capsys=capsys)
    assert replaced["cases"] == 8 and len(_pairs(ws_path.path, capsys)) == 24


def test_sample_by_draws_across_strata_and_worst_first(
    ws_path: LabeledWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = ws_path.open()
    try:
        workflows = {s.case_id: s.workflow for s in cases.list_cases(ws)}
        errors = {s.case_id for s in cases.list_cases(ws, CaseFilter(status="error"))}
        result = assignment.assign(ws, ["ana"], sample=len(set(workflows.values())), sample_by="workflow", seed=3)
        chosen = {a.case_id for a in assignment.list_assignments(ws)}
        assert result.cases == len(chosen)
        assert {workflows[c] for c in chosen} == set(workflows.values())  # one of each workflow
        assignment.assign(ws, ["bo"], sample=len(errors), order="worst-first", reassign=True)
        assert {a.case_id for a in assignment.list_assignments(ws, reviewer="bo")} == errors
    finally:
        ws.close()
    assert errors  # the fixture has errored cases, so the check above meant something


def test_progress_counts_done_once_the_reviewer_gave_a_verdict(
    ws_path: LabeledWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    _assign(ws_path.path, "--overlap", "2", "--sample", "2", capsys=capsys)
    pairs = _pairs(ws_path.path, capsys)
    case_id, who = pairs[0]
    ws = ws_path.open()
    try:
        labels.record_label(ws, case_id, LabelChange(comment="looking"), reviewer=who)
        assert assignment.my_queue_counts(ws, who)[0] == 0  # a comment is not done
        labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer=who)
        labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer="outsider")  # not assigned
        mine = {s.case_id for s in cases.list_cases(ws, CaseFilter(assigned_to=who, pending_for=who))}
        assert case_id not in mine and len(mine) == sum(1 for _, w in pairs if w == who) - 1
    finally:
        ws.close()
    assert main(["--workspace", str(ws_path.path), "progress", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reviewers"][who]["done"] == 1
    assert data["reviewers"][who]["assigned"] == data["reviewers"][who]["done"] + data["reviewers"][who]["pending"]
    assert "outsider" not in data["reviewers"]
    assert data["cases"][case_id]["done"] == [who] and len(data["cases"][case_id]["reviewers"]) == 2


def test_an_overlap_larger_than_the_team_is_refused(
    ws_path: LabeledWorkspace, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--workspace", str(ws_path.path), "assign", "--reviewers", "ana,bo", "--overlap", "3"]) == 1
    assert "--overlap 3 must be between 1 and the number of reviewers (2)" in capsys.readouterr().err
    assert _pairs(ws_path.path, capsys) == []
