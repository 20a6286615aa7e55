"""Recording labels: each change is one append-only event, and the current labels are folded from them.

Each reviewer has their own label of a case; the case's resolved label follows from them by the
rule in ``domain.team`` (docs/team-review.md). The event and the rebuilt labels are written in
one transaction, so a crash either keeps the change whole or leaves the previous labels;
nothing acknowledged is ever lost.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

from reviewdesk.domain import team
from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import (
    ConnectionLostError,
    LabelError,
    PermissionRefusedError,
    WorkspaceError,
    WorkspaceLockedError,
)
from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import SCORE_RANGE, Evidence, Label, LabelChange
from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.domain.team import CaseLabels, LabelEvent
from reviewdesk.services import roles
from reviewdesk.services.cases import resolve_case
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import label_history as storage_history
from reviewdesk.storage import label_log, label_schemas, label_write, postgres
from reviewdesk.storage.engine import single_reads, writing
from reviewdesk.storage.governance import get_setting
from reviewdesk.storage.label_history import RecordedEvent

PACKAGE_REVIEWER_KEY = "package.reviewer"
"""The setting a review package names its reviewer under (``services.packages``)."""


def default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        return "reviewer"


def package_reviewer(workspace: Workspace) -> str | None:
    """The reviewer a review package was made for (``None``: not a package)."""
    with workspace.session() as session:
        name = get_setting(session.connection(), PACKAGE_REVIEWER_KEY)
    return str(name) if name else None


def workspace_reviewer(workspace: Workspace) -> str:
    """Who labels here by default: the database user on PostgreSQL (the only name the database
    accepts from a reviewer), else a review package's reviewer, else the login name."""
    user = roles.identity(workspace).user
    if user is not None:
        return user
    return package_reviewer(workspace) or default_reviewer()


def current_taxonomy(workspace: Workspace) -> Taxonomy:
    """The newest label-schema version, parsed (retired and renamed causes included)."""
    with workspace.engine.connect() as conn:
        return label_schemas.latest(conn)


def validate_change(
    taxonomy: Taxonomy, change: LabelChange, *, current: Label | None = None, allow_retired: bool = False
) -> None:
    """Refuse unknown root causes and scores, scores out of range, and retired names a label gains.

    A retired root cause or score may stay on a label that has it (``current``), so toggling
    another cause on an old label still works; ``allow_retired`` (restores, adjudications)
    accepts what reviewers already chose.
    """
    offered = ", ".join(rc.id for rc in taxonomy.active)
    unknown = [rc for rc in change.root_causes or [] if taxonomy.find(rc) is None]
    if unknown:
        raise LabelError(f"unknown root cause(s) {', '.join(unknown)}; valid: {offered}")
    known_scores = {s.name for s in taxonomy.scores}
    for name, value in (change.scores or {}).items():
        if taxonomy.current_score(name) not in known_scores:
            raise LabelError(f"unknown score {name!r}; valid: {', '.join(taxonomy.active_scores)}")
        low, high = SCORE_RANGE
        if not low <= value <= high:
            raise LabelError(f"score {name}={value} is out of range {low}–{high}")
    for evidence in change.evidence or []:
        if taxonomy.find(evidence.root_cause) is None:
            raise LabelError(f"evidence names unknown root cause {evidence.root_cause!r}")
    if allow_retired:
        return
    had_causes = set(current.root_causes) if current else set()
    had_scores = set(current.scores) if current else set()
    retired = {rc.id for rc in taxonomy.retired}
    gained = [rc for rc in change.root_causes or [] if taxonomy.current_id(rc) in retired and rc not in had_causes]
    if gained:
        raise LabelError(
            f"root cause(s) {', '.join(gained)} retired in label schema v{taxonomy.version}: "
            f"old labels keep them, new ones cannot have them; offered: {offered}"
        )
    retired_scores = set(taxonomy.retired_scores)
    gained = [n for n in change.scores or {} if taxonomy.current_score(n) in retired_scores and n not in had_scores]
    if gained:
        raise LabelError(f"score(s) {', '.join(gained)} retired in label schema v{taxonomy.version}")


