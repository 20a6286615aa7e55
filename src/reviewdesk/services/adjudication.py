"""Adjudication as the window does it: a case's reviewer labels side by side, and the decision.

``load_dispute`` reads one case's reviewer labels (folded from its events, as ``reviewdesk
adjudicate`` sees them) with the seconds each reviewer spent on it, as plain rows. A decision is
either one reviewer's label taken whole (``take``) or composed field by field (``compose``): each
field the adjudicator picked comes from that reviewer, each field every reviewer agrees on is
kept as they agree, and any other field is left empty — the window shows which before the
decision is recorded. ``decide`` records it through ``services.labels.record_adjudication``, the
same call the CLI makes: one adjudication event by the adjudicator, settling every reviewer who
had a label.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reviewdesk.domain import team
from reviewdesk.domain.errors import LabelError
from reviewdesk.domain.labels import Evidence, Label
from reviewdesk.domain.team import CaseLabels, Resolution
from reviewdesk.services import labels as label_service
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import label_log, label_schemas

VERDICT, ROOT_CAUSES, CORRECTED, COMMENT, ESCALATE, EVIDENCE = (
    "verdict",
    "root_causes",
    "corrected_output",
    "comment",
    "escalate",
    "evidence",
)
SCORE_PREFIX = "score:"
MUST_PICK = (VERDICT, ROOT_CAUSES)
"""Fields a composed decision cannot leave empty when the reviewers differ on them: what the dispute is about."""


@dataclass(frozen=True, slots=True)
class ReviewerLabel:
    """One reviewer's label of the case, as the adjudicator compares it."""

    reviewer: str
    label: Label
    seconds_spent: float | None
    """Seconds the reviewer's events of this case recorded, summed (``None``: none timed)."""


@dataclass(frozen=True, slots=True)
class Dispute:
    """A case's reviewer labels side by side: what the adjudication view shows."""

    case_rowid: int
    case_id: str
    resolution: Resolution | None
    reviewers: tuple[ReviewerLabel, ...]
    """In reviewer-name order: the order the keys 1–9 number them."""
    fields: tuple[str, ...]
    """Field keys in display order: verdict, root causes, each score, corrected output, comment,
    escalation, evidence."""
    adjudication: Label | None
    """The decision in force, if any."""

    def value(self, field: str, index: int) -> Any:
        return field_value(self.reviewers[index].label, field)

    def differs(self, field: str) -> bool:
        """Whether the reviewers' values of ``field`` are not all the same."""
        return len({comparable(field, r.label) for r in self.reviewers}) > 1

    def agreed(self, field: str) -> bool:
        return bool(self.reviewers) and not self.differs(field)

    @property
    def settles(self) -> tuple[str, ...]:
        return tuple(r.reviewer for r in self.reviewers)


def field_value(label: Label, field: str) -> Any:
    """The value of one field of a label (``score:NAME`` for a score)."""
    if field.startswith(SCORE_PREFIX):
        return label.scores.get(field.removeprefix(SCORE_PREFIX))
    if field in (CORRECTED, COMMENT):
        return getattr(label, field) or None  # an empty text is no text
    return getattr(label, field)


def comparable(field: str, label: Label) -> Any:
    """A hashable form of a field's value: root causes compare as a set, evidence as its items."""
    value = field_value(label, field)
    if field == ROOT_CAUSES:
        return frozenset(value)
    if field == EVIDENCE:
        return frozenset((e.root_cause, e.kind, e.ref) for e in value)
    return value


def fields_for(scores: Sequence[str], labels: Sequence[Label]) -> tuple[str, ...]:
    names = list(dict.fromkeys([*scores, *sorted({s for label in labels for s in label.scores} - set(scores))]))
    return (VERDICT, ROOT_CAUSES, *(SCORE_PREFIX + n for n in names), CORRECTED, COMMENT, ESCALATE, EVIDENCE)


def load_dispute(workspace: Workspace, case_rowid: int, case_id: str) -> Dispute:
    """The case's reviewer labels, from its events (renamed causes read as today's)."""
    with workspace.session() as session:
        conn = session.connection()
        stored = label_log.events_of(conn, [case_rowid])[case_rowid]
        taxonomy = label_schemas.latest(conn)
    events = label_log.read_events(taxonomy, (e.event for e in stored))
    folded = team.case_labels(events)
    spent: dict[str, float] = {}
    for event in events:
        if event.kind == "label" and event.seconds_spent is not None:
            owner = event.label_of or event.reviewer
            spent[owner] = spent.get(owner, 0.0) + event.seconds_spent
    reviewers = tuple(ReviewerLabel(name, label, spent.get(name)) for name, label in sorted(folded.by_reviewer.items()))
    return Dispute(
        case_rowid=case_rowid,
        case_id=case_id,
        resolution=folded.resolution,
        reviewers=reviewers,
        fields=fields_for(taxonomy.active_scores, [r.label for r in reviewers]),
        adjudication=folded.adjudication,
    )


def take(dispute: Dispute, index: int) -> Label:
    """Reviewer ``index``'s label whole (refused if they gave no verdict, as the CLI refuses)."""
    if not 0 <= index < len(dispute.reviewers):
        raise LabelError(f"case {dispute.case_id} has {len(dispute.reviewers)} reviewer label(s), not {index + 1}")
    taken = dispute.reviewers[index]
    if taken.label.verdict is None:
        raise LabelError(f"{taken.reviewer} has no verdict on case {dispute.case_id}: their label cannot be taken")
    return _plain(taken.label)


def compose(dispute: Dispute, picks: Mapping[str, int]) -> Label:
    """The decision built from ``picks`` (field → reviewer index); see the module docstring."""
    values: dict[str, Any] = {}
    for field in dispute.fields:
        if field in picks:
            values[field] = dispute.value(field, picks[field])
        elif dispute.agreed(field):
            values[field] = dispute.value(field, 0)
    scores = {
        f.removeprefix(SCORE_PREFIX): v for f in dispute.fields if f.startswith(SCORE_PREFIX) and (v := values.get(f))
    }
    return Label(
        verdict=values.get(VERDICT),
        root_causes=list(values.get(ROOT_CAUSES) or []),
        scores=scores,
        corrected_output=values.get(CORRECTED),
        comment=values.get(COMMENT),
        escalate=bool(values.get(ESCALATE)),
        evidence=[Evidence.model_validate(e.model_dump()) for e in values.get(EVIDENCE) or []],
    )


def missing_picks(dispute: Dispute, picks: Mapping[str, int]) -> list[str]:
    """The fields a composed decision still needs: differing verdict or root causes not picked."""
    return [f for f in MUST_PICK if f not in picks and dispute.differs(f)]


def _plain(label: Label) -> Label:
    return Label.model_validate(label.model_dump(exclude={"reviewer", "labeled_at", "schema_version"}))


def decide(
    workspace: Workspace,
    dispute: Dispute,
    decision: Label,
    *,
    adjudicator: str,
    seconds_spent: float | None = None,
) -> CaseLabels:
    """Record ``decision`` as the case's adjudication, settling every reviewer shown."""
    return label_service.record_adjudication(
        workspace,
        dispute.case_id,
        decision,
        adjudicator=adjudicator,
        settles=dispute.settles,
        seconds_spent=seconds_spent,
    )
