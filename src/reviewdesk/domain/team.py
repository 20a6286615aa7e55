"""Team review: each reviewer's label of a case, and the resolved label the rest of the app uses.

Every label event belongs to one reviewer's label (``label_of``) or is an adjudication. A case's
labels are rebuilt by folding its events in event-id order (UUIDv7: time order, the same in
every workspace), so merging the same events in any order gives the same labels. The rule that
turns the reviewers' labels into the one resolved label (docs/team-review.md):

* ``adjudicated``: an adjudicator decided; the resolved label is the latest decision, whatever
  the reviewers changed afterwards (a decision stands until a newer one; a newer adjudication
  without a verdict withdraws it);
* otherwise only reviewers whose label has a verdict take part;
* none: no resolution, the case is unreviewed (the resolved label is the latest reviewer label,
  so a lone comment is still shown);
* one: ``single``, the resolved label is that reviewer's label;
* several agreeing on the verdict and on the set of root causes: ``consensus``, the resolved
  label is the most recently changed of their labels (scores, comments and corrected outputs
  may differ; the latest stands for the case);
* several disagreeing: ``disputed``, the resolved label has no verdict, no root causes and no
  scores (there is nothing yet to count), and is escalated if any reviewer escalated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from reviewdesk.domain.labels import Label, LabelChange

Resolution = Literal["single", "consensus", "disputed", "adjudicated"]
RESOLUTIONS: tuple[Resolution, ...] = ("single", "consensus", "disputed", "adjudicated")
RESOLVED_STATES: tuple[Resolution, ...] = ("single", "consensus", "adjudicated")
"""The states whose resolved label has a decided verdict (``--resolved-only`` keeps these)."""
EventKind = Literal["label", "adjudication"]


@dataclass(frozen=True, slots=True)
class LabelEvent:
    """One label event as the log holds it, independent of any workspace's row ids."""

    event_id: str
    """UUIDv7: globally unique and time-ordered; the event's identity in merges."""
    at: datetime
    reviewer: str
    """Who made the change (the adjudicator for an adjudication)."""
    change: LabelChange
    schema_version: int
    seconds_spent: float | None = None
    kind: EventKind = "label"
    label_of: str | None = None
    """Whose label the change applies to (``None`` for an adjudication). Usually ``reviewer``;
    events from before team review all belong to the label's last reviewer."""
    settles: tuple[str, ...] = ()
    """For an adjudication: the reviewers whose labels it settled."""


@dataclass(frozen=True, slots=True)
class CaseLabels:
    """Everything a case's events fold into."""

    by_reviewer: dict[str, Label]
    adjudication: Label | None
    resolved: Label | None
    resolution: Resolution | None


_EMPTY_LABEL: dict[str, Any] = Label().model_dump()


def _set_fields(change: LabelChange) -> dict[str, Any]:
    # The fields the change set, as they are: no serialisation here, the fold validates once at the end.
    return {name: getattr(change, name) for name in change.model_fields_set}


def fold(events: Iterable[LabelEvent]) -> tuple[dict[str, Label], Label | None]:
    """Each reviewer's label and the latest adjudication, folded in event-id order.

    The same result as ``apply_change`` event after event, but the fold runs on plain dicts and
    each label is validated once, at the end: a merge refolds tens of thousands of cases, and a
    validation per event was most of its time.
    """
    states: dict[str, dict[str, Any]] = {}
    decision: dict[str, Any] | None = None
    for event in sorted(events, key=lambda e: e.event_id):
        stamp = {"reviewer": event.reviewer, "labeled_at": event.at, "schema_version": event.schema_version}
        if event.kind == "adjudication":
            decided = {**_EMPTY_LABEL, **_set_fields(event.change), **stamp}
            # An adjudication without a verdict withdraws the decision (the window's undo of one):
            # the case resolves from its reviewers' labels again, and the log keeps both events.
            decision = decided if decided.get("verdict") is not None else None
            continue
        owner = event.label_of or event.reviewer
        state = states.setdefault(owner, dict(_EMPTY_LABEL))
        state.update(_set_fields(event.change))
        state.update(stamp)
    by_reviewer = {owner: Label.model_validate(state) for owner, state in states.items()}
    return by_reviewer, None if decision is None else Label.model_validate(decision)


def _sort_key_time(label: Label) -> float:
    return label.labeled_at.timestamp() if label.labeled_at else 0.0


def agree(labels: Iterable[Label]) -> bool:
    """Whether labels agree on the verdict and on the set of root causes."""
    keys = {(label.verdict, frozenset(label.root_causes)) for label in labels}
    return len(keys) <= 1


def resolve(by_reviewer: Mapping[str, Label], adjudication: Label | None) -> CaseLabels:
    """The resolved label and resolution state of a case (the rule in this module's docstring)."""
    reviewers = dict(by_reviewer)
    if adjudication is not None:
        return CaseLabels(reviewers, adjudication, adjudication, "adjudicated")
    if not reviewers:
        return CaseLabels(reviewers, None, None, None)
    ordered = sorted(reviewers.items(), key=lambda item: (_sort_key_time(item[1]), item[0]))
    voting = [(name, label) for name, label in ordered if label.verdict is not None]
    if not voting:
        return CaseLabels(reviewers, None, ordered[-1][1], None)
    if len(voting) == 1:
        return CaseLabels(reviewers, None, voting[0][1], "single")
    if agree(label for _, label in voting):
        return CaseLabels(reviewers, None, voting[-1][1], "consensus")
    latest = voting[-1][1]
    disputed = Label(
        escalate=any(label.escalate for _, label in voting),
        labeled_at=latest.labeled_at,
        schema_version=max(label.schema_version for _, label in voting),
    )
    return CaseLabels(reviewers, None, disputed, "disputed")


def fold_onto(labels: CaseLabels, event: LabelEvent) -> CaseLabels:
    """``case_labels`` of a case's events and ``event`` after them (its id past all of theirs),
    from what those events folded into (``labels``): a label write folds one event, not the whole
    history of the case again. The same steps as ``fold``'s for that event."""
    by_reviewer = dict(labels.by_reviewer)
    adjudication = labels.adjudication
    stamp = {"reviewer": event.reviewer, "labeled_at": event.at, "schema_version": event.schema_version}
    if event.kind == "adjudication":
        decided = {**_EMPTY_LABEL, **_set_fields(event.change), **stamp}
        adjudication = Label.model_validate(decided) if decided.get("verdict") is not None else None
    else:
        owner = event.label_of or event.reviewer
        current = by_reviewer.get(owner)
        state = dict(_EMPTY_LABEL) if current is None else current.model_dump()
        state.update(_set_fields(event.change))
        state.update(stamp)
        by_reviewer[owner] = Label.model_validate(state)
    return resolve(by_reviewer, adjudication)


def case_labels(events: Iterable[LabelEvent]) -> CaseLabels:
    """Fold and resolve: what a case's label tables hold, from its events alone."""
    by_reviewer, adjudication = fold(events)
    return resolve(by_reviewer, adjudication)
