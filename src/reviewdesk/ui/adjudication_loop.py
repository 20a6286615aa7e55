"""The adjudication half of the review loop: settle disputed cases from the keyboard.

When the case on screen is disputed, the right-hand side shows the adjudication view (every
reviewer's label side by side) instead of the label panel; A shows it for any case two or more
reviewers labeled, and puts the keyboard in its table to compose a decision field by field.
While it is shown, 1–9 take reviewer n's label whole and Ctrl+Enter records the composed
decision; the label panel's own keys (P, F, U, 0, X, S, E, C, V) are off, so no key writes the
adjudicator's own label by mistake. A decision is one adjudication event written at once through
``ReviewSession.adjudicate`` (the service the CLI's ``adjudicate`` uses), undone by Ctrl+Z like
any label change. Then the case leaves the Disputed queue and the next disputed case is shown.

Who adjudicates: on a team workspace, a role that may (``roles.Identity.can_assign``: admins,
engineers and the owner); other reviewers see their label panel on a disputed case, and A says
why not. On SQLite every user may (as with ``reviewdesk adjudicate --adjudicator``). A read-only
workspace refuses.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtWidgets import QStackedWidget

from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import LabelError, ReviewdeskError
from reviewdesk.domain.labels import Label
from reviewdesk.domain.queries import smart_queue
from reviewdesk.services import adjudication, review
from reviewdesk.services.adjudication import Dispute
from reviewdesk.services.review import LabelResult
from reviewdesk.services.workspace import WINDOW_LOCK_WAIT_MS, write_now
from reviewdesk.ui.actions import KEYED_ROOT_CAUSES, ROOT_CAUSE_ACTIONS, ActionId
from reviewdesk.ui.errors import show_error
from reviewdesk.ui.review_loop import ReviewLoop
from reviewdesk.ui.views.adjudication_view import AdjudicationView
from reviewdesk.ui.views.recent_strip import Decision

log = logging.getLogger(__name__)

LABEL_PANEL_ACTIONS: tuple[ActionId, ...] = (
    ActionId.PASS,
    ActionId.FAIL,
    ActionId.UNSURE,
    ActionId.MORE_ROOT_CAUSES,
    ActionId.ESCALATE,
    ActionId.SCORES,
    ActionId.EDIT_CORRECTED,
    ActionId.EDIT_COMMENT,
    ActionId.EVIDENCE,
    *ROOT_CAUSE_ACTIONS[KEYED_ROOT_CAUSES:],
)
"""Keys that write the window reviewer's own label: off while adjudicating (1–9 pick a reviewer then)."""
SCAN_AHEAD = 2000
"""Rows looked through for the next disputed case in a queue that is not the Disputed queue."""
DISPUTED = "disputed"


