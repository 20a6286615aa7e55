"""The review loop's label half: record a change, wait for a locked workspace, root causes,
evidence, undo and redo.

A label write is synchronous (one small transaction) so that what the screen shows is saved; see
``main_window``'s docstring. The queue and the shown case are ``WindowBase``'s.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from reviewdesk.domain.errors import ReviewdeskError, WorkspaceLockedError
from reviewdesk.domain.labels import Label, LabelChange, Verdict
from reviewdesk.services import evidence as evidence_items
from reviewdesk.services import review
from reviewdesk.services import taxonomy as taxonomy_service
from reviewdesk.services.review import LabelResult, LabelSchema
from reviewdesk.services.workspace import WINDOW_LOCK_WAIT_MS, write_now, write_when_unlocked
from reviewdesk.ui.actions import ROOT_CAUSE_ACTIONS, SPECS, keys_for, set_tip
from reviewdesk.ui.errors import show_error
from reviewdesk.ui.views.dialogs import EvidenceDialog, root_cause_picker
from reviewdesk.ui.views.recent_strip import Decision
from reviewdesk.ui.window_base import WindowBase

log = logging.getLogger(__name__)


class ReviewLoop(WindowBase):
    """See the module docstring."""

    def apply_schema(self, schema: LabelSchema) -> None:
        """The workspace's taxonomy (opened, or edited in Edit → Taxonomy…): the form, keys and guide follow."""
        self.schema = schema
        self.label_panel.set_schema(schema)
        self.label_panel.show_label(self.label_panel.label)
        self._label_root_cause_actions()
        self.refresh_guide()

    def refresh_guide(self) -> None:
        """The guidelines pane shows the current taxonomy and rubric (read only when it is shown)."""
        if not self.guide.isVisible():
            return
        try:
            rubric = taxonomy_service.rubric(self.workspace)
        except ReviewdeskError as exc:
            log.warning("rubric of %s: %s", self.workspace.name, exc)
            rubric = ""
        self.guide.show_guide(self.schema, rubric)

    def _label_root_cause_actions(self) -> None:
        for number, action_id in enumerate(ROOT_CAUSE_ACTIONS, 1):
            action = self.action_map[action_id]
            if number <= len(self.schema.root_causes):
                rc = self.schema.root_causes[number - 1]
                action.setText(f"Root cause: {rc.title}")
                set_tip(
                    action,
                    f"Toggle root cause {rc.title} ({rc.layer})",
                    keys_for(SPECS[action_id], self.settings.shortcuts),
                )
                action.setVisible(True)
            else:
                action.setVisible(False)

    # --- labels --------------------------------------------------------------------------------
    def record(self, change: LabelChange) -> None:
        detail = self._detail
        if detail is None or self._refuse_write("labeled"):
            self.label_panel.show_label(self.label_panel.label)
            return
        if self._waiting_write:
            # One change at a time: a second one would be computed from a label not saved yet.
            self.statusBar().showMessage("Not labeled: the previous change is still waiting for the workspace.", 6000)
            self.label_panel.show_label(self.label_panel.label)
            return
        now = time.monotonic()
        spent, self._last_mark = now - self._last_mark, now
        session, before = self.session, self.label_panel.label

        def write() -> LabelResult:
            return session.record(
                detail.case_rowid, detail.case.case_id, change, before=before, seconds_spent=round(spent, 1)
            )

        try:
            # Almost always the lock is free and this returns at once; another process's write
            # (an import, a purge's VACUUM, an upgrade) makes it give up after a moment instead of
            # freezing the window for the whole busy timeout.
            result = write_now(write, wait_ms=WINDOW_LOCK_WAIT_MS)
        except WorkspaceLockedError as exc:
            self._write_when_unlocked(write, exc.holder, before)
            return
        except ReviewdeskError as exc:
            show_error(self, exc)
            self.label_panel.show_label(self.label_panel.label)
            return
        self._apply_label_result(result, before)
        self._show_replaced_verdict(before, result)
        self._show_attached(before, result)

    def _show_attached(self, before: Label | None, result: LabelResult) -> None:
        """Evidence a root cause's key attached by itself is said, with how to change it."""
        had = {(e.root_cause, e.kind, e.ref) for e in (before.evidence if before else [])}
        new = [e for e in (result.label.evidence if result.label else []) if (e.root_cause, e.kind, e.ref) not in had]
        if new and result.case_rowid == self.current_case_rowid:
            e = new[-1]
            self.statusBar().showMessage(
                f"Evidence: {self.schema.title(e.root_cause)} → {self.label_panel.describe_evidence(e)}"
                "   (V attaches another; Del in the Evidence tab removes)",
                8000,
            )

    def _show_replaced_verdict(self, before: Label | None, result: LabelResult) -> None:
        """A labeled case's verdict changed: the old one stays on screen, struck through, until the next key."""
        old = before.verdict if before else None
        new = result.label.verdict if result.label else None
        if old is None or new is None or old == new or result.case_rowid != self.current_case_rowid:
            return
        self.label_panel.show_replaced_verdict(old)
        self.statusBar().showMessage(
            f"Verdict changed: {old} → {new} on case {result.case_id[:6]} (Ctrl+Z undoes)", 8000
        )

    def _write_when_unlocked(self, write: Callable[[], LabelResult], holder: str, before: Label | None) -> None:
        """Retry a label write on the single writer until the lock is free; say so until then.

        The label panel keeps showing the stored label: nothing claims the change is saved
        before it is.
        """
        self._waiting_write = True
        self.label_panel.show_label(self.label_panel.label)
        self._show_waiting(f"waiting for the workspace (locked by {holder})")

        def saved(result: LabelResult) -> None:
            self._waiting_write = False
            self._show_waiting("")
            self._apply_label_result(result, before)
            self.statusBar().showMessage(f"Saved the label of case {result.case_id} once the workspace was free.", 6000)

        def failed(exc: BaseException, details: str) -> None:
            self._waiting_write = False
            self._show_waiting("")
            self.label_panel.show_label(self.label_panel.label)
            show_error(self, exc, details, title="Label not saved")

        self.runner.op(lambda progress: write_when_unlocked(write, progress)).status(self._show_waiting).success(
            saved
        ).failure(failed).run()

    def _show_waiting(self, text: str) -> None:
        self.waiting_label.setText(f"Label not saved yet: {text}; retrying…" if text else "")
        self.waiting_label.setVisible(bool(text))

    def _apply_label_result(self, result: LabelResult, before: Label | None) -> None:
        """Show a written label: panel, queue row, "n of N reviewed", recent decisions, undo actions."""
        self._details.pop(result.case_rowid, None)
        after = result.label
        if self.model.row_of(result.case_rowid) is not None:
            self.queue_view.case_written(
                result.case_rowid,
                verdict_before=before is not None and before.verdict is not None,
                verdict_after=after is not None and after.verdict is not None,
            )
        self.queue_view.recent.note(
            Decision(
                result.case_rowid, result.case_id, after.verdict if after else None, bool(after and after.escalate)
            )
        )
        self.queue_view.recent.mark_current(self.current_case_rowid)
        if self._detail is not None and result.case_rowid == self._detail.case_rowid:
            self._detail.case.labels = result.label
            self.label_panel.show_label(result.label)
            self.label_panel.show_history(self._audit(result.case_id, result.case_rowid))
            self._show_others(result.case_rowid)  # a verdict of one's own lifts blind review on the case
        self.on_changes(result.changes, case_rowid=result.case_rowid)
        self._update_undo_actions()

    def set_verdict(self, verdict: Verdict) -> None:
        self.label_panel.request_verdict(verdict)

    def toggle_root_cause_number(self, number: int) -> None:
        rc_id = self.label_panel.root_cause_at(number)
        if rc_id is not None:
            self.label_panel.toggle_root_cause(rc_id)

    def pick_root_cause(self) -> None:
        if self._detail is None:
            return
        selected = list(self.label_panel.label.root_causes) if self.label_panel.label else []
        chosen = self._ask_root_cause(selected)
        if chosen is not None:
            self.label_panel.toggle_root_cause(chosen)

    def _ask_root_cause(self, selected: list[str], prompt: str | None = None) -> str | None:
        """The picker, run modally; the keyboard is back on the review surface when it returns."""
        dialog = root_cause_picker(self.schema, selected, self, prompt=prompt)
        try:
            value = dialog.value() if dialog.exec() else None
        finally:
            dialog.deleteLater()
            self._return_keyboard()
        return value if isinstance(value, str) else None

    def _return_keyboard(self) -> None:
        # A closed dialog hands activation back asynchronously: focus the window now, so the very
        # next key (F right after picking a cause) reaches the review surface's shortcuts.
        self.activateWindow()
        self.focus_review_surface()

    def attach_evidence(self) -> None:
        """V: evidence for a root cause; without one chosen, ask which first (no silent guess)."""
        if self._detail is None:
            return
        chosen = list(self.label_panel.label.root_causes) if self.label_panel.label else []
        if not chosen:
            picked = self._ask_root_cause([], "Evidence for which root cause? Type its name, Enter picks:")
            if picked is None:
                return
            chosen = [picked]
        case, spans = self._detail.case, self._detail.spans
        guess = evidence_items.likely(case, spans, chosen[0])
        dialog = EvidenceDialog(self.schema, chosen, case, spans, self, preselect=guess)
        try:
            if dialog.exec():
                found = dialog.evidence()
                if found is not None:
                    self.label_panel.attach_evidence(found)
        finally:
            dialog.deleteLater()
            self._return_keyboard()

    def undo(self) -> None:
        if self._refuse_write("undone"):
            return
        self.label_panel.flush_text()
        self._undo_redo(self.session.undo, "Undid", self.session.next_undo())

    def redo(self) -> None:
        if self._refuse_write("redone"):
            return
        self._undo_redo(self.session.redo, "Redid", self.session.next_redo())

    def _undo_redo(
        self,
        step: Callable[[], LabelResult | None],
        verb: str,
        labels: tuple[Label | None, Label | None] | None,
    ) -> None:
        try:
            # Locked by another process: refused after a moment with who holds it, and undoable again.
            result = write_now(step, wait_ms=WINDOW_LOCK_WAIT_MS)
        except ReviewdeskError as exc:
            show_error(self, exc)
            return
        if result is None:
            return
        # Undo of a change made on another case: go back to that case, so the reviewer sees it.
        if result.case_rowid != self.current_case_rowid:
            row = self.model.row_of(result.case_rowid)
            if row is not None:
                self.select_row(row)
        self._apply_label_result(result, labels[0] if labels is not None else result.label)
        what = review.label_difference(*labels) if labels is not None else "a label change"
        self.last_undo_message = f"{verb}: {what} on case {result.case_id[:6]}"
        self.statusBar().showMessage(self.last_undo_message, 6000)

    # --- recent decisions ------------------------------------------------------------------------
    def back_to_recent(self) -> None:
        """B: the case decided before the shown one (again: further back); the strip says which."""
        decision = self.queue_view.recent.back_from(self.current_case_rowid)
        if decision is None:
            self.statusBar().showMessage("No recent decisions yet: give a case a verdict first.", 4000)
            return
        self.open_recent(decision.case_rowid)

    def open_recent(self, case_rowid: int) -> None:
        """Show a case of the strip: in the queue if it is there, else the recent decisions become the queue."""
        row = self.model.row_of(case_rowid)
        if row is None:
            rowids = [d.case_rowid for d in self.queue_view.recent.decisions]
            self.label_panel.flush_text()
            self._count_generation += 1  # a count still running for the old queue must not land
            self._details.clear()
            self.model.set_rowids(rowids)
            self.queue_view.set_count(len(rowids), None)
            self.queue_view.count_label.setText(f"{len(rowids):,} recent decision(s)")
            self.statusBar().showMessage(
                "Queue: your recent decisions (that case is not in the queue). Pick a smart queue to go back.", 8000
            )
            row = self.model.row_of(case_rowid)
        if row is not None:
            self.select_row(row)
        self.focus_review_surface()

    def _update_undo_actions(self) -> None:
        self._update_actions()
