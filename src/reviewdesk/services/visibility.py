"""Who is looking, and what of the other reviewers' work they may see (blind review).

The window asks here and nowhere else. A ``Viewer`` is the reviewer a window labels as — a review
package's reviewer, else the name in the settings, else the login name, as the CLI decides
(``services.labels.workspace_reviewer``) — with the workspace's blind setting and their role.

Blind review (``reviewdesk team blind on``, Edit → Preferences): a reviewer sees no other
reviewer's label, comment, score or evidence on a case until they have given a verdict of their
own — not in the label panel, the queue marks, the facets, the history, a search or the insights.
Adjudicators (``reviewdesk team adjudicators``) and anyone on a read-only workspace (risk owners)
see everything. The rule for a case is ``storage.queries.blinded_cases``; every reader below
applies it to what it returns, so the window never filters anything itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from reviewdesk.domain.labels import Label
from reviewdesk.domain.queries import CaseFilter, CaseSummary, Facets, smart_queue
from reviewdesk.services import audit, labels, review, roles
from reviewdesk.services.audit import AuditEntry
from reviewdesk.services.insights import CaseFacts, Insights, compute_insights, load_events, load_facts
from reviewdesk.services.insights.picture import insights_from
from reviewdesk.services.packages import BLIND_KEY
from reviewdesk.services.review import CaseDetail
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import governance, label_log, queries

ADJUDICATORS_KEY = "team.adjudicators"

Role = Literal["reviewer", "adjudicator", "read-only"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """The reviewer a window labels as, and what they may see."""

    name: str
    role: Role = "reviewer"
    blind: bool = False
    """The workspace's blind-review setting (whatever the role)."""
    from_package: bool = False
    """The name is a review package's reviewer (labels are recorded under it, whatever the settings say)."""
    login_role: str | None = None
    """On a team (PostgreSQL) workspace: the login's reviewdesk role (``reviewer``, ``risk`` …)."""

    @property
    def blinded(self) -> bool:
        """Other reviewers' labels are hidden from this viewer until they give their own verdict."""
        return self.blind and self.role == "reviewer"

    @property
    def blind_for(self) -> str | None:
        return self.name if self.blinded else None

    @property
    def shown(self) -> str:
        """``Reviewer: rev1 (review package) · blind review`` (``Reviewer: alice · reviewer`` for a
        team login) for the status bar."""
        if self.login_role is not None:
            return f"Reviewer: {self.name} · {self.login_role}" + (" · blind review" if self.blind else "")
        notes = ["review package"] if self.from_package else []
        if self.role != "reviewer":
            notes.append(self.role)
        text = f"Reviewer: {self.name}" + (f" ({', '.join(notes)})" if notes else "")
        return text + (" · blind review" if self.blind else "")


def viewer(workspace: Workspace, preferred: str | None = None) -> Viewer:
    """Who labels in a window on ``workspace``: on a team (PostgreSQL) workspace the database login,
    else a package's reviewer, else ``preferred``, else the login name.

    A risk owner's login, like a read-only workspace, reads everything; so do the workspace's
    adjudicators and the logins that may adjudicate (engineers, admins, the owner).
    """
    member = roles.identity(workspace)
    package_name = labels.package_reviewer(workspace)
    name = (member.user if member.bound else None) or package_name or (preferred or "").strip()
    name = name or labels.default_reviewer()
    with workspace.session() as session:
        conn = session.connection()
        blind = bool(governance.get_setting(conn, BLIND_KEY))
        judges = _names(governance.get_setting(conn, ADJUDICATORS_KEY))
    role: Role = "reviewer"
    if workspace.read_only or (member.bound and not member.can_label):
        role = "read-only"
    elif name in judges or (member.bound and member.can_assign):
        role = "adjudicator"
    login_role = (member.role or "no reviewdesk role") if member.user is not None else None
    return Viewer(name=name, role=role, blind=blind, from_package=package_name is not None, login_role=login_role)