def _names_retired(taxonomy: Taxonomy, change: LabelChange) -> bool:
    retired = {rc.id for rc in taxonomy.retired} | set(taxonomy.retired_scores)
    named = [taxonomy.current_id(rc) for rc in change.root_causes or []]
    named += [taxonomy.current_score(n) for n in change.scores or {}]
    return bool(retired.intersection(named))


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
    events (``storage.label_write``), and written with the event. A connection the server dropped is
    answered by trying once more on a fresh one; the second try first looks for the event the
    first one made, which is there if only the acknowledgement of its commit was lost.
    """
    _labels_as_self(workspace, reviewer)
    who = reviewer or roles.identity(workspace).user or default_reviewer()
    made: list[LabelEvent] = []
    for attempt in (1, 2):
        try:
            folded = _write_label(workspace, case_ref, change, who=who, seconds_spent=seconds_spent, made=made)
        except ConnectionLostError:
            if attempt == 2:
                raise
        else:
            return folded.by_reviewer[who], Changes(labels=True, cases=True)
    raise AssertionError("unreachable")


def _labels_as_self(workspace: Workspace, reviewer: str | None) -> None:
    """On a team workspace a label is the connected login's own (ADR 0012), whatever its role.

    The database refuses a reviewer's event under another name (row-level security, with its own
    message), but an engineer or admin may insert any event (merges need that), so only this check
    keeps the name true when they label with ``--reviewer`` naming someone else."""
    who = roles.identity(workspace)
    if who.bound and who.can_assign and reviewer is not None and reviewer != who.user:
        raise PermissionRefusedError(
            f"on {workspace.location} a label is the connected login's: {who.user} cannot label as"
            f" {reviewer}, so nothing was written (leave out --reviewer)"
        )


_CONFLICT_TRIES = 50
"""Reads and folds again this many times if another writer keeps changing the case in between."""


def _write_label(
    workspace: Workspace,
    case_ref: str,
    change: LabelChange,
    *,
    who: str,
    seconds_spent: float | None,
    made: list[LabelEvent],
) -> CaseLabels:
    """One try of ``record_label``: ``made`` holds the event an earlier try appended (or tried to).

    Read the case's events outside any transaction, fold, append if nothing changed in between
    (``storage.label_write``): the case's lock is held only while the append runs.
    """
    rowid: int | None = None
    for _ in range(_CONFLICT_TRIES):
        # After a lost connection, the events themselves: is the earlier try's event among them?
        seen, schema = _seen(workspace, case_ref, rowid, events=bool(made))
        rowid = seen.case_rowid
        if made and any(e.event.event_id == made[0].event_id for e in seen.events):
            return seen.labels(schema)  # the earlier try committed; only its answer was lost
        read = _checked_change(schema, change)
        if _names_retired(schema, read):
            validate_change(schema, read, current=seen.labels(schema).by_reviewer.get(who))
        event = LabelEvent(
            event_id=uuid7(after=seen.last_event_id),
            at=datetime.now(UTC),
            reviewer=who,
            change=read,
            schema_version=schema.version,
            seconds_spent=seconds_spent,
            label_of=who,
        )
        made[:] = [event]
        with label_write.appending(workspace.engine) as conn:
            folded = label_write.append_if_unchanged(conn, seen, event, schema)
        if folded is not None:
            return folded
    raise WorkspaceLockedError(
        f"{workspace.location}: the case changed {_CONFLICT_TRIES} times while this label was saved; nothing"
        " was written, try again",
        holder="other reviewers",
    )


def _seen(
    workspace: Workspace, case_ref: str, rowid: int | None, *, events: bool = False
) -> tuple[label_write.SeenCase, Taxonomy]:
    """The case as it is now (one query, outside any transaction) and the taxonomy it is folded with."""
    with single_reads(workspace.engine) as conn:
        seen = label_write.read_case(conn, case_ref, case_rowid=rowid, with_events=events)
        if seen is not None:
            return seen, label_schemas.taxonomy_of(conn, seen.schema)
    if rowid is None:  # a trace id or a prefix of one
        return _seen(workspace, case_ref, resolve_case(workspace, case_ref), events=events)
    raise WorkspaceError(f"{workspace.location} has no label schema")


def _checked_change(schema: Taxonomy, change: LabelChange) -> LabelChange:
    read = schema.read_change(change)  # a former id (before a rename) names today's cause
    validate_change(schema, read, allow_retired=True)
    return read


def record_adjudication(
    workspace: Workspace,
    case_ref: str,
    label: Label,
    *,
    adjudicator: str | None = None,
    settles: tuple[str, ...] = (),
    seconds_spent: float | None = None,
) -> CaseLabels:
    """Record an adjudicator's decision on a case: the resolved label becomes ``label`` (``adjudicated``)."""
    schema = current_taxonomy(workspace)
    change = schema.read_change(full_change(label))
    validate_change(schema, change, allow_retired=True)
    if change.verdict is None:
        raise LabelError("an adjudication needs a verdict")
    return _append_adjudication(
        workspace,
        case_ref,
        change,
        schema_version=schema.version,
        adjudicator=adjudicator,
        settles=settles,
        seconds_spent=seconds_spent,
    )


