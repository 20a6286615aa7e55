"""Other reviewers' labels and progress in the window of a shared (PostgreSQL) workspace.

Every ``POLL_MS`` the window asks, on a worker thread, for the workspace's change counter
(``services.team_sync``); when another reviewer labeled cases, their queue rows are re-read and,
if the shown case is one of them and nothing is being typed for it, its label and history too.
The reviewer's place in the queue is kept. A SQLite workspace is not polled (one person's file).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.services import team_sync, visibility
from reviewdesk.services.team_sync import Stamp, TeamChanges

if TYPE_CHECKING:
    from reviewdesk.ui.window_base import WindowBase

log = logging.getLogger(__name__)


class TeamSync(QObject):
    """See the module docstring."""

    def __init__(self, window: WindowBase) -> None:
        super().__init__(window)
        self.window = window
        self._stamp: Stamp | None = None
        self._generation = -1
        self._asking = False
        self.timer = QTimer(self)
        self.timer.setInterval(team_sync.POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def poll(self) -> None:
        window = self.window
        if not window.workspace.on_server or self._asking:
            return
        workspace, generation, me = window.workspace, window._workspace_generation, window.session.reviewer
        previous = self._stamp if generation == self._generation else None

        def ask() -> TeamChanges:
            if previous is None:  # a newly opened workspace: only where it stands now
                return TeamChanges(team_sync.current_stamp(workspace))
            return team_sync.changes_since(workspace, previous, me=me)

        def done(found: TeamChanges) -> None:
            self._asking = False
            if generation != window._workspace_generation:
                return  # another workspace was opened meanwhile
            self._stamp, self._generation = found.stamp, generation
            if found.any:
                show_changes(window, found)

        def failed(exc: BaseException, details: str) -> None:
            self._asking = False
            log.debug("polling the team workspace failed: %s\n%s", exc, details)

        self._asking = True
        window.runner.read(ask).success(done).failure(failed).run()


def show_changes(window: WindowBase, found: TeamChanges) -> None:
    """Re-read the rows (and the shown case) other reviewers changed."""
    shown = window.current_case_rowid
    for rowid in found.case_rowids:
        window._details.pop(rowid, None)
        window.on_changes(Changes(labels=True), case_rowid=rowid)
    if shown is not None and shown in found.case_rowids and window.label_panel.pending_text_change() is None:
        try:
            detail = visibility.detail(window.workspace, shown, window.viewer)  # blind review holds here too
        except ReviewdeskError as exc:
            log.warning("re-reading case %s failed: %s", shown, exc)
            return
        window._detail = detail
        window.label_panel.show_case(
            detail.case.labels, detail.case.generation.output, window._audit(detail.case.case_id, shown)
        )
        window._show_others(shown)
    if found.case_rowids:
        window.statusBar().showMessage(f"Other reviewers changed {len(found.case_rowids)} case(s).", 4000)
