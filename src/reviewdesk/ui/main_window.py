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

This module builds the window; its behaviour is a chain of classes, one module each (see
``window_base``): the queue and shown case, the review loop, the File handlers, the Edit and Help
dialogs; ``window_menus`` builds the menus and connects each action to its handler.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from reviewdesk.services import review
from reviewdesk.services.review import CaseDetail, ReviewSession
from reviewdesk.services.workspace import Workspace
from reviewdesk.settings import Settings
from reviewdesk.ui import state
from reviewdesk.ui.actions import build_actions
from reviewdesk.ui.detail_cache import DetailCache
from reviewdesk.ui.models.case_table_model import CaseTableModel
from reviewdesk.ui.tasks import TaskRunner
from reviewdesk.ui.team_sync import TeamSync
from reviewdesk.ui.views.adjudication_view import AdjudicationView
from reviewdesk.ui.views.case_view import CaseView
from reviewdesk.ui.views.guide_panel import GuidePanel
from reviewdesk.ui.views.insights import InsightsView
from reviewdesk.ui.views.label_panel import LabelPanel
from reviewdesk.ui.views.queue_view import QueueView
from reviewdesk.ui.window_dialogs import WindowDialogs
from reviewdesk.ui.window_menus import build_menus, connect_actions

DEFAULT_SIZE = (1366, 768)


class MainWindow(WindowDialogs):
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
        self._details = DetailCache()
        self._last_mark = time.monotonic()
        self._count_generation = 0
        self._workspace_generation = 0
        self.last_import_summary = ""
        self.last_undo_message = ""
        self.last_merge_report = ""

        self.model = CaseTableModel(workspace, self)
        self.queue_view = QueueView(self.model)
        self.case_view = CaseView()
        self.label_panel = LabelPanel()
        self.label_panel.set_schema(self.schema)
        self.guide = GuidePanel()  # G: the rubric and the causes' definitions, beside the form
        side_panel = QWidget()
        side_panel.setObjectName("side_panel")
        side_layout = QHBoxLayout(side_panel)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.setSpacing(4)
        side_layout.addWidget(self.guide)
        side_layout.addWidget(self.label_panel, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.queue_view)
        self.splitter.addWidget(self.case_view)
        # The right-hand side: the label panel (with the guide), or the reviewers' labels side by
        # side (disputed cases).
        self.adjudication_view = AdjudicationView()
        self.side_stack = QStackedWidget()
        self.side_stack.setObjectName("side_stack")
        self.side_stack.addWidget(side_panel)
        self.side_stack.addWidget(self.adjudication_view)
        self._sizes_before_adjudication = None
        self._disputed_generation = 0
        self.splitter.addWidget(self.side_stack)
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
        build_menus(self)
        connect_actions(self)
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
        self._set_viewer()
        self._apply_read_only()
        self._restore_layout()
        self._open_initial_queue()
        self.team_sync = TeamSync(self)  # other reviewers' labels, on a shared workspace
        self.update_disputed_count()

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
            # The window's own width: the splitter may not be laid out at the size asked for yet.
            width = max(self.splitter.width(), self.width())
            side = max(260, min(460, int(width * 0.22)))
            panel = max(side, self.label_panel.minimumSizeHint().width())  # nothing in it cut off
            self.splitter.setSizes([side, width - side - panel, panel])

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
        self.team_sync.timer.stop()
        self.runner.shutdown()
        super().closeEvent(event)
