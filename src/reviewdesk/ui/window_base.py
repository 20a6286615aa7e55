"""The window's state, its enable rules and the queue it shows (the base of ``MainWindow``).

``MainWindow`` is assembled from a chain of classes, one per concern, each a module under ``ui/``:
``WindowBase`` (this: attributes, read-only and enable rules, insights switching, the queue, the
shown case and ``on_changes``) → ``ReviewLoop`` (labels, root causes, evidence, undo) →
``WorkspaceFiles`` (open, import, export, drops) → ``WindowDialogs`` (Edit and Help dialogs) →
``MainWindow`` (construction, layout). Menus and shortcuts are wired in ``window_menus``. A
linear chain, not mixins, so every method is type-checked against the attributes it uses; the
attributes are declared here and set in ``MainWindow.__init__``.
"""

from __future__ import annotations

import functools
import logging
import time

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSplitter, QStackedWidget

from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.domain.queries import CaseFilter, Facets
from reviewdesk.services import evidence as evidence_items
from reviewdesk.services import review, roles, standing, visibility
from reviewdesk.services.audit import AuditEntry
from reviewdesk.services.review import CaseDetail, LabelSchema, ReviewSession
from reviewdesk.services.visibility import Viewer
from reviewdesk.services.workspace import Workspace
from reviewdesk.settings import Settings, save_settings
from reviewdesk.ui.actions import SPECS, ActionId, allowed_by_role, enabled
from reviewdesk.ui.detail_cache import DetailCache
from reviewdesk.ui.errors import show_error
from reviewdesk.ui.models.case_table_model import CaseTableModel
from reviewdesk.ui.tasks import TaskRunner
from reviewdesk.ui.views.case_view import CaseView
from reviewdesk.ui.views.guide_panel import GuidePanel
from reviewdesk.ui.views.insights import InsightsView
from reviewdesk.ui.views.label_panel import LabelPanel
from reviewdesk.ui.views.queue_view import QueueView
from reviewdesk.ui.widgets.inert import visible

log = logging.getLogger(__name__)

DETAIL_CACHE = 8
PREFETCH_DELAY_MS = 40