def _names(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def adjudicators(workspace: Workspace) -> tuple[str, ...]:
    with workspace.session() as session:
        return _names(governance.get_setting(session.connection(), ADJUDICATORS_KEY))


def set_adjudicators(workspace: Workspace, names: Sequence[str], *, actor: str | None = None) -> tuple[str, ...]:
    """Who may see every label under blind review (and settle disputes); audited as a settings change."""
    team = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
    with workspace.session() as session, session.begin():
        conn = session.connection()
        governance.put_setting(conn, ADJUDICATORS_KEY, list(team), datetime.now(UTC))
        audit.record(workspace, "settings", ADJUDICATORS_KEY, {"adjudicators": list(team)}, conn=conn, actor=actor)
    return team


# --- what the window reads, as this viewer may see it ---------------------------------------------
def queue_filter(who: Viewer, queue_id: str) -> CaseFilter:
    """A smart queue's filter for this viewer (``mine``: theirs), under their blind rule."""
    return smart_queue(queue_id).filter_for(who.name).with_(blind_for=who.blind_for)


def for_viewer(flt: CaseFilter, who: Viewer | None) -> CaseFilter:
    """``flt`` under the viewer's blind rule (a search of all cases too)."""
    return flt if who is None else flt.with_(blind_for=who.blind_for)


def summaries(workspace: Workspace, rowids: list[int], who: Viewer | None) -> dict[int, CaseSummary]:
    """Queue rows; a case the viewer may not see the labels of shows their own verdict (or none)."""
    found = review.summaries(workspace, rowids)
    if who is None or not who.blinded or not found:
        return found
    with workspace.session() as session:
        hidden = queries.blinded_among(session, who.name, list(found))
        own = label_log.reviewer_labels(session.connection(), sorted(hidden)) if hidden else {}
    for rowid in hidden:
        mine = own.get(rowid, {}).get(who.name)
        found[rowid] = replace(
            found[rowid],
            verdict=mine.verdict if mine else None,
            root_causes=tuple(mine.root_causes) if mine else (),
            escalate=mine.escalate if mine else False,
        )
    return found


def facets(workspace: Workspace, who: Viewer | None) -> Facets:
    with workspace.session() as session:
        return queries.facets(session, blind_for=who.blind_for if who else None)


def is_hidden(workspace: Workspace, case_rowid: int, who: Viewer | None) -> bool:
    """Whether the other reviewers' labels of this case are hidden from the viewer now."""
    if who is None or not who.blinded:
        return False
    with workspace.session() as session:
        return bool(queries.blinded_among(session, who.name, [case_rowid]))


def detail(workspace: Workspace, case_rowid: int, who: Viewer | None) -> CaseDetail:
    """The case for the case view and the label panel: its label is the viewer's own (None when they
    have none), since their keys change that one; the other reviewers' labels are ``others``, apart.
    A read-only viewer labels nothing, so they see the resolved label.

    Showing another reviewer's label as the viewer's made a key equal to its verdict look like a
    no-op (F on a case someone else failed wrote nothing), so the viewer's own label was never made.
    """
    found = review.load_detail(workspace, case_rowid)
    if who is None:
        return found
    with workspace.session() as session:
        own = label_log.reviewer_labels(session.connection(), [case_rowid])[case_rowid].get(who.name)
    hidden = is_hidden(workspace, case_rowid, who)
    if who.role != "read-only":
        found.case.labels = own
    if hidden:
        found = replace(found, history=[h for h in found.history if h.reviewer == who.name])
    return found


@dataclass(frozen=True, slots=True)
class Others:
    """The other reviewers' labels of a case as the viewer may see them."""

    labels: dict[str, Label]
    """By reviewer; empty while hidden."""
    hidden: bool = False
    """Blind review hides them until the viewer gives their own verdict."""


def others(workspace: Workspace, case_rowid: int, who: Viewer | None) -> Others:
    """The other reviewers' labels of a case, by reviewer — none while they are hidden from the viewer."""
    with workspace.session() as session:
        found = label_log.reviewer_labels(session.connection(), [case_rowid])[case_rowid]
    if who is None:
        return Others(found)
    if is_hidden(workspace, case_rowid, who):
        return Others({}, hidden=True)
    return Others({name: label for name, label in found.items() if name != who.name})


def history(workspace: Workspace, case_id: str, case_rowid: int, who: Viewer | None) -> list[AuditEntry]:
    """The case's audit trail; while the others' labels are hidden, the viewer's own events only."""
    found = audit.entries(workspace, case_ref=case_id)
    if is_hidden(workspace, case_rowid, who):
        assert who is not None
        return [e for e in found if e.action != "label" or e.actor == who.name]
    return found


def my_progress(workspace: Workspace, who: Viewer) -> tuple[int, int]:
    """``(done, assigned)`` of the viewer's assignment: the My queue's "n of N done"."""
    with workspace.session() as session:
        return label_log.assignment_progress(session.connection(), who.name)


def insights(workspace: Workspace, flt: CaseFilter | None, who: Viewer | None) -> Insights:
    """The insights as the viewer may see them: under blind review, the cases whose labels are
    hidden from them count as unreviewed and their label events are not theirs to see."""
    if who is None or not who.blinded:
        return compute_insights(workspace, flt)
    scope = for_viewer(flt or CaseFilter(), who)
    with workspace.session() as session:
        hidden = queries.blinded_set(session, who.name)
    facts = [_unlabeled(f) if f.case_rowid in hidden else f for f in load_facts(workspace, scope)]
    hidden_ids = {f.case_id for f in facts if f.case_rowid in hidden}
    events = [e for e in load_events(workspace, facts) if e.case_id not in hidden_ids or e.reviewer == who.name]
    return insights_from(workspace, facts, events, flt=scope)


def _unlabeled(facts: CaseFacts) -> CaseFacts:
    return replace(
        facts,
        verdict=None,
        root_causes=(),
        evidence=(),
        comment=None,
        corrected_output=False,
        escalate=False,
        reviewer=None,
        labeled_at=None,
        disputed=False,
    )
