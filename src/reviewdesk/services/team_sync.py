"""What other reviewers changed in a shared workspace since the window last looked.

The window asks every second (``ui.team_sync``); the answer is the new change counter and the
cases whose labels others changed, so it re-reads those rows only (the reviewer's place in the
queue and any text being typed are kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import change_feed
from reviewdesk.storage.change_feed import Stamp

__all__ = ["POLL_MS", "Stamp", "TeamChanges", "changes_since", "current_stamp"]

POLL_MS = 1000
"""How often the window asks: others' labels show within about twice this."""


@dataclass(frozen=True, slots=True)
class TeamChanges:
    stamp: Stamp
    case_rowids: list[int] = field(default_factory=list)
    """Cases whose labels other reviewers changed since the previous stamp."""
    claims_changed: bool = False

    @property
    def any(self) -> bool:
        return bool(self.case_rowids) or self.claims_changed


def current_stamp(workspace: Workspace) -> Stamp:
    with workspace.engine.connect() as conn:
        return change_feed.stamp(conn)


def changes_since(workspace: Workspace, previous: Stamp, *, me: str | None) -> TeamChanges:
    """The new stamp and what moved since ``previous`` (nothing read beyond the stamp if nothing did)."""
    with workspace.engine.connect() as conn:
        now = change_feed.stamp(conn)
        if now == previous:
            return TeamChanges(now)
        rowids = change_feed.cases_changed_since(conn, previous[0], not_by=me) if now[0] != previous[0] else []
    return TeamChanges(now, rowids, claims_changed=now[1] != previous[1])