class WindowBase(QMainWindow):
    """See the module docstring."""

    workspace: Workspace
    settings: Settings
    runner: TaskRunner
    schema: LabelSchema
    session: ReviewSession
    viewer: Viewer
    """Who labels in this window (a package's reviewer, else the settings' name) and what they may see."""
    model: CaseTableModel
    queue_view: QueueView
    case_view: CaseView
    label_panel: LabelPanel
    guide: GuidePanel
    splitter: QSplitter
    insights_view: InsightsView
    stack: QStackedWidget
    read_only_banner: QLabel
    reviewer_label: QLabel
    waiting_label: QLabel
    recent_menu: QMenu
    action_map: dict[ActionId, QAction]
    last_import_summary: str
    """What the last import added and redacted (shown in the status bar; kept for tests)."""
    last_merge_report: str
    """What the last merge of review packages did, one line per package (kept for tests)."""
    last_undo_message: str
    """What the last undo/redo changed ("Undid: verdict fail → pass on case 9411c3")."""
    _detail: CaseDetail | None
    _details: DetailCache
    _last_mark: float
    _count_generation: int
    _workspace_generation: int
    _insights_stale: bool
    _waiting_write: bool

    def _after_reset(self) -> None:
        # A reset clears the table's current index without a currentRowChanged signal: leave the
        # old case (writing its pending text) so nothing is shown that the queue no longer holds.
        if self.queue_view.table.currentIndex().row() < 0:
            self._show_row(-1)

    def _update_title(self) -> None:
        suffix = " (read-only)" if self.workspace.read_only else ""
        self.setWindowTitle(f"{self.workspace.name}{suffix} — reviewdesk")

    # --- read-only and the enable rules ----------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.workspace.read_only

    def _apply_read_only(self) -> None:
        """Banner, drops, label panel and actions follow ``workspace.read_only``."""
        read_only = self.workspace.read_only
        reason = self.workspace.read_only_reason or "opened read-only"
        self.read_only_banner.setText(
            f"Read-only: {visible(self.workspace.location)} ({reason}). "
            "You can read, search, export and see the insights; labels and imports are off."
        )
        self.read_only_banner.setVisible(read_only)
        self.setAcceptDrops(not read_only and self.identity.can_import)
        self.label_panel.set_read_only(read_only or not self.identity.can_label)
        self._update_actions()

    def _update_actions(self) -> None:
        """Apply the table's enable rule (read-only, insights shown) and undo/redo availability."""
        insights_shown = self.insights_shown
        identity = self.identity
        for action_id, action in self.action_map.items():
            spec = SPECS[action_id]
            action.setEnabled(
                enabled(spec, read_only=self.read_only, insights_shown=insights_shown)
                and allowed_by_role(spec, identity)
            )
        if not self.read_only and not insights_shown and identity.can_label:
            self.action_map[ActionId.UNDO].setEnabled(self.session.can_undo)
            self.action_map[ActionId.REDO].setEnabled(self.session.can_redo)

    def _refuse_write(self, what: str) -> bool:
        """True (and a status message) when the workspace is read-only."""
        if not self.read_only:
            return False
        reason = self.workspace.read_only_reason or "opened read-only"
        self.statusBar().showMessage(f"Not {what}: {self.workspace.name} is read-only ({reason}).", 6000)
        return True

    # --- insights ------------------------------------------------------------------------------
    @property
    def insights_shown(self) -> bool:
        return self.stack.currentWidget() is self.insights_view

    def show_insights(self, show: bool = True) -> None:
        """Switch the centre between the review desk and the insights (recomputed if stale)."""
        self.action_map[ActionId.INSIGHTS].setChecked(show)
        if show == self.insights_shown:
            return
        if show:
            self.label_panel.flush_text()  # text typed for the case belongs to it
            self.stack.setCurrentWidget(self.insights_view)
            if self._insights_stale or self.insights_view.insights is None:
                self._insights_stale = False
                self.insights_view.refresh()
            self.insights_view.tabs.setFocus(Qt.FocusReason.ShortcutFocusReason)
        else:
            self.stack.setCurrentWidget(self.splitter)
            self.focus_review_surface()
        self._update_actions()

    def open_case_ids(self, case_ids: list[str]) -> None:
        """Make exactly ``case_ids`` (in order) the queue, go back to reviewing, select the first."""
        rowids = self.insights_view.rowids_for(case_ids)
        self.label_panel.flush_text()
        self._count_generation += 1  # a count still running for the old queue must not land
        self._details.clear()
        self.model.set_rowids(rowids)
        self.show_insights(False)
        self.queue_view.set_count(len(rowids), len(rowids))
        self.queue_view.count_label.setText(f"{len(rowids):,} case(s) opened from the insights")
        if rowids:
            self.select_row(0)
        else:
            self._show_row(-1)
        self.statusBar().showMessage(
            f"Queue: {len(rowids)} case(s) from the insights. Pick a smart queue to go back to the filters.", 8000
        )

    @property
    def identity(self) -> roles.Identity:
        """The database user and role of a team workspace (what the database lets them do)."""
        return roles.identity(self.workspace)

    def _update_reviewer_label(self) -> None:
        self.reviewer_label.setText(self.viewer.shown)

    def _set_viewer(self) -> None:
        """Who labels here, as the CLI decides (a review package's reviewer wins over the settings' name),
        and what blind review lets them see; every reader of the window asks with it."""
        self.viewer = visibility.viewer(self.workspace, self.settings.reviewer)
        self.session.reviewer = self.viewer.name
        self.model.viewer = self.viewer
        self.queue_view.viewer = self.viewer
        self.insights_view.viewer = self.viewer
        self._update_reviewer_label()

    def _viewer_changed(self) -> None:
        """Another name or blind setting: what the queue, the case, the facets and the insights show
        may differ; reload them, keeping the case shown."""
        keep = self.current_case_rowid
        self._details.clear()
        if self.model.fixed:
            self.model.reload()
        else:
            self.queue_view.apply()  # the queue's filter carries the viewer (My queue, blind review)
        row = self.model.row_of(keep) if keep is not None else None
        if row is not None:
            self.select_row(row)
        self._details.clear()
        self._show_row(self.current_row())
        self.load_facets()
        self._load_progress()
        self._insights_stale = True
        if self.insights_shown:
            self._insights_stale = False
            self.insights_view.refresh()

    def _load_progress(self) -> None:
        """My queue's "n of N done", read off the GUI thread."""
        workspace, who, generation = self.workspace, self.viewer, self._workspace_generation

        def done(counts: tuple[int, int]) -> None:
            if generation == self._workspace_generation:
                self.queue_view.set_progress(*counts)

        self.runner.read(lambda: visibility.my_progress(workspace, who)).success(done).failure(
            lambda exc, details: log.warning("progress failed: %s\n%s", exc, details)
        ).run()

    # --- queue ---------------------------------------------------------------------------------
    def _open_initial_queue(self) -> None:
        """My queue when cases are assigned to me (a review package's are), else unreviewed cases;
        if there are none, everything. Focus lands on the queue."""
        done, assigned = visibility.my_progress(self.workspace, self.viewer)
        self.queue_view.select_queue("mine" if done < assigned else "unreviewed")
        if self.model.rowCount() == 0:
            self.queue_view.select_queue("all")
        self.load_facets()
        self.focus_review_surface()

    def _queue_changed(self, flt: CaseFilter) -> None:
        self._details.clear()
        if self.model.rowCount() > 0:
            self.select_row(0)
        else:
            self._show_row(-1)
        self._load_count(flt)
        self._load_progress()

    def _load_count(self, flt: CaseFilter) -> None:
        self._count_generation += 1
        generation = self._count_generation
        self.queue_view.set_count(self.model.rowCount(), None)
        workspace = self.workspace

        def done(info: review.QueueInfo) -> None:
            if generation == self._count_generation:  # a newer queue made this count stale
                self.queue_view.set_count(
                    self.model.rowCount(),
                    info.count,
                    in_import_order=info.in_import_order,
                    reviewed=info.reviewed,
                    more=info.more,
                    reviewed_more=info.reviewed_more,
                )

        self.runner.read(lambda: review.queue_info(workspace, flt)).success(done).failure(
            lambda exc, details: log.warning("count failed: %s\n%s", exc, details)
        ).run()

    def load_facets(self) -> None:
        workspace = self.workspace
        generation = self._workspace_generation

        def done(facets: Facets) -> None:
            if generation == self._workspace_generation:
                self.queue_view.set_facets(facets, self.schema)
                # Every workflow's median cost and latency, worked out here rather than on a case open.
                workflows = [count.key for count in facets.workflows]
                self.runner.read(lambda: standing.warm(workspace, workflows)).failure(
                    lambda exc, details: log.warning("medians failed: %s\n%s", exc, details)
                ).run()

        who = self.viewer
        self.runner.read(lambda: visibility.facets(workspace, who)).success(done).failure(
            lambda exc, details: log.warning("facets failed: %s\n%s", exc, details)
        ).run()

    def current_row(self) -> int:
        return self.queue_view.table.currentIndex().row()

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.queue_view.table.selectionModel().setCurrentIndex(
            index,
            self.queue_view.table.selectionModel().SelectionFlag.ClearAndSelect
            | self.queue_view.table.selectionModel().SelectionFlag.Rows,
        )
        self.queue_view.table.scrollTo(index)

    def _current_row_changed(self, current: QModelIndex | QPersistentModelIndex, _previous: QModelIndex) -> None:
        self._show_row(current.row())

    def _show_row(self, row: int) -> None:
        # Text typed for the case being left belongs to that case: write it before switching.
        self.label_panel.flush_text()
        rowid = self.model.case_rowid(row) if row >= 0 else None
        if rowid is None:
            self._detail = None
            flt = self.model.case_filter
            if flt.text:
                scope = self.queue_view.scope_text()
                more = "" if scope == "all cases" else " Ctrl+Shift+F searches all cases;"
                self.case_view.show_empty(f"No case in {scope} matches “{flt.text}”.{more} Esc returns to the queue.")
            elif self.model.rowCount() == 0 and flt == CaseFilter():
                self.case_view.show_empty(
                    "This workspace has no cases yet. Import traces with Ctrl+O, or drop files here."
                )
            else:
                self.case_view.show_empty("No cases in this queue.")
            self.label_panel.clear_case()
            return
        ahead, audit, others = self._details.take(rowid)
        try:
            detail = ahead or visibility.detail(self.workspace, rowid, self.viewer)
        except ReviewdeskError as exc:
            show_error(self, exc)
            return
        self._detail = detail
        self.queue_view.recent.mark_current(rowid)
        self.case_view.show_detail(detail)
        self.label_panel.describe_evidence = functools.partial(evidence_items.describe, detail.case, detail.spans)
        self.label_panel.likely_evidence = functools.partial(evidence_items.likely_evidence, detail.case, detail.spans)
        self.label_panel.show_case(
            detail.case.labels,
            detail.case.generation.output,
            audit if audit is not None and ahead is not None else self._audit(detail.case.case_id, rowid),
        )
        if ahead is not None and others is not None:
            self.label_panel.show_others(others.labels, hidden=others.hidden)
        else:
            self._show_others(rowid)
        self._last_mark = time.monotonic()
        # Read the next case while the reviewer reads this one, so J / Ctrl+Enter is instant
        # (after a short delay, so this case is painted first).
        QTimer.singleShot(PREFETCH_DELAY_MS, lambda r=row + 1: self._prefetch(r))

    def _prefetch(self, row: int) -> None:
        """Read the case at ``row`` (detail, audit trail, other reviewers' labels) on a reader thread."""
        rowid = self.model.case_rowid(row)
        if rowid is None or rowid in self._details or (self._detail and self._detail.case_rowid == rowid):
            return
        workspace, viewer = self.workspace, self.viewer
        stamp, workspace_generation = self._details.stamp(rowid), self._workspace_generation

        def read() -> tuple[CaseDetail, list[AuditEntry], visibility.Others]:
            detail = visibility.detail(workspace, rowid, viewer)
            audit = visibility.history(workspace, detail.case.case_id, rowid, viewer)
            return detail, audit, visibility.others(workspace, rowid, viewer)

        def done(result: tuple[CaseDetail, list[AuditEntry], visibility.Others]) -> None:
            # Dropped if anything was invalidated meanwhile (a label written, another queue or viewer).
            stale = self._details.stamp(rowid) != stamp or self._workspace_generation != workspace_generation
            if stale or rowid in self._details or (self._detail and self._detail.case_rowid == rowid):
                return
            self._details[rowid], self._details.audits[rowid], self._details.others[rowid] = result
            while len(self._details) > DETAIL_CACHE:
                self._details.popitem(last=False)

        self.runner.read(read).success(done).failure(
            lambda exc, details: log.debug("prefetch of case %s failed: %s\n%s", rowid, exc, details)
        ).run()

    def next_case(self) -> None:
        row = self.current_row() + 1
        if self.model.ensure_row(row):
            self.select_row(row)
        else:
            self.statusBar().showMessage("End of the queue.", 4000)

    def previous_case(self) -> None:
        row = self.current_row()
        if row > 0:
            self.select_row(row - 1)

    def save_and_next(self) -> None:
        """Every change is already written; this writes pending text, then moves on."""
        self.label_panel.flush_text()
        self.next_case()
        self.focus_review_surface()

    def toggle_maximise(self) -> None:
        self.case_view.toggle_maximise()
        self.action_map[ActionId.MAXIMISE_PANE].setChecked(self.case_view.maximised is not None)

    def focus_review_surface(self) -> None:
        """The queue table holds the keyboard: J/K/arrows move, letters and digits label."""
        self.queue_view.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def on_changes(self, changes: Changes, *, case_rowid: int | None = None) -> None:
        """Refresh what ``changes`` touched, and nothing else."""
        if changes.imports or changes.traces:
            keep = self.current_case_rowid
            self._details.clear()
            self.model.reload()
            row = self.model.row_of(keep) if keep is not None else None
            if row is not None:
                self.select_row(row)
            elif self.model.rowCount():
                self.select_row(0)
            if not self.model.fixed:
                self._load_count(self.model.case_filter)
            self.load_facets()
        elif changes.labels and case_rowid is not None:
            self.model.refresh_case(case_rowid)
        if changes.labels or changes.imports or changes.cases:
            self._load_progress()
        if changes.labels or changes.imports or changes.traces or changes.cases:
            self._insights_stale = True
            if self.insights_shown:
                self._insights_stale = False
                self.insights_view.refresh()

    def _save_settings(self) -> None:
        try:
            save_settings(self.settings)
        except OSError as exc:
            log.warning("could not save settings: %s", exc)

    @property
    def current_case_rowid(self) -> int | None:
        return self._detail.case_rowid if self._detail else None

    def _audit(self, case_id: str, case_rowid: int) -> list[AuditEntry]:
        """The case's audit trail for the History tab, as the viewer may see it (empty, with a log
        line, if it cannot be read)."""
        try:
            return visibility.history(self.workspace, case_id, case_rowid, self.viewer)
        except ReviewdeskError as exc:
            log.warning("audit trail of %s: %s", case_id, exc)
            return []

    def _show_others(self, case_rowid: int) -> None:
        """The other reviewers' labels under the panel (none while blind review hides them)."""
        try:
            others = visibility.others(self.workspace, case_rowid, self.viewer)
            self.label_panel.show_others(others.labels, hidden=others.hidden)
        except ReviewdeskError as exc:
            log.warning("other reviewers' labels of case %s: %s", case_rowid, exc)
            self.label_panel.show_others({})
