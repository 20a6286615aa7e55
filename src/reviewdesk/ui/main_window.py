"""The main window: queue | case | label panel, menus built from ``actions.ACTIONS``.

The window is the conductor. Label decisions come from the panel as ``LabelChange`` values and
are written synchronously through ``ReviewSession`` — a label write is one small transaction
(a few milliseconds), and writing it before the screen shows it is what makes "killing the app
right after a change loses nothing" true. Everything that can take long (imports, exports,
counts over a big queue, facets) goes through ``TaskRunner`` and never blocks the window.
Results are routed by ``Changes``: a label write refreshes one queue row and the panel; an
import reloads the queue and the facets; both mark the insights stale (recomputed when shown).

The centre is a stack: the review desk (queue | case | label panel) and the Insights view
(Ctrl+I switches). A cell or chart element of the insights opens exactly its cases as the queue
(``open_case_ids``). A workspace opened read-only (``--read-only``, or a file or medium that
cannot be written) shows a banner, disables every action that writes (``ActionSpec.writes``) and
the label panel's controls, refuses dropped files, and ``record``/``import_paths`` refuse too.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, QUrl
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from reviewdesk import __version__, paths
from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import ReviewdeskError, WorkspaceLockedError
from reviewdesk.domain.labels import Label, LabelChange, Verdict
from reviewdesk.domain.queries import SMART_QUEUES, CaseFilter, Facets
from reviewdesk.progress import Progress
from reviewdesk.services import audit, exports, formats, imports, prices, purge, redaction, review
from reviewdesk.services import evidence as evidence_items
from reviewdesk.services.audit import AuditEntry
from reviewdesk.services.import_records import describe_file, describe_result
from reviewdesk.services.review import CaseDetail, LabelResult, ReviewSession
from reviewdesk.services.workspace import (
    WINDOW_LOCK_WAIT_MS,
    Workspace,
    open_workspace,
    write_now,
    write_when_unlocked,
)
from reviewdesk.settings import Settings, save_settings
from reviewdesk.ui import state
from reviewdesk.ui.actions import (
    MENUS,
    READ_PANE_ACTIONS,
    ROOT_CAUSE_ACTIONS,
    SPECS,
    ActionId,
    build_actions,
    enabled,
    keys_for,
    set_tip,
)
from reviewdesk.ui.errors import message_box, show_error
from reviewdesk.ui.models.case_table_model import CaseTableModel
from reviewdesk.ui.tasks import TaskRunner
from reviewdesk.ui.theme import apply_color_scheme
from reviewdesk.ui.views.case_view import READING_TARGETS, CaseView
from reviewdesk.ui.views.dialogs import CheatSheet, EvidenceDialog, PreferencesDialog, root_cause_picker
from reviewdesk.ui.views.export_dialog import ExportDialog, export_message
from reviewdesk.ui.views.insights import InsightsView
from reviewdesk.ui.views.label_panel import LabelPanel
from reviewdesk.ui.views.prices_dialog import PricesDialog
from reviewdesk.ui.views.privacy_dialogs import RedactionDialog, RetentionDialog
from reviewdesk.ui.views.queue_view import QueueView
from reviewdesk.ui.widgets.inert import visible

log = logging.getLogger(__name__)

DETAIL_CACHE = 8
PREFETCH_DELAY_MS = 40
DEFAULT_SIZE = (1366, 768)


class MainWindow(QMainWindow):
    """See the module docstring."""

    def __init__(self, workspace: Workspace, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.workspace = workspace
        self.settings = settings
        self.runner = TaskRunner(self)
        self.schema = review.label_schema(workspace)
        self.session = ReviewSession(workspace, settings.reviewer)
        self._detail: CaseDetail | None = None
        self._details: OrderedDict[int, CaseDetail] = OrderedDict()
        self._last_mark = time.monotonic()
        self._count_generation = 0
        self._workspace_generation = 0
        self.last_import_summary = ""
        self.last_undo_message = ""
        """What the last undo/redo changed ("Undid: verdict fail → pass on case 9411c3")."""
        """What the last import added and redacted (shown in the status bar; kept for tests)."""

        self.model = CaseTableModel(workspace, self)
        self.queue_view = QueueView(self.model)
        self.case_view = CaseView()
        self.label_panel = LabelPanel()
        self.label_panel.set_schema(self.schema)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.queue_view)
        self.splitter.addWidget(self.case_view)
        self.splitter.addWidget(self.label_panel)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(True)
        self.insights_view = InsightsView(workspace, self.runner)
        self._insights_stale = True
        self.stack = QStackedWidget()
        self.stack.setObjectName("central_stack")
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.insights_view)
        self.read_only_banner = QLabel()
        self.read_only_banner.setObjectName("read_only_banner")
        self.read_only_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setContentsMargins(8, 3, 8, 3)
        # Readable in light and dark schemes: a fixed amber with black text, like a sticky note.
        self.read_only_banner.setStyleSheet("QLabel#read_only_banner { background: #f2c94c; color: black; }")
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.read_only_banner)
        central_layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.action_map = build_actions(self, settings.shortcuts)
        self._build_menus()
        self._connect()
        self.reviewer_label = QLabel()
        self.reviewer_label.setTextFormat(Qt.TextFormat.PlainText)
        self.waiting_label = QLabel()  # "Label not saved yet: waiting for the workspace (locked by …)"
        self.waiting_label.setObjectName("waiting_label")
        self.waiting_label.setTextFormat(Qt.TextFormat.PlainText)
        self.waiting_label.setStyleSheet("color: #b45309; font-weight: bold;")
        self.waiting_label.hide()
        self._waiting_write = False
        self.statusBar().addPermanentWidget(self.waiting_label)
        self.statusBar().addPermanentWidget(self.reviewer_label)
        self._update_reviewer_label()
        self._apply_read_only()
        self._restore_layout()
        self._open_initial_queue()

    # --- construction --------------------------------------------------------------------------
    def _build_menus(self) -> None:
        menus: dict[str, QMenu] = {name: self.menuBar().addMenu(f"&{name}") for name in MENUS}
        separators_before = {
            ActionId.IMPORT,
            ActionId.QUIT,
            ActionId.FIND,
            ActionId.PREFERENCES,
            ActionId.PASS,
            ActionId.ROOT_CAUSE_1,
            ActionId.ESCALATE,
            ActionId.SAVE_NEXT,
            ActionId.ABOUT,
        }
        for action_id, action in self.action_map.items():
            menu = menus[SPECS[action_id].menu]
            if action_id in separators_before and not menu.isEmpty():
                menu.addSeparator()
            menu.addAction(action)
            if action_id == ActionId.OPEN_WORKSPACE:
                self.recent_menu = menu.addMenu("Open &recent")
                self.recent_menu.setObjectName("recent_menu")
            if action_id == ActionId.FOCUS_QUEUE:
                queues = menus["View"].addMenu("Smart &queue")
                for queue in SMART_QUEUES:
                    queue_action = queues.addAction(queue.title)
                    queue_action.setStatusTip(queue.description)
                    queue_action.triggered.connect(lambda _checked=False, q=queue.id: self.queue_view.select_queue(q))
        self._label_root_cause_actions()
        self._fill_recent_menu()

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

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for entry in self.settings.recent_workspaces:
            action = self.recent_menu.addAction(entry)
            action.triggered.connect(lambda _checked=False, p=entry: self.switch_workspace(Path(p)))
        self.recent_menu.setEnabled(bool(self.settings.recent_workspaces))

    def _connect(self) -> None:
        handlers: dict[ActionId, Callable[[], object]] = {
            ActionId.OPEN_WORKSPACE: self.choose_workspace,
            ActionId.IMPORT: self.choose_import,
            ActionId.IMPORT_FOLDER: self.choose_import_folder,
            ActionId.EXPORT: self.choose_export,
            ActionId.QUIT: self.close,
            ActionId.UNDO: self.undo,
            ActionId.REDO: self.redo,
            ActionId.FIND: self.queue_view.focus_search,
            ActionId.PREFERENCES: self.edit_preferences,
            ActionId.REDACTION: self.edit_redaction,
            ActionId.RETENTION: self.edit_retention,
            ActionId.PRICES: self.edit_prices,
            ActionId.INSIGHTS: lambda: self.show_insights(self.action_map[ActionId.INSIGHTS].isChecked()),
            ActionId.TOGGLE_QUEUE: lambda: self.queue_view.setVisible(
                self.action_map[ActionId.TOGGLE_QUEUE].isChecked()
            ),
            ActionId.TOGGLE_SPANS: self.case_view.toggle_tab,
            ActionId.FOCUS_QUEUE: self.focus_review_surface,
            ActionId.PAGE_DOWN: lambda: self.case_view.page(1),
            ActionId.PAGE_UP: lambda: self.case_view.page(-1),
            ActionId.PANE_START: self.case_view.to_start,
            ActionId.PANE_END: self.case_view.to_end,
            ActionId.NEXT_ITEM: lambda: self.case_view.step_item(1),
            ActionId.PREVIOUS_ITEM: lambda: self.case_view.step_item(-1),
            ActionId.MAXIMISE_PANE: self.toggle_maximise,
            ActionId.TOGGLE_ITEM: self.case_view.toggle_item,
            ActionId.TOGGLE_ALL_ITEMS: self.case_view.toggle_all_items,
            ActionId.RAW_JSON: self.case_view.toggle_raw,
            ActionId.NEXT: self.next_case,
            ActionId.PREVIOUS: self.previous_case,
            ActionId.PASS: lambda: self.set_verdict("pass"),
            ActionId.FAIL: lambda: self.set_verdict("fail"),
            ActionId.UNSURE: lambda: self.set_verdict("unsure"),
            ActionId.MORE_ROOT_CAUSES: self.pick_root_cause,
            ActionId.ESCALATE: self.label_panel.toggle_escalate,
            ActionId.SCORES: self.label_panel.focus_scores,
            ActionId.EDIT_CORRECTED: self.label_panel.focus_corrected,
            ActionId.EDIT_COMMENT: self.label_panel.focus_comment,
            ActionId.EVIDENCE: self.attach_evidence,
            ActionId.SAVE_NEXT: self.save_and_next,
            ActionId.CHEAT_SHEET: self.show_cheat_sheet,
            ActionId.ABOUT: self.show_about,
        }
        for number, action_id in enumerate(ROOT_CAUSE_ACTIONS, 1):
            handlers[action_id] = functools.partial(self.toggle_root_cause_number, number)
        for action_id, title in zip(READ_PANE_ACTIONS, READING_TARGETS, strict=True):
            handlers[action_id] = functools.partial(self.case_view.focus_pane, title)
        for action_id, handler in handlers.items():
            self.action_map[action_id].triggered.connect(lambda _checked=False, h=handler: h())
        self.action_map[ActionId.TOGGLE_QUEUE].setChecked(True)
        self.label_panel.change_requested.connect(self.record)
        self.label_panel.leave_editor.connect(self.focus_review_surface)
        self.case_view.leave_pane.connect(self.focus_review_surface)
        self.label_panel.attach_requested.connect(self.attach_evidence)
        self.queue_view.filter_applied.connect(self._queue_changed)
        self.queue_view.return_to_table.connect(self.focus_review_surface)
        self.queue_view.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.model.modelReset.connect(self._after_reset)
        self.insights_view.open_cases.connect(self.open_case_ids)
        self.insights_view.status.connect(lambda text: self.statusBar().showMessage(text, 8000))

    def _after_reset(self) -> None:
        # A reset clears the table's current index without a currentRowChanged signal: leave the
        # old case (writing its pending text) so nothing is shown that the queue no longer holds.
        if self.queue_view.table.currentIndex().row() < 0:
            self._show_row(-1)

    def _restore_layout(self) -> None:
        splitters = {
            "main": self.splitter,
            "panes": self.case_view.pane_splitter,
            "spans": self.case_view.span_splitter,
        }
        headers = {"queue": self.queue_view.table.horizontalHeader()}
        self._first_show = not state.restore_window(self, splitters, headers)
        if self._first_show:
            screen = QGuiApplication.primaryScreen()
            available = screen.availableGeometry() if screen is not None else None
            width, height = DEFAULT_SIZE
            if available is not None:
                width, height = min(width, available.width()), min(height, available.height())
            self.resize(width, height)
        self._update_title()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._first_show:
            # First start: split by the size the window really got, not the one asked for.
            self._first_show = False
            width = self.splitter.width() or self.width()
            side = max(260, min(380, int(width * 0.22)))
            panel = max(side, self.label_panel.minimumSizeHint().width())  # nothing in it cut off
            self.splitter.setSizes([side, width - side - panel, panel])

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
            f"Read-only: {visible(str(self.workspace.path))} ({reason}). "
            "You can read, search, export and see the insights; labels and imports are off."
        )
        self.read_only_banner.setVisible(read_only)
        self.setAcceptDrops(not read_only)
        self.label_panel.set_read_only(read_only)
        self._update_actions()

    def _update_actions(self) -> None:
        """Apply the table's enable rule (read-only, insights shown) and undo/redo availability."""
        insights_shown = self.insights_shown
        for action_id, action in self.action_map.items():
            action.setEnabled(enabled(SPECS[action_id], read_only=self.read_only, insights_shown=insights_shown))
        if not self.read_only and not insights_shown:
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

    def _update_reviewer_label(self) -> None:
        self.reviewer_label.setText(f"Reviewer: {self.settings.reviewer}")

    # --- queue ---------------------------------------------------------------------------------
    def _open_initial_queue(self) -> None:
        """Unreviewed cases first; if there are none, everything. Focus lands on the queue."""
        self.queue_view.select_queue("unreviewed")
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

    def _load_count(self, flt: CaseFilter) -> None:
        self._count_generation += 1
        generation = self._count_generation
        self.queue_view.set_count(self.model.rowCount(), None)
        workspace = self.workspace

        def done(info: review.QueueInfo) -> None:
            if generation == self._count_generation:  # a newer queue made this count stale
                self.queue_view.set_count(self.model.rowCount(), info.count, in_import_order=info.in_import_order)

        self.runner.read(lambda: review.queue_info(workspace, flt)).success(done).failure(
            lambda exc, details: log.warning("count failed: %s\n%s", exc, details)
        ).run()

    def load_facets(self) -> None:
        workspace = self.workspace
        generation = self._workspace_generation

        def done(facets: Facets) -> None:
            if generation == self._workspace_generation:
                self.queue_view.set_facets(facets, self.schema)

        self.runner.read(lambda: review.facets(workspace)).success(done).failure(
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
                self.case_view.show_empty(f"No case in this queue matches “{flt.text}”. Esc returns to the queue.")
            elif self.model.rowCount() == 0 and flt == CaseFilter():
                self.case_view.show_empty(
                    "This workspace has no cases yet. Import traces with Ctrl+O, or drop files here."
                )
            else:
                self.case_view.show_empty("No cases in this queue.")
            self.label_panel.clear_case()
            return
        try:
            detail = self._details.pop(rowid, None) or review.load_detail(self.workspace, rowid)
        except ReviewdeskError as exc:
            show_error(self, exc)
            return
        self._detail = detail
        self.case_view.show_detail(detail)
        self.label_panel.show_case(detail.case.labels, detail.case.generation.output, self._audit(detail.case.case_id))
        self._last_mark = time.monotonic()
        # Read the next case while the reviewer reads this one, so J / Ctrl+Enter is instant
        # (after a short delay, so this case is painted first).
        QTimer.singleShot(PREFETCH_DELAY_MS, lambda r=row + 1: self._prefetch(r))

    def _prefetch(self, row: int) -> None:
        rowid = self.model.case_rowid(row)
        if rowid is None or rowid in self._details or (self._detail and self._detail.case_rowid == rowid):
            return
        try:
            self._details[rowid] = review.load_detail(self.workspace, rowid)
        except Exception:
            log.debug("prefetch of case %s failed", rowid, exc_info=True)
            return
        while len(self._details) > DETAIL_CACHE:
            self._details.popitem(last=False)

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

    # --- labels --------------------------------------------------------------------------------
    @property
    def current_case_rowid(self) -> int | None:
        return self._detail.case_rowid if self._detail else None

    def _audit(self, case_id: str) -> list[AuditEntry]:
        """The case's audit trail for the History tab (empty, with a log line, if it cannot be read)."""
        try:
            return audit.entries(self.workspace, case_ref=case_id)
        except ReviewdeskError as exc:
            log.warning("audit trail of %s: %s", case_id, exc)
            return []

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
            self._write_when_unlocked(write, exc.holder)
            return
        except ReviewdeskError as exc:
            show_error(self, exc)
            self.label_panel.show_label(self.label_panel.label)
            return
        self._apply_label_result(result)

    def _write_when_unlocked(self, write: Callable[[], LabelResult], holder: str) -> None:
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
            self._apply_label_result(result)
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

    def _apply_label_result(self, result: LabelResult) -> None:
        self._details.pop(result.case_rowid, None)
        if self._detail is not None and result.case_rowid == self._detail.case_rowid:
            self._detail.case.labels = result.label
            self.label_panel.show_label(result.label)
            self.label_panel.show_history(self._audit(result.case_id))
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
        self._apply_label_result(result)
        what = review.label_difference(*labels) if labels is not None else "a label change"
        self.last_undo_message = f"{verb}: {what} on case {result.case_id[:6]}"
        self.statusBar().showMessage(self.last_undo_message, 6000)

    def _update_undo_actions(self) -> None:
        self._update_actions()

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
        if changes.labels or changes.imports or changes.traces or changes.cases:
            self._insights_stale = True
            if self.insights_shown:
                self._insights_stale = False
                self.insights_view.refresh()

    # --- import / export -----------------------------------------------------------------------
    def choose_import(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import traces", str(Path.home()), formats.import_file_filter())
        if files:
            self.import_paths([Path(f) for f in files])

    def choose_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder of traces", str(Path.home()))
        if folder:
            self.import_paths([Path(folder)])

    def import_paths(self, files: list[Path]) -> None:
        if self._refuse_write("imported"):
            return
        workspace = self.workspace

        def work(progress: Progress) -> imports.ImportResult:
            return imports.import_files(workspace, files, progress=progress)

        self.statusBar().showMessage(f"Importing {len(files)} file(s)…")
        self.runner.op(work).with_progress("Importing traces", self).success(self._imported).failure(
            lambda exc, details: show_error(self, exc, details, title="Import failed")
        ).run()

    def _imported(self, result: imports.ImportResult) -> None:
        lines = [describe_file(s) for s in result.files]
        summary = describe_result(result)
        self.last_import_summary = "\n".join([summary, *lines])
        self.statusBar().showMessage(summary, 8000)
        self.on_changes(result.changes)
        problems = [s for s in result.files if s.failed or s.skipped]
        if not problems:
            return
        all_failed = all(s.failed for s in result.files)
        details = "\n".join(error for s in problems for error in s.errors[:200])
        box = message_box(
            self,
            "Import failed" if all_failed else "Import finished with problems",
            "\n".join(lines) if all_failed else "\n".join([summary, "", *lines]),
            details=details,
        )
        box.setObjectName("import_problems")
        box.exec()

    def choose_export(self) -> None:
        """The export dialog, then the export on the task runner; the status bar says what was written."""
        fixed = self.model.fixed_rowids
        # A list opened from the insights is exported as that list, in its order.
        queue = (
            exports.ExportSelection(case_rowids=tuple(fixed))
            if fixed is not None
            else exports.ExportSelection(flt=self.model.case_filter)
        )
        workspace = self.workspace
        dialog = ExportDialog(
            workspace, self.runner, formats.export_formats(), queue, default_dir=Path.home(), parent=self
        )
        try:
            if not dialog.exec():
                return
            selection = dialog.selection()
            name = dialog.format_name()
            out = dialog.output_path()
            split = dialog.split_spec()
            bom = dialog.wants_excel_bom()
        finally:
            dialog.deleteLater()
        self.runner.op(
            lambda progress: exports.export_cases(
                workspace, name, out, selection=selection, split=split, excel_bom=bom, progress=progress
            )
        ).with_progress("Exporting", self).success(
            lambda res: self.statusBar().showMessage(export_message(res), 8000)
        ).failure(lambda exc, details: show_error(self, exc, details, title="Export failed")).run()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.read_only:
            event.ignore()
            return
        if event.mimeData().hasUrls() and all(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [Path(QUrl(url).toLocalFile()) for url in event.mimeData().urls()]
        if self.read_only:
            event.ignore()
            self._refuse_write("imported")
            return
        if files:
            event.acceptProposedAction()
            self.import_paths(files)

    # --- workspace, settings, help -------------------------------------------------------------
    def choose_workspace(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Open or create a workspace",
            str(self.workspace.path.parent),
            f"reviewdesk workspace (*{paths.WORKSPACE_SUFFIX})",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if path:
            target = Path(path)
            if not target.suffix:
                target = target.with_suffix(paths.WORKSPACE_SUFFIX)
            self.switch_workspace(target)

    def switch_workspace(self, path: Path) -> None:
        if self.runner.writing:
            self.statusBar().showMessage("Wait for the running import or export to finish.", 5000)
            return
        try:
            # A read-only window stays read-only: a risk owner's session never starts writing.
            workspace = open_workspace(path, read_only=True if self.read_only else None)
        except ReviewdeskError as exc:
            show_error(self, exc)
            return
        self.label_panel.flush_text()
        old, self.workspace = self.workspace, workspace
        self._workspace_generation += 1  # reads still running on the old workspace are ignored
        old.close()
        self.schema = review.label_schema(workspace)
        self.session = ReviewSession(workspace, self.settings.reviewer)
        self.label_panel.set_schema(self.schema)
        self._label_root_cause_actions()
        self._details.clear()
        self.model.set_workspace(workspace)
        self.insights_view.set_workspace(workspace)
        self._insights_stale = True
        self.remember_workspace()
        self._update_title()
        self._apply_read_only()
        self._open_initial_queue()
        if self.insights_shown:
            self._insights_stale = False
            self.insights_view.refresh()

    def remember_workspace(self) -> None:
        self.settings.add_recent(self.workspace.path)
        self._save_settings()
        self._fill_recent_menu()

    def _save_settings(self) -> None:
        try:
            save_settings(self.settings)
        except OSError as exc:
            log.warning("could not save settings: %s", exc)

    def edit_preferences(self) -> None:
        dialog = PreferencesDialog(self.settings, self)
        if not dialog.exec():
            return
        name = dialog.reviewer.text().strip()
        if name:
            self.settings.reviewer = name
            self.session.reviewer = name
        self.settings.color_scheme = dialog.scheme.currentData()
        apply_color_scheme(self.settings.color_scheme)
        self._update_reviewer_label()
        self._save_settings()

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
            redaction.update_settings(self.workspace, lambda _before: changes, actor=self.settings.reviewer)
        except ReviewdeskError as exc:
            show_error(self, exc, title="Redaction rules")
            return
        self.statusBar().showMessage("Redaction rules saved: they apply to the next imports.", 6000)

    def edit_prices(self) -> None:
        """Apply the dialog's prices: each added, changed or removed model through ``services.prices``,
        in the background (each change re-estimates the stored cases that record no cost)."""
        if self._refuse_write("changed"):
            return
        workspace, reviewer = self.workspace, self.settings.reviewer
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
            purge.set_retention(
                workspace, older_than_days=days, keep_labeled=keep_labeled, actor=self.settings.reviewer
            )
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
            f"history and search entries — from {workspace.path.name}."
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
        reviewer = self.settings.reviewer

        def work(_progress: Progress) -> purge.PurgeResult:
            return purge.purge(workspace, older_than=older_than, keep_labeled=keep_labeled, now=now, actor=reviewer)

        self.label_panel.flush_text()
        self.runner.op(work).with_progress("Purging", self).success(self._purged).failure(
            lambda exc, details: show_error(self, exc, details, title="Purge failed")
        ).run()

    def _purged(self, result: purge.PurgeResult) -> None:
        # Undo could point at a deleted case: start the undo history afresh.
        self.session = ReviewSession(self.workspace, self.settings.reviewer)
        self.on_changes(Changes(cases=True, traces=True, labels=True))
        self._update_actions()
        self.statusBar().showMessage(
            f"Purged {result.cases} case(s) and {result.spans} span(s); the file went from "
            f"{result.bytes_before:,} to {result.bytes_after:,} bytes.",
            10000,
        )

    def show_cheat_sheet(self) -> None:
        CheatSheet(self.settings.shortcuts, self.schema, self).exec()

    def show_about(self) -> None:
        box = message_box(
            self,
            "About reviewdesk",
            f"reviewdesk {__version__}\n"
            "Review and label the behaviour of LLM applications offline.\n\n"
            f"Workspace: {self.workspace.path}\n"
            f"Data folder: {paths.data_dir()}\n"
            f"Settings: {paths.config_dir()}\n\n"
            "Licensed under the Apache License 2.0.",
            icon=QMessageBox.Icon.Information,
        )
        box.setObjectName("about_box")
        box.exec()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.label_panel.flush_text()
        self.queue_view.stop()
        splitters = {
            "main": self.splitter,
            "panes": self.case_view.pane_splitter,
            "spans": self.case_view.span_splitter,
        }
        state.save_window(self, splitters, {"queue": self.queue_view.table.horizontalHeader()})
        self._save_settings()
        self.runner.shutdown()
        super().closeEvent(event)
