"""Recording labels: each change is one append-only event, and the current label is folded from them.

The event and the new current state are written in one transaction, so a crash either keeps the
change whole or leaves the previous label; nothing acknowledged is ever lost.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

from sqlalchemy import delete, select

from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import LabelError
from reviewdesk.domain.labels import SCORE_RANGE, Label, LabelChange, apply_change
from reviewdesk.services.cases import resolve_case
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage.orm import CaseRootCauseRow, LabelEventRow, LabelRow, LabelSchemaRow


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "reviewer"


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
    """Append one label event for the case and update its current label; returns the new label."""
    schema = current_schema(workspace)
    validate_change(schema, change)
    case_rowid = resolve_case(workspace, case_ref)
    now = datetime.now(UTC)
    who = reviewer or default_reviewer()
    with workspace.session() as session, session.begin():
        event = LabelEventRow(
            case_rowid=case_rowid,
            created_at=now,
            reviewer=who,
            change=change.model_dump(mode="json", exclude_unset=True),
            seconds_spent=seconds_spent,
            schema_version=schema.version,
        )
        session.add(event)
        session.flush()
        current_row = session.get(LabelRow, case_rowid)
        current = Label.model_validate(current_row.data) if current_row else None
        label = apply_change(current, change, reviewer=who, at=now, schema_version=schema.version)
        data = label.model_dump(mode="json")
        if current_row is None:
            session.add(
                LabelRow(
                    case_rowid=case_rowid,
                    verdict=label.verdict,
                    escalate=label.escalate,
                    reviewer=who,
                    labeled_at=now,
                    data=data,
                    last_event_rowid=event.event_rowid,
                )
            )
        else:
            current_row.verdict = label.verdict
            current_row.escalate = label.escalate
            current_row.reviewer = who
            current_row.labeled_at = now
            current_row.data = data
            current_row.last_event_rowid = event.event_rowid
        session.execute(delete(CaseRootCauseRow).where(CaseRootCauseRow.case_rowid == case_rowid))
        session.add_all(CaseRootCauseRow(case_rowid=case_rowid, root_cause=rc) for rc in label.root_causes)
    return label, Changes(labels=True, cases=True)


def label_history(workspace: Workspace, case_ref: str) -> list[LabelEventRow]:
    case_rowid = resolve_case(workspace, case_ref)
    with workspace.session() as session:
        rows = list(
            session.execute(
                select(LabelEventRow).where(LabelEventRow.case_rowid == case_rowid).order_by(LabelEventRow.event_rowid)
            ).scalars()
        )
        session.expunge_all()
        return rows