class AdjudicationLoop(ReviewLoop):
    """See the module docstring."""

    side_stack: QStackedWidget
    adjudication_view: AdjudicationView
    _sizes_before_adjudication: list[int] | None
    _disputed_generation: int

    @property
    def adjudicating(self) -> bool:
        return self.side_stack.currentWidget() is self.adjudication_view

    # --- showing -------------------------------------------------------------------------------
    def _show_row(self, row: int) -> None:
        super()._show_row(row)
        detail = self._detail
        if detail is not None and detail.case.resolution == DISPUTED and self.identity.can_assign:
            self._open_adjudication()
        elif self.adjudicating:
            self._close_adjudication()

    def _open_adjudication(self) -> Dispute | None:
        detail = self._detail
        if detail is None:
            return None
        try:
            dispute = adjudication.load_dispute(self.workspace, detail.case_rowid, detail.case.case_id)
        except ReviewdeskError as exc:
            show_error(self, exc)
            return None
        if len(dispute.reviewers) < 2:
            return dispute
        self.adjudication_view.show_dispute(
            dispute, title=self.schema.title, describe_evidence=self.label_panel.describe_evidence
        )
        if not self.adjudicating:
            self._sizes_before_adjudication = self.splitter.sizes()
            self.side_stack.setCurrentWidget(self.adjudication_view)
            self._widen_side(len(dispute.reviewers))
            self._update_actions()
        return dispute

    def _widen_side(self, reviewers: int) -> None:
        # Side by side needs room: about 130 px a column, taken from the case view (kept >= 360 px).
        sizes = self.splitter.sizes()
        if len(sizes) != 3 or sum(sizes) == 0:
            return
        want = min(int(sum(sizes) * 0.46), 120 + 130 * (reviewers + 1))
        extra = min(want - sizes[2], sizes[1] - 360)
        if extra > 0:
            self.splitter.setSizes([sizes[0], sizes[1] - extra, sizes[2] + extra])

    def _close_adjudication(self) -> None:
        self.side_stack.setCurrentIndex(0)  # the label panel (with the guide)
        self.adjudication_view.clear()
        before, self._sizes_before_adjudication = self._sizes_before_adjudication, None
        if before is not None and sum(before) == sum(self.splitter.sizes()):
            self.splitter.setSizes(before)
        self._update_actions()

    def adjudicate(self) -> None:
        """A: the adjudication view for this case, with the keyboard in its table."""
        if self._detail is None or self._refuse_write("adjudicated"):
            return
        if not self.identity.can_assign:
            who = self.identity.shown or self.session.reviewer
            self.statusBar().showMessage(f"Not adjudicated: {who} may not adjudicate on this workspace.", 6000)
            return
        dispute = self.adjudication_view.dispute if self.adjudicating else self._open_adjudication()
        if dispute is None:
            return
        if len(dispute.reviewers) < 2:
            self.statusBar().showMessage(
                f"Case {dispute.case_id[:6]} has {len(dispute.reviewers)} reviewer label(s): nothing to adjudicate.",
                6000,
            )
            return
        self.adjudication_view.focus_table()

    def _leave_adjudication_table(self) -> None:
        """Esc in the table: back to the queue; a case that is not disputed gets its label panel back."""
        if self._detail is not None and self._detail.case.resolution != DISPUTED:
            self._close_adjudication()
        self.focus_review_surface()

    def _update_actions(self) -> None:
        super()._update_actions()
        if not self.identity.can_assign:
            self.action_map[ActionId.ADJUDICATE].setEnabled(False)
        if self.adjudicating:
            for action_id in LABEL_PANEL_ACTIONS:
                self.action_map[action_id].setEnabled(False)

    # --- keys routed here while adjudicating ---------------------------------------------------
    def toggle_root_cause_number(self, number: int) -> None:
        if self.adjudicating:
            self.take_reviewer(number)
        else:
            super().toggle_root_cause_number(number)

    def save_and_next(self) -> None:
        if self.adjudicating:
            self.confirm_decision()
        else:
            super().save_and_next()

    def take_reviewer(self, number: int) -> None:
        """1–9: reviewer ``number``'s label whole becomes the decision."""
        dispute = self.adjudication_view.dispute
        if dispute is None:
            return
        try:
            decision = adjudication.take(dispute, number - 1)
        except LabelError as exc:
            self.statusBar().showMessage(f"Not adjudicated: {exc}.", 6000)
            return
        self._record_decision(dispute, decision, f"taken from {dispute.reviewers[number - 1].reviewer}")

    def confirm_decision(self) -> None:
        """Ctrl+Enter: the decision composed in the table."""
        dispute = self.adjudication_view.dispute
        if dispute is None:
            return
        missing = self.adjudication_view.missing()
        if missing:
            self.statusBar().showMessage(
                f"Not adjudicated: pick the {' and the '.join(missing)} first (Enter on a reviewer's value).", 6000
            )
            return
        self._record_decision(dispute, self.adjudication_view.decision(), "composed")

    # --- writing -------------------------------------------------------------------------------
    def _record_decision(self, dispute: Dispute, decision: Label, how: str) -> None:
        if self._refuse_write("adjudicated") or not self.identity.can_assign:
            return
        now = time.monotonic()
        spent, self._last_mark = now - self._last_mark, now
        session = self.session

        def write() -> LabelResult:
            return session.adjudicate(
                dispute.case_rowid,
                dispute.case_id,
                decision,
                before=dispute.adjudication,
                settles=dispute.settles,
                seconds_spent=round(spent, 1),
            )

        try:
            result = write_now(write, wait_ms=WINDOW_LOCK_WAIT_MS)
        except LabelError as exc:
            self.statusBar().showMessage(f"Not adjudicated: {exc}.", 6000)
            return
        except ReviewdeskError as exc:
            show_error(self, exc)
            return
        self._details.pop(result.case_rowid, None)
        self._count_decision(result)
        self.on_changes(result.changes, case_rowid=result.case_rowid)
        self._update_undo_actions()
        # A decision is a decision: B goes back to it like to a label.
        self.queue_view.recent.note(
            Decision(result.case_rowid, result.case_id, result.label.verdict, result.label.escalate)
        )
        self.statusBar().showMessage(
            f"Adjudicated case {result.case_id[:6]}: verdict {result.label.verdict} ({how}). Ctrl+Z undoes.", 6000
        )
        self._to_next_disputed(result.case_rowid)

    def _count_decision(self, result: LabelResult) -> None:
        """The queue bar follows a decision, its undo and its redo ("2 adjudicated this session · 3 left"):
        a decided case has left the Disputed queue's rows, but it was one of them."""
        if self.model.row_of(result.case_rowid) is not None or self._in_disputed_queue():
            # Disputed counts as reviewed, so for the other queues' "n of N reviewed" nothing changes.
            self.queue_view.case_written(
                result.case_rowid,
                verdict_before=True,
                verdict_after=True,
                adjudicated=result.resolution == "adjudicated",
            )

    def _in_disputed_queue(self) -> bool:
        return not self.model.fixed and self.model.case_filter.resolution == DISPUTED

    def _to_next_disputed(self, decided: int) -> None:
        """After a decision: the decided case leaves the Disputed queue; show the next disputed case."""
        row = self.model.row_of(decided)
        if row is None:
            return
        if self._in_disputed_queue():
            self.model.drop_case(decided)
            self._load_count(self.model.case_filter)
            if self.model.rowCount():
                self.select_row(min(row, self.model.rowCount() - 1))
                self._show_row(self.current_row())  # the same row number may hold the next case now
            else:
                self._show_row(-1)
                self.statusBar().showMessage("Every disputed case of this queue is adjudicated.", 8000)
            return
        for ahead in range(row + 1, row + 1 + SCAN_AHEAD):
            if not self.model.ensure_row(ahead):
                break
            summary = self.model.summary(ahead)
            if summary is not None and summary.resolution == DISPUTED:
                self.select_row(ahead)
                return
        self._show_row(row)  # no disputed case further on: show the decision
        self.statusBar().showMessage("No more disputed cases further in this queue.", 8000)

    def _apply_label_result(self, result: LabelResult, before: Label | None) -> None:
        if not result.adjudication:
            super()._apply_label_result(result, before)
            return
        # Undo or redo of a decision: the case may come back to (or leave) the Disputed queue.
        self._details.pop(result.case_rowid, None)
        self._count_decision(result)
        row = self.model.row_of(result.case_rowid)
        if row is None and self._in_disputed_queue() and result.resolution == DISPUTED:
            self.model.reload()
            row = self.model.row_of(result.case_rowid)
        self.on_changes(result.changes, case_rowid=result.case_rowid)
        self._update_undo_actions()
        if result.resolution == "adjudicated":  # redone: it leaves the Disputed queue again
            self._to_next_disputed(result.case_rowid)
            return
        if row is not None:
            if row == self.current_row():
                self._show_row(row)
            else:
                self.select_row(row)

    # --- the Disputed queue's count ------------------------------------------------------------
    def on_changes(self, changes: Changes, *, case_rowid: int | None = None) -> None:
        super().on_changes(changes, case_rowid=case_rowid)
        if changes.labels or changes.imports or changes.traces:
            self.update_disputed_count()

    def update_disputed_count(self) -> None:
        """How many cases are disputed, counted off the GUI thread, shown in the queue list."""
        self._disputed_generation += 1
        generation = self._disputed_generation
        workspace = self.workspace
        flt = smart_queue(DISPUTED).filter

        def done(count: int) -> None:
            if generation == self._disputed_generation:
                self.queue_view.set_queue_count(DISPUTED, count)

        self.runner.read(lambda: review.queue_count(workspace, flt)).success(done).failure(
            lambda exc, details: log.warning("disputed count failed: %s\n%s", exc, details)
        ).run()
