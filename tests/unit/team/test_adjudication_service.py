"""The adjudication view's service: composing a decision field by field, taking one whole, and
withdrawing a decision (the window's undo) — pure rules, then once on a real workspace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviewdesk.domain.errors import LabelError
from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import Evidence, Label, LabelChange
from reviewdesk.domain.team import LabelEvent, case_labels
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.services import adjudication, cases, labels
from reviewdesk.services.adjudication import Dispute, ReviewerLabel
from tests.consumers.labeled import build

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
ANA = Label(verdict="fail", root_causes=["hallucination"], scores={"correctness": 2}, comment="made up")
BO = Label(
    verdict="fail",
    root_causes=["stale_source"],
    scores={"correctness": 2},
    evidence=[Evidence(root_cause="stale_source", kind="document", ref="doc-1")],
)
NOBODY = Label(comment="no verdict yet")


def _dispute(*reviewers: tuple[str, Label]) -> Dispute:
    rows = tuple(ReviewerLabel(name, label, None) for name, label in reviewers)
    return Dispute(1, "c1", "disputed", rows, adjudication.fields_for(["correctness"], [r.label for r in rows]), None)


def test_compose_keeps_what_all_agree_on_takes_the_picks_and_leaves_the_rest_empty() -> None:
    dispute = _dispute(("ana", ANA), ("bo", BO))
    assert [f for f in dispute.fields if dispute.differs(f)] == ["root_causes", "comment", "evidence"]
    assert adjudication.missing_picks(dispute, {}) == ["root_causes"]  # the verdict agrees: nothing to pick
    decision = adjudication.compose(dispute, {"root_causes": 1})
    assert (decision.verdict, decision.root_causes, decision.scores) == ("fail", ["stale_source"], {"correctness": 2})
    assert decision.comment is None and decision.evidence == []  # differ, not picked: left empty
    assert adjudication.compose(dispute, {"root_causes": 1, "evidence": 1}).evidence == BO.evidence
    assert adjudication.missing_picks(dispute, {"root_causes": 0}) == []


def test_take_is_the_whole_label_and_refuses_a_reviewer_without_a_verdict() -> None:
    dispute = _dispute(("ana", ANA), ("bo", BO), ("cy", NOBODY))
    taken = adjudication.take(dispute, 1)
    assert (taken.root_causes, taken.evidence, taken.reviewer) == (BO.root_causes, BO.evidence, None)
    with pytest.raises(LabelError, match="cy has no verdict"):
        adjudication.take(dispute, 2)
    with pytest.raises(LabelError, match="3 reviewer label"):
        adjudication.take(dispute, 5)


def _event(n: int, who: str, change: LabelChange, kind: str = "label") -> LabelEvent:
    return LabelEvent(
        event_id=uuid7(T0 + timedelta(minutes=n)),
        at=T0 + timedelta(minutes=n),
        reviewer=who,
        change=change,
        schema_version=1,
        kind=kind,  # type: ignore[arg-type]
        label_of=None if kind == "adjudication" else who,
    )


def test_an_adjudication_without_a_verdict_withdraws_the_decision() -> None:
    events = [
        _event(1, "ana", LabelChange(verdict="fail")),
        _event(2, "bo", LabelChange(verdict="pass")),
        _event(3, "lead", LabelChange(verdict="pass", root_causes=[]), "adjudication"),
    ]
    assert case_labels(events).resolution == "adjudicated"
    withdrawn = case_labels([*events, _event(4, "lead", LabelChange(), "adjudication")])
    assert withdrawn.resolution == "disputed" and withdrawn.adjudication is None
    again = _event(5, "lead", LabelChange(verdict="fail"), "adjudication")
    assert case_labels([*events, _event(4, "lead", LabelChange(), "adjudication"), again]).resolution == "adjudicated"


def test_load_dispute_and_decide_on_a_workspace(workspace_location: WorkspaceLocation) -> None:
    team = build(workspace_location, label=False)
    ws = team.open()
    case_id = team.case_ids["oi:A"]
    try:
        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["hallucination"]), reviewer="bo")
        labels.record_label(ws, case_id, LabelChange(verdict="pass"), reviewer="ana", seconds_spent=12.5)
        labels.record_label(ws, case_id, LabelChange(comment="and then"), reviewer="ana", seconds_spent=3)
        rowid = cases.resolve_case(ws, case_id)
        dispute = adjudication.load_dispute(ws, rowid, case_id)
        assert [(r.reviewer, r.seconds_spent) for r in dispute.reviewers] == [("ana", 15.5), ("bo", None)]
        assert dispute.resolution == "disputed" and dispute.settles == ("ana", "bo")
        decided = adjudication.decide(ws, dispute, adjudication.take(dispute, 1), adjudicator="lead", seconds_spent=9)
        assert decided.resolution == "adjudicated" and decided.resolved is not None
        assert decided.resolved.root_causes == ["hallucination"]
        (event,) = [e for e in labels.label_history(ws, case_id) if e.kind == "adjudication"]
        assert (event.reviewer, event.settles, event.seconds_spent) == ("lead", ["ana", "bo"], 9)
        withdrawn = labels.withdraw_adjudication(ws, case_id, adjudicator="lead", settles=dispute.settles)
        assert withdrawn.resolution == "disputed"
    finally:
        ws.close()
