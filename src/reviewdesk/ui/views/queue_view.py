"""The queue on the left: search, smart queues, facets, and the lazy case table.

Typing in the search box filters as you type (after a short pause); Enter or Esc hands the
keyboard back to the table. The view builds a ``CaseFilter`` from its widgets and gives it to the
model; it knows nothing about how the model loads rows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.queries import SMART_QUEUES, CaseFilter, Count, Facets, smart_queue
from reviewdesk.services import visibility
from reviewdesk.services.review import LabelSchema
from reviewdesk.ui.models.case_table_model import CaseTableModel
from reviewdesk.ui.views.queue_columns import ColumnFit
from reviewdesk.ui.views.queue_tally import QueueTally
from reviewdesk.ui.views.recent_strip import RecentStrip

SEARCH_DELAY_MS = 250


class QueueView(QWidget):
    """Filter bar above the case table."""

    filter_applied = Signal(object)
    """The model now shows this ``CaseFilter`` (first page loaded)."""
    return_to_table = Signal()

    def __init__(self, model: CaseTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.viewer: visibility.Viewer | None = None
        """Who the queues are for (My queue is theirs; blind review hides others' labels from them)."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 0, 4)
        layout.setSpacing(4)

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search request, output, context, tools   /")
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        # Which cases a search looks in, always on screen: this queue and its filters, or every case.
        self.search_all = QToolButton()
        self.search_all.setObjectName("search_all")
        self.search_all.setText("All cases")
        self.search_all.setCheckable(True)
        self.search_all.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.search_all.setToolTip(
            "Search every case of the workspace, not only this queue and its filters (Ctrl+Shift+F)"
        )
        self.search_all.toggled.connect(self._scope_changed)
        search_row = QHBoxLayout()
        search_row.setSpacing(4)
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.search_all)
        layout.addLayout(search_row)

        grid = QGridLayout()
        grid.setSpacing(4)
        self.queue_combo = self._combo("queue", "Smart queue")
        for queue in SMART_QUEUES:
            self.queue_combo.addItem(queue.title, queue.id)
            self.queue_combo.setItemData(self.queue_combo.count() - 1, queue.description, Qt.ItemDataRole.ToolTipRole)
        self.review_combo = self._combo("review", "Review state")
        for text, value in (
            ("Any review state", None),
            ("Unreviewed", "unreviewed"),
            ("Labeled", "labeled"),
            ("Escalated", "flagged"),
        ):
            self.review_combo.addItem(text, value)
        self.verdict_combo = self._combo("verdict", "Verdict")
        for text, value in (("Any verdict", None), ("Pass", "pass"), ("Fail", "fail"), ("Unsure", "unsure")):
            self.verdict_combo.addItem(text, value)
        self.workflow_combo = self._combo("workflow", "Workflow")
        self.release_combo = self._combo("release", "Release")
        self.model_combo = self._combo("model", "Model")
        self.error_combo = self._combo("error", "Error")
        self.root_cause_combo = self._combo("root_cause", "Root cause")
        combos = (
            self.queue_combo,
            self.review_combo,
            self.workflow_combo,
            self.release_combo,
            self.model_combo,
            self.error_combo,
            self.verdict_combo,
            self.root_cause_combo,
        )
        for position, combo in enumerate(combos):
            grid.addWidget(combo, position // 2, position % 2)
        layout.addLayout(grid)
        self.set_facets(Facets())

        self.count_label = QLabel()
        self.count_label.setObjectName("queue_count")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.tally = QueueTally()
        # "3 of 15 done": the reviewer's progress through their assignment, beside My queue's count.
        self.progress_label = QLabel()
        self.progress_label.setObjectName("queue_progress")
        self.progress_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress_label.hide()
        count_row = QHBoxLayout()
        count_row.addWidget(self.count_label, 1)
        count_row.addWidget(self.progress_label)
        layout.addLayout(count_row)

        self.table = QTableView()
        self.table.setObjectName("queue_table")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        self.columns = ColumnFit(self.table)  # the Request fills what the first columns leave
        layout.addWidget(self.table, 1)
        self.recent = RecentStrip()
        layout.addWidget(self.recent)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply)
        self.search.textEdited.connect(lambda _text: self._search_timer.start())
        for combo in combos:
            combo.activated.connect(lambda _index: self.apply())

    def _combo(self, name: str, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(f"facet_{name}")
        combo.setToolTip(tip)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(8)
        return combo

    # --- facets --------------------------------------------------------------------------------
    @staticmethod
    def _fill(combo: QComboBox, any_text: str, counts: list[Count], extra: list[tuple[str, Any]] | None = None) -> None:
        current = combo.currentData()
        combo.clear()
        combo.addItem(any_text, None)
        for text, value in extra or []:
            combo.addItem(text, value)
        for count in counts:
            if count.key is None:
                continue
            combo.addItem(f"{count.key}  ({count.count:,})", count.key)
        index = combo.findData(current)
        combo.setCurrentIndex(max(index, 0))

    def set_facets(self, facets: Facets, schema: LabelSchema | None = None) -> None:
        self._fill(self.workflow_combo, "Any workflow", facets.workflows)
        self._fill(self.release_combo, "Any release", facets.releases)
        self._fill(self.model_combo, "Any model", facets.models)
        errors = [Count(key=f"type:{c.key}", count=c.count) for c in facets.error_types]
        self._fill(self.error_combo, "Errors or not", [], [("Errors only", "status:error"), ("No errors", "status:ok")])
        for count in errors:
            self.error_combo.addItem(f"{count.key[5:] if count.key else ''}  ({count.count:,})", count.key)
        counts = {c.key: c.count for c in facets.root_causes}
        current = self.root_cause_combo.currentData()
        self.root_cause_combo.clear()
        self.root_cause_combo.addItem("Any root cause", None)
        ids = [rc.id for rc in schema.root_causes] if schema else [c.key for c in facets.root_causes if c.key]
        for rc_id in ids:
            title = schema.title(rc_id) if schema else rc_id
            self.root_cause_combo.addItem(f"{title}  ({counts.get(rc_id, 0):,})", rc_id)
        self.root_cause_combo.setCurrentIndex(max(self.root_cause_combo.findData(current), 0))

    # --- filter --------------------------------------------------------------------------------
    def queue_id(self) -> str:
        return str(self.queue_combo.currentData() or "all")

    def _queue_filter(self) -> CaseFilter:
        if self.viewer is None:
            return smart_queue(self.queue_id()).filter
        return visibility.queue_filter(self.viewer, self.queue_id())

    def current_filter(self) -> CaseFilter:
        flt = self._queue_filter()
        changes: dict[str, Any] = {}
        for combo, field in (
            (self.workflow_combo, "workflow"),
            (self.release_combo, "release"),
            (self.model_combo, "model"),
            (self.review_combo, "review"),
            (self.verdict_combo, "verdict"),
            (self.root_cause_combo, "root_cause"),
        ):
            value = combo.currentData()
            if value is not None:
                changes[field] = value
        error = self.error_combo.currentData()
        if isinstance(error, str) and error.startswith("status:"):
            changes["status"] = error.removeprefix("status:")
        elif isinstance(error, str) and error.startswith("type:"):
            changes["error_type"] = error.removeprefix("type:")
        text = self.search.text().strip()
        if text and self.search_all.isChecked():
            # Every case: the queue and its filters do not apply (the viewer's blind rule does).
            return visibility.for_viewer(CaseFilter(text=text), self.viewer)
        if text:
            changes["text"] = text
        return flt.with_(**changes) if changes else flt

    def scope_text(self) -> str:
        """Where a search looks: ``all cases``, or the queue (``Unreviewed``, ``+ filters`` if any)."""
        if self.search_all.isChecked():
            return "all cases"
        bare = self._queue_filter()
        filtered = self.current_filter().with_(text=None) != bare
        title = smart_queue(self.queue_combo.currentData() or "all").title  # without a count beside it
        return f"{title}{' + filters' if filtered else ''}"

    def _scope_changed(self) -> None:
        self._show_scope()
        if self.search.text().strip():
            self.apply()

    def _show_scope(self) -> None:
        if self.search_all.isChecked():
            self.search.setPlaceholderText("Search all cases   Ctrl+Shift+F: this queue only")
        else:
            self.search.setPlaceholderText(f"Search {self.scope_text()}   /   Ctrl+Shift+F: all cases")

    def search_everything(self) -> None:
        """Ctrl+Shift+F: search every case (again: back to this queue), the keyboard in the search box."""
        self.search_all.toggle()
        self.focus_search()

    def apply(self) -> None:
        """Show the queue the widgets describe."""
        self._search_timer.stop()
        self._show_scope()
        flt = self.current_filter()
        if self.queue_id() != "mine":
            self.progress_label.hide()  # "n of N done" is My queue's
        self.model.set_filter(flt)
        self.filter_applied.emit(flt)

    def select_queue(self, queue_id: str) -> None:
        index = self.queue_combo.findData(queue_id)
        if index >= 0:
            self.queue_combo.setCurrentIndex(index)
            self.apply()

    def set_queue_count(self, queue_id: str, count: int) -> None:
        """Show a smart queue's size beside its name in the list (``Disputed (3)``)."""
        index = self.queue_combo.findData(queue_id)
        if index >= 0:
            self.queue_combo.setItemText(index, f"{smart_queue(queue_id).title} ({count:,})")

    def set_count(
        self,
        shown: int,
        total: int | None,
        *,
        in_import_order: bool = False,
        reviewed: int | None = None,
        more: bool = False,
        reviewed_more: bool = False,
    ) -> None:
        """``total`` arrives later (counted off the GUI thread); until then, what is loaded.

        ``reviewed`` (how many of ``total`` have a verdict) is kept up to date as the reviewer
        labels (``case_written``), so the bar says "12 of 30 reviewed" live; a queue whose cases
        leave it as they are done says "3 reviewed this session · 27 left" (``QueueTally``).
        ``more``: counting stopped at ``total`` (``review.COUNT_CAP``) and the bar says "10,000+";
        ``reviewed_more`` the same of ``reviewed``.
        """
        if total is None:
            self.tally.asked(None if self.model.fixed else self.model.case_filter)
            more = self.model.canFetchMore(QModelIndex())
            self.count_label.setText(f"{shown:,}{'+' if more else ''} case{'s' if shown != 1 or more else ''}")
            self.count_label.setToolTip("")
            return
        if self.model.fixed:
            self.tally.asked(None)
        self.tally.counted(total, reviewed, in_import_order=in_import_order, more=more, reviewed_more=reviewed_more)
        self._show_count()

    def case_written(
        self, case_rowid: int, *, verdict_before: bool, verdict_after: bool, adjudicated: bool = False
    ) -> None:
        """A label or an adjudication was written on a case of this queue: follow it in the count."""
        if self.tally.noted(
            case_rowid, verdict_before=verdict_before, verdict_after=verdict_after, adjudicated=adjudicated
        ):
            self._show_count()

    def _show_count(self) -> None:
        if self.tally.total is None:
            return
        text, tip = self.tally.text(searched=bool(self.search.text().strip()), scope=self.scope_text())
        self.count_label.setToolTip(tip)
        self.count_label.setText(text)

    def set_progress(self, done: int, assigned: int) -> None:
        """My queue's "n of N done" (shown only while My queue is the queue, and only with an assignment)."""
        self.progress_label.setText(f"{done:,} of {assigned:,} done")
        self.progress_label.setToolTip(f"You gave a verdict on {done:,} of the {assigned:,} case(s) assigned to you")
        self.progress_label.setVisible(self.queue_id() == "mine" and assigned > 0)

    def stop(self) -> None:
        """The window is closing: no pending search may fire afterwards."""
        self._search_timer.stop()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._search_timer.isActive():
                    self.apply()
                self.return_to_table.emit()
                return True
            if event.key() == Qt.Key.Key_Escape:
                if self._search_timer.isActive():
                    self.apply()
                self.return_to_table.emit()
                return True
            if event.key() == Qt.Key.Key_Down:
                self.return_to_table.emit()
                return True
        return super().eventFilter(watched, event)
