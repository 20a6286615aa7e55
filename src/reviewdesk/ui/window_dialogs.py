"""Edit and Help menu handlers: preferences, redaction rules, model prices, retention and
purge, the cheat sheet and About."""

from __future__ import annotations

import logging
from datetime import timedelta

from PySide6.QtWidgets import QMessageBox

from reviewdesk import __version__, paths
from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.progress import Progress
from reviewdesk.services import packages, prices, purge, redaction, review, standing, visibility
from reviewdesk.services.review import ReviewSession
from reviewdesk.ui.actions import ActionId
from reviewdesk.ui.errors import message_box, show_error
from reviewdesk.ui.theme import apply_color_scheme
from reviewdesk.ui.views.dialogs import CheatSheet, PreferencesDialog
from reviewdesk.ui.views.prices_dialog import PricesDialog
from reviewdesk.ui.views.privacy_dialogs import RedactionDialog, RetentionDialog
from reviewdesk.ui.views.taxonomy_dialog import TaxonomyDialog
from reviewdesk.ui.workspace_files import WorkspaceFiles

log = logging.getLogger(__name__)


class WindowDialogs(WorkspaceFiles):
    """See the module docstring."""

    def edit_preferences(self) -> None:
        """The reviewer's own preferences, and the workspace's blind-review setting (audited, as
        ``reviewdesk team blind on|off``) and stale threshold (audited, as ``reviewdesk stale-after``)."""
        viewer = self.viewer
        note = ""
        if viewer.from_package:
            note = "A review package keeps the blind setting of the workspace it was made from."
        elif self.read_only:
            note = "Read-only workspace: its settings cannot be changed here."
        stale_after = standing.stale_after_days(self.workspace)
        dialog = PreferencesDialog(
            self.settings,
            self,
            package_reviewer=viewer.name if viewer.from_package else None,
            blind=viewer.blind,
            workspace_note=note,
            stale_after=stale_after,
            workspace_writable=not self.read_only and not viewer.from_package,
        )
        if not dialog.exec():
            return
        days = dialog.stale_after.value()
        if days != stale_after and dialog.stale_after.isEnabled():
            try:
                standing.set_stale_after_days(self.workspace, days, actor=viewer.name)
            except ReviewdeskError as exc:
                show_error(self, exc, title="Preferences")
            else:
                # Every case's stale marks follow the new threshold: read the shown case again.
                self._details.clear()
                self._show_row(self.current_row())
                self._insights_stale = True
        name = dialog.reviewer.text().strip()
        if name and not viewer.from_package:
            self.settings.reviewer = name
        self.settings.color_scheme = dialog.scheme.currentData()
        apply_color_scheme(self.settings.color_scheme)
        self.case_view.refresh_colors()  # colours written into the panes follow the new scheme now
        self.label_panel.refresh_colors()
        blind = dialog.blind.isChecked()
        if not note and blind != viewer.blind:
            try:
                packages.set_blind(self.workspace, blind, actor=name or viewer.name)
            except ReviewdeskError as exc:
                show_error(self, exc, title="Blind review")
        self._save_settings()
        self._set_viewer()
        if self.viewer != viewer:
            self._viewer_changed()
        else:
            self.label_panel.show_label(self.label_panel.label)

    def edit_redaction(self) -> None:
        if self._refuse_write("changed"):
            return
        try:
            dialog = RedactionDialog(
                redaction.get_settings(self.workspace), redaction.report(self.workspace).totals, self
            )
            if not dialog.exec():
                return
            changes = dialog.changes()
            redaction.update_settings(self.workspace, lambda _before: changes, actor=self.viewer.name)
        except ReviewdeskError as exc:
            show_error(self, exc, title="Redaction rules")
            return
        self.statusBar().showMessage("Redaction rules saved: they apply to the next imports.", 6000)

    def edit_prices(self) -> None:
        """Apply the dialog's prices: each added, changed or removed model through ``services.prices``,
        in the background (each change re-estimates the stored cases that record no cost)."""
        if self._refuse_write("changed"):
            return
        workspace, reviewer = self.workspace, self.viewer.name
        before = prices.get_prices(workspace).models
        dialog = PricesDialog(prices.get_prices(workspace), prices.table(), self)
        if not dialog.exec():
            return
        after = dialog.prices()
        if after == before:
            return

        def work(_progress: Progress) -> int:
            reestimated = 0
            for name in before.keys() - after.keys():
                reestimated = prices.unset_price(workspace, name, actor=reviewer).reestimated
            for name, price in after.items():
                if before.get(name) != price:
                    reestimated = prices.set_price(
                        workspace,
                        name,
                        input_per_mtok=price.input,
                        output_per_mtok=price.output,
                        cached_input_per_mtok=price.cached_input,
                        actor=reviewer,
                    ).reestimated
            return reestimated

        self.runner.op(work).with_progress("Re-estimating costs", self).success(self._prices_saved).failure(
            lambda exc, details: show_error(self, exc, details, title="Model prices")
        ).run()

    def _prices_saved(self, reestimated: int) -> None:
        # Re-estimating rewrote the case rows: reload rows and details as after an import.
        self.on_changes(Changes(cases=True, traces=True))
        self.statusBar().showMessage(f"Model prices saved; {reestimated} case(s) re-estimated.", 8000)

    def edit_retention(self) -> None:
        """Store the retention period; with "Purge now", count, confirm what goes, then purge."""
        if self._refuse_write("changed"):
            return
        workspace = self.workspace
        try:
            dialog = RetentionDialog(purge.get_retention(workspace), self)
            if not dialog.exec():
                return
            days, keep_labeled = dialog.older_than_days(), dialog.keep_labeled.isChecked()
            purge.set_retention(workspace, older_than_days=days, keep_labeled=keep_labeled, actor=self.viewer.name)
            if not (dialog.purge_now.isChecked() and days):
                self.statusBar().showMessage("Retention saved.", 6000)
                return
            older_than = timedelta(days=days)
            plan = purge.purge(workspace, older_than=older_than, keep_labeled=keep_labeled, dry_run=True)
        except ReviewdeskError as exc:
            show_error(self, exc, title="Retention")
            return
        if plan.cases == 0:
            kept = f" ({plan.kept_labeled} labeled case(s) kept)" if plan.kept_labeled else ""
            self.statusBar().showMessage(f"Nothing to purge: no case is older than {days} days{kept}.", 8000)
            return
        box = message_box(
            self,
            "Purge cases for good?",
            f"This deletes {plan.cases} case(s) whose trace started before "
            f"{plan.cutoff:%Y-%m-%d %H:%M} UTC — with their {plan.spans} span(s), traces, labels, label "
            f"history and search entries — from {workspace.name}."
            + (f"\n{plan.kept_labeled} older labeled case(s) are kept." if plan.kept_labeled else "")
            + "\n\nThe file is then rewritten so the deleted text is gone from disk. This cannot be undone;"
            " the audit log keeps a line saying that the purge happened.",
            icon=QMessageBox.Icon.Warning,
        )
        box.setObjectName("confirm_purge")
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        ok = box.button(QMessageBox.StandardButton.Ok)
        if ok is not None:
            ok.setText(f"Delete {plan.cases} case(s)")
        if box.exec() != QMessageBox.StandardButton.Ok:
            return
        # The same cut-off as the one confirmed, not one a few seconds later.
        now = plan.cutoff + older_than
        reviewer = self.viewer.name

        def work(_progress: Progress) -> purge.PurgeResult:
            return purge.purge(workspace, older_than=older_than, keep_labeled=keep_labeled, now=now, actor=reviewer)

        self.label_panel.flush_text()
        self.runner.op(work).with_progress("Purging", self).success(self._purged).failure(
            lambda exc, details: show_error(self, exc, details, title="Purge failed")
        ).run()

    def _purged(self, result: purge.PurgeResult) -> None:
        # Undo could point at a deleted case: start the undo history afresh.
        self.session = ReviewSession(self.workspace, self.viewer.name)
        self.on_changes(Changes(cases=True, traces=True, labels=True))
        self._update_actions()
        self.statusBar().showMessage(
            f"Purged {result.cases} case(s) and {result.spans} span(s); the file went from "
            f"{result.bytes_before:,} to {result.bytes_after:,} bytes.",
            10000,
        )

    def edit_taxonomy(self) -> None:
        """Edit → Taxonomy…: every change is written at once (a new label-schema version) and shown at once."""
        if self._refuse_write("changed"):
            return
        self.label_panel.flush_text()  # typed text belongs to the label as it is now
        dialog = self.taxonomy_dialog()
        try:
            dialog.exec()
        finally:
            dialog.deleteLater()
            self._return_keyboard()

    def taxonomy_dialog(self) -> TaxonomyDialog:
        """The dialog, wired so that each change it writes reaches the window at once."""
        dialog = TaxonomyDialog(self.workspace, self.viewer.name, self)
        dialog.changed.connect(lambda _change: self._taxonomy_changed())
        return dialog

    def _taxonomy_changed(self) -> None:
        # A rename re-reads stored labels: the queue's rows are read again where they stand (no case
        # leaves the queue under the reviewer), the shown case's label is reloaded, facets follow.
        self.apply_schema(review.label_schema(self.workspace))
        self._details.clear()
        self.model.refresh_rows()
        if self._detail is not None:
            try:
                self._detail = visibility.detail(self.workspace, self._detail.case_rowid, self.viewer)
            except ReviewdeskError as exc:
                log.warning("reloading the shown case: %s", exc)
            else:
                self.label_panel.show_label(self._detail.case.labels)
        self.load_facets()
        self.on_changes(Changes(labels=True))

    def toggle_guidelines(self) -> None:
        """G: the rubric and the causes' definitions beside the form; the case area gives up the room."""
        show = not self.guide.isVisible()
        sizes = self.splitter.sizes()
        self.guide.setVisible(show)
        if show:
            self.refresh_guide()
        room = self.guide.minimumWidth() + 4
        if len(sizes) == 3:
            middle = max(sizes[1] - room, 0) if show else sizes[1] + room
            side = sizes[2] + room if show else max(sizes[2] - room, 0)
            self.splitter.setSizes([sizes[0], middle, side])
        self.action_map[ActionId.GUIDELINES].setChecked(show)
        self.focus_review_surface()

    def show_cheat_sheet(self) -> None:
        CheatSheet(self.settings.shortcuts, self.schema, self).exec()

    def show_about(self) -> None:
        box = message_box(
            self,
            "About reviewdesk",
            f"reviewdesk {__version__}\n"
            "Review and label the behaviour of LLM applications offline.\n\n"
            f"Workspace: {self.workspace.location}\n"
            f"Data folder: {paths.data_dir()}\n"
            f"Settings: {paths.config_dir()}\n\n"
            "Licensed under the Apache License 2.0.",
            icon=QMessageBox.Icon.Information,
        )
        box.setObjectName("about_box")
        box.exec()
