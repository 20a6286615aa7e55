"""Labels per reviewer and the resolved label: the rule of docs/team-review.md, on a real workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert

from reviewdesk.domain.errors import LabelError
from reviewdesk.domain.ids import uuid7, uuid7_time
from reviewdesk.domain.labels import Label, LabelChange, apply_change
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.domain.team import LabelEvent, case_labels, fold, fold_onto
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services import cases, labels
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage.tables import LabelEventRow
from tests.consumers.labeled import LabeledWorkspace, build
from tests.robustness.helpers import consistency_problems

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_uuid7_ids_are_version_7_time_ordered_and_pass_a_floor() -> None:
    ids = [uuid7() for _ in range(2000)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert abs(uuid7_time(ids[0]) - datetime.now(UTC)) < timedelta(seconds=5)
    future = uuid7(T0 + timedelta(days=3650))
    assert uuid7(after=future) > future  # a clock gone back still folds after the case's latest


def _event(n: int, reviewer: str, change: LabelChange, *, kind: str = "label") -> LabelEvent:
    return LabelEvent(
        event_id=uuid7(T0 + timedelta(minutes=n)),
        at=T0 + timedelta(minutes=n),
        reviewer=reviewer,
        change=change,
        schema_version=1,
        kind=kind,  # type: ignore[arg-type]
        label_of=None if kind == "adjudication" else reviewer,
    )


FAIL_H = LabelChange(verdict="fail", root_causes=["hallucination"])


@pytest.mark.parametrize(
    ("events", "state", "verdict"),
    [
        ([], None, None),
        ([(1, "ana", LabelChange(comment="later"))], None, None),
        ([(1, "ana", FAIL_H)], "single", "fail"),
        ([(1, "ana", FAIL_H), (2, "bo", FAIL_H)], "consensus", "fail"),
        ([(1, "ana", FAIL_H), (2, "bo", LabelChange(verdict="fail", root_causes=["stale_source"]))], "disputed", None),
        ([(1, "ana", FAIL_H), (2, "bo", LabelChange(verdict="pass"))], "disputed", None),
        ([(1, "ana", FAIL_H), (2, "bo", LabelChange(comment="no verdict yet"))], "single", "fail"),
    ],
)
def test_resolution_rule(events: list[tuple[int, str, LabelChange]], state: str | None, verdict: str | None) -> None:
    folded = case_labels([_event(n, who, change) for n, who, change in events])
    assert folded.resolution == state
    assert (folded.resolved.verdict if folded.resolved else None) == verdict


def test_disputed_then_adjudicated_and_the_decision_stands() -> None:
    events = [_event(1, "ana", FAIL_H), _event(2, "bo", LabelChange(verdict="pass", escalate=True))]
    disputed = case_labels(events)
    assert disputed.resolved == Label(escalate=True, labeled_at=T0 + timedelta(minutes=2))
    decision = _event(3, "lead", LabelChange(verdict="fail", root_causes=["hallucination"]), kind="adjudication")
    later = _event(4, "bo", LabelChange(verdict="unsure"))
    after = case_labels([*events, decision, later])
    assert after.resolution == "adjudicated"
    assert after.resolved is not None and (after.resolved.verdict, after.resolved.reviewer) == ("fail", "lead")
    assert after.by_reviewer["bo"].verdict == "unsure"  # the reviewers' own labels keep changing
    # Folding is by event id, so the order events arrive in does not matter.
    assert case_labels([later, decision, *reversed(events)]) == after


@pytest.fixture
def team_ws(workspace_location: WorkspaceLocation) -> LabeledWorkspace:
    return build(workspace_location, label=False)


def test_each_reviewer_keeps_their_own_label_and_readers_see_the_resolved_one(team_ws: LabeledWorkspace) -> None:
    ws = team_ws.open()
    case_id = team_ws.case_ids["oi:A"]
    try:
        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["hallucination"]), reviewer="ana")
        mine, _ = labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer="bo")
        assert (mine.verdict, mine.reviewer, mine.root_causes) == ("pass", "bo", [])
        case = cases.get_case(ws, case_id)
        assert case.resolution == "disputed" and case.labels is not None and case.labels.verdict is None
        # Disputed is reviewed (not in the unreviewed queue) and is what the Disputed queue lists.
        disputed = {s.case_id for s in cases.list_cases(ws, CaseFilter(resolution="disputed"))}
        assert disputed == {case_id}
        assert case_id not in {s.case_id for s in cases.list_cases(ws, CaseFilter(review="unreviewed"))}
        assert case_id in {s.case_id for s in cases.list_cases(ws, CaseFilter(review="labeled"))}
        assert case_id not in {s.case_id for s in cases.list_cases(ws, CaseFilter(resolved_only=True))}
        assert cases.list_cases(ws, CaseFilter(root_cause="hallucination")) == []  # nothing resolved to count

        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["hallucination"]), reviewer="bo")
        both = labels.case_labels(ws, case_id)
        assert both.resolution == "consensus" and both.resolved is not None and both.resolved.reviewer == "bo"
        assert [s.case_id for s in cases.list_cases(ws, CaseFilter(root_cause="hallucination"))] == [case_id]
    finally:
        ws.close()
    if isinstance(team_ws.path, Path):  # the checker reads an SQLite file with plain sqlite3
        assert consistency_problems(team_ws.path) == []


def test_adjudication_records_who_decided_and_whom_it_settled(team_ws: LabeledWorkspace) -> None:
    ws = team_ws.open()
    case_id = team_ws.case_ids["oi:A"]
    try:
        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["hallucination"]), reviewer="ana")
        labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer="bo")
        with pytest.raises(LabelError, match="needs a verdict"):
            labels.record_adjudication(ws, case_id, Label(), adjudicator="lead")
        result = labels.record_adjudication(
            ws, case_id, Label(verdict="pass", comment="bo is right"), adjudicator="lead", settles=("bo", "ana")
        )
        assert result.resolution == "adjudicated"
        (event,) = [e for e in labels.label_history(ws, case_id) if e.kind == "adjudication"]
        assert (event.reviewer, event.settles, event.label_of) == ("lead", ["ana", "bo"], None)
        assert cases.get_case(ws, case_id).labels.comment == "bo is right"  # type: ignore[union-attr]
    finally:
        ws.close()


def _insert_raw(ws: Workspace, case_rowid: int, event_id: str) -> None:
    with ws.engine.begin() as conn:
        conn.execute(
            insert(LabelEventRow).values(
                event_id=event_id,
                kind="label",
                case_rowid=case_rowid,
                created_at=T0,
                reviewer="ana",
                label_of="ana",
                change={},
                schema_version=1,
            )
        )


def test_the_same_event_id_is_stored_once(team_ws: LabeledWorkspace) -> None:
    ws = team_ws.open()
    try:
        rowid = cases.resolve_case(ws, team_ws.case_ids["oi:A"])
        event_id = uuid7(T0)
        _insert_raw(ws, rowid, event_id)
        # SQLite says "UNIQUE constraint", PostgreSQL "unique constraint".
        with pytest.raises(Exception, match=r"(?i)unique"):
            _insert_raw(ws, rowid, event_id)
    finally:
        ws.close()


def test_fold_equals_applying_each_change_in_turn() -> None:
    # The fold validates each label once, at the end; it must give what apply_change gives step by step.
    evidence = [{"root_cause": "stale_source", "kind": "document", "ref": "doc-1"}]
    changes = [
        ("ana", LabelChange(verdict="fail", root_causes=["hallucination"], scores={"correctness": 2})),
        ("bo", LabelChange(comment="looks fine")),
        ("ana", LabelChange.model_validate({"root_causes": ["stale_source"], "evidence": evidence})),
        ("ana", LabelChange(corrected_output="better", escalate=True)),
        ("bo", LabelChange(verdict="pass", comment=None)),
        ("ana", LabelChange.model_validate({"evidence": [], "scores": {"correctness": 4, "safety": 5}})),
    ]
    events = [_event(n, who, change) for n, (who, change) in enumerate(changes)]
    expected: dict[str, Label] = {}
    for event in events:
        expected[event.reviewer] = apply_change(
            expected.get(event.reviewer), event.change, reviewer=event.reviewer, at=event.at, schema_version=1
        )
    by_reviewer, adjudication = fold(reversed(events))
    assert by_reviewer == expected and adjudication is None
    assert by_reviewer["bo"].comment is None and by_reviewer["ana"].evidence == []


def test_folding_one_event_onto_the_folded_labels_equals_folding_every_event() -> None:
    # A label write folds its event onto the stored labels (storage.label_write); after every
    # event of a history with a dispute, an adjudication, its withdrawal and evidence, that must be
    # what the full fold of the events so far gives.
    evidence = [{"root_cause": "stale_source", "kind": "document", "ref": "doc-1"}]
    steps = [
        ("ana", LabelChange(verdict="fail", root_causes=["hallucination"], scores={"correctness": 2}), "label"),
        ("bo", LabelChange(verdict="pass", comment="looks fine"), "label"),
        ("ana", LabelChange.model_validate({"root_causes": ["stale_source"], "evidence": evidence}), "label"),
        ("lead", LabelChange(verdict="fail", root_causes=["stale_source"]), "adjudication"),
        ("bo", LabelChange(comment=None, escalate=True), "label"),
        ("lead", LabelChange(), "adjudication"),  # withdrawn: resolves from the reviewers again
        ("bo", LabelChange(verdict="fail", root_causes=["stale_source"]), "label"),
    ]
    events = [_event(n, who, change, kind=kind) for n, (who, change, kind) in enumerate(steps)]
    labels_so_far = case_labels([])
    for n, event in enumerate(events):
        labels_so_far = fold_onto(labels_so_far, event)
        assert labels_so_far == case_labels(events[: n + 1]), n
    assert labels_so_far.resolution == "consensus"
