"""Recording labels: each change is one append-only event, and the current labels are folded from them.

Each reviewer has their own label of a case; the case's resolved label follows from them by the
rule in ``domain.team`` (docs/team-review.md). The event and the rebuilt labels are written in
one transaction, so a crash either keeps the change whole or leaves the previous labels;
nothing acknowledged is ever lost.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

from sqlalchemy import select

from reviewdesk.domain import team
from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import LabelError
from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import SCORE_RANGE, Evidence, Label, LabelChange
from reviewdesk.domain.team import CaseLabels, LabelEvent
from reviewdesk.services.cases import resolve_case
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import label_log
from reviewdesk.storage.engine import writing
from reviewdesk.storage.governance import get_setting
from reviewdesk.storage.orm import LabelEventRow, LabelSchemaRow

PACKAGE_REVIEWER_KEY = "package.reviewer"
"""The setting a review package names its reviewer under (``services.packages``)."""


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "reviewer"


def workspace_reviewer(workspace: Workspace) -> str:
    """Who labels here by default: a review package's reviewer, else the login name."""
    with workspace.session() as session:
        name = get_setting(session.connection(), PACKAGE_REVIEWER_KEY)
    return str(name) if name else default_reviewer()


def current_schema(workspace: Workspace) -> LabelSchemaRow:
    with workspace.session() as session:
        row = session.execute(select(LabelSchemaRow).order_by(LabelSchemaRow.version.desc()).limit(1)).scalar_one()
        session.expunge(row)
        return row


def validate_change(schema: LabelSchemaRow, change: LabelChange) -> None:
    known = [rc["id"] for rc in schema.root_causes]
    unknown = [rc for rc in change.root_causes or [] if rc not in known]
    if unknown:
        raise LabelError(f"unknown root cause(s) {', '.join(unknown)}; valid: {', '.join(known)}")
    for name, value in (change.scores or {}).items():
        if name not in schema.scores:
            raise LabelError(f"unknown score {name!r}; valid: {', '.join(schema.scores)}")
        low, high = SCORE_RANGE
        if not low <= value <= high:
            raise LabelError(f"score {name}={value} is out of range {low}–{high}")
    for evidence in change.evidence or []:
        if evidence.root_cause not in known:
            raise LabelError(f"evidence names unknown root cause {evidence.root_cause!r}")


def record_label(
    workspace: Workspace,
    case_ref: str,
    change: LabelChange,
    *,
    reviewer: str | None = None,
    seconds_spent: float | None = None,
) -> tuple[Label, Changes]:
    """Append one event to the reviewer's label of the case; returns that reviewer's new label.

    The event's id is a UUIDv7 made now (and past the case's latest, should the clock have gone
    back), so it folds last. The case's reviewer labels and resolved label are rebuilt from its
    events in the same transaction (``storage.label_log``).
    """
    schema = current_schema(workspace)
    validate_change(schema, change)
    case_rowid = resolve_case(workspace, case_ref)
    who = reviewer or default_reviewer()
    with writing(), workspace.session() as session, session.begin():
        conn = session.connection()
        event = LabelEvent(
            event_id=uuid7(after=label_log.latest_event_id(conn, case_rowid)),
            at=datetime.now(UTC),
            reviewer=who,
            change=change,
            schema_version=schema.version,
            seconds_spent=seconds_spent,
            label_of=who,
        )
        label_log.append_events(conn, [(case_rowid, event)])
        folded = label_log.rebuild(conn, [case_rowid])[case_rowid]
    return folded.by_reviewer[who], Changes(labels=True, cases=True)


def record_adjudication(
    workspace: Workspace,
    case_ref: str,
    label: Label,
    *,
    adjudicator: str | None = None,
    settles: tuple[str, ...] = (),
) -> CaseLabels:
    """Record an adjudicator's decision on a case: the resolved label becomes ``label`` (``adjudicated``)."""
    schema = current_schema(workspace)
    change = full_change(label)
    validate_change(schema, change)
    if change.verdict is None:
        raise LabelError("an adjudication needs a verdict")
    case_rowid = resolve_case(workspace, case_ref)
    who = adjudicator or default_reviewer()
    with writing(), workspace.session() as session, session.begin():
        conn = session.connection()
        event = LabelEvent(
            event_id=uuid7(after=label_log.latest_event_id(conn, case_rowid)),
            at=datetime.now(UTC),
            reviewer=who,
            change=change,
            schema_version=schema.version,
            kind="adjudication",
            settles=tuple(sorted(settles)),
        )
        label_log.append_events(conn, [(case_rowid, event)])
        return label_log.rebuild(conn, [case_rowid])[case_rowid]


def full_change(label: Label) -> LabelChange:
    """A change that sets every field of ``label``: folded onto nothing, it gives ``label`` back."""
    return LabelChange(
        verdict=label.verdict,
        root_causes=list(label.root_causes),
        scores=dict(label.scores),
        corrected_output=label.corrected_output,
        comment=label.comment,
        escalate=label.escalate,
        evidence=[Evidence.model_validate(e.model_dump()) for e in label.evidence],
    )


def case_labels(workspace: Workspace, case_ref: str) -> CaseLabels:
    """Every reviewer's label of a case, its adjudication and its resolved label, from its events."""
    case_rowid = resolve_case(workspace, case_ref)
    with workspace.session() as session:
        events = label_log.events_of(session.connection(), [case_rowid])[case_rowid]
    return team.case_labels(e.event for e in events)


def label_history(workspace: Workspace, case_ref: str) -> list[LabelEventRow]:
    """The case's events in the order they fold in (event id: time order)."""
    case_rowid = resolve_case(workspace, case_ref)
    with workspace.session() as session:
        rows = list(
            session.execute(
                select(LabelEventRow).where(LabelEventRow.case_rowid == case_rowid).order_by(LabelEventRow.event_id)
            ).scalars()
        )
        session.expunge_all()
        return rows