def withdraw_adjudication(
    workspace: Workspace, case_ref: str, *, adjudicator: str | None = None, settles: tuple[str, ...] = ()
) -> CaseLabels:
    """Withdraw the case's decision (undo of an adjudication): an adjudication event without a verdict.

    The case resolves from its reviewers' labels again (``disputed`` if they still disagree); the
    decision stays in the log, as every event does.
    """
    schema = current_taxonomy(workspace)
    return _append_adjudication(
        workspace, case_ref, LabelChange(), schema_version=schema.version, adjudicator=adjudicator, settles=settles
    )


def _append_adjudication(
    workspace: Workspace,
    case_ref: str,
    change: LabelChange,
    *,
    schema_version: int,
    adjudicator: str | None,
    settles: tuple[str, ...],
    seconds_spent: float | None = None,
) -> CaseLabels:
    case_rowid = resolve_case(workspace, case_ref)
    _may_adjudicate(workspace, adjudicator)
    who = adjudicator or roles.identity(workspace).user or default_reviewer()
    with writing(), postgres.one_case(case_rowid), workspace.session() as session, session.begin():
        conn = session.connection()
        event = LabelEvent(
            event_id=uuid7(after=label_log.latest_event_id(conn, case_rowid)),
            at=datetime.now(UTC),
            reviewer=who,
            change=change,
            schema_version=schema_version,
            seconds_spent=seconds_spent,
            kind="adjudication",
            settles=tuple(sorted(settles)),
        )
        label_log.append_events(conn, [(case_rowid, event)])
        return label_log.rebuild(conn, [case_rowid])[case_rowid]


def _may_adjudicate(workspace: Workspace, adjudicator: str | None) -> None:
    """Refuse, before anything is sent, what the database would refuse or should: on a team
    workspace only engineers and admins decide, and under their own login (ADR 0012). The
    database's policy would refuse a reviewer too, but in words about label events; an engineer
    may insert any event (merges need that), so only this check keeps the decider's name true."""
    who = roles.identity(workspace)
    if not who.bound:  # SQLite, the tables' owner, a superuser: no roles bind them
        return
    if not who.can_assign:
        raise PermissionRefusedError(
            f"{who.user} is a {who.role} on {workspace.location}: adjudicating needs the engineer or admin"
            f" role, so nothing was written. A workspace admin can give it (reviewdesk team add-user {who.user}"
            " --role engineer)"
        )
    if adjudicator is not None and adjudicator != who.user:
        raise PermissionRefusedError(
            f"on {workspace.location} the adjudicator is the connected login: {who.user} cannot decide as"
            f" {adjudicator}, so nothing was written (leave out --adjudicator)"
        )


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
        conn = session.connection()
        events = label_log.events_of(conn, [case_rowid])[case_rowid]
        taxonomy = label_schemas.latest(conn)
    return team.case_labels(label_log.read_events(taxonomy, (e.event for e in events)))


def label_history(workspace: Workspace, case_ref: str) -> list[RecordedEvent]:
    """The case's events in the order they fold in (event id: time order), as recorded."""
    case_rowid = resolve_case(workspace, case_ref)
    with workspace.engine.connect() as conn:
        return storage_history.case_events(conn, case_rowid)
