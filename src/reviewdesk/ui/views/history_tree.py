"""The label panel's History tab: a case's audit trail, newest first, every change wrapped whole."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QHeaderView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from reviewdesk.services.audit import AuditEntry
from reviewdesk.services.review import describe_change
from reviewdesk.ui.widgets.inert import inert_tooltip, visible

_FIT = QHeaderView.ResizeMode.ResizeToContents


class HistoryTree(QTreeWidget):
    """When, who, change and time spent; the change column takes the rest of the width and wraps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("history")
        self.setHeaderLabels(["When", "Who", "Change", "Time"])
        self.setAccessibleName("Audit trail of this case")
        self.setRootIsDecorated(False)
        self.setWordWrap(True)
        self.setUniformRowHeights(False)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        # When, who and time as wide as their text; the change takes the rest and wraps (never cut off).
        header = self.header()
        header.setStretchLastSection(False)
        for column, mode in enumerate((_FIT, _FIT, QHeaderView.ResizeMode.Stretch, _FIT)):
            header.setSectionResizeMode(column, mode)
        # A tree does not grow a row for wrapped text by itself: each row gets the height its change needs.
        header.sectionResized.connect(lambda *_args: self.fit_rows())
        self.installEventFilter(self)  # shown or resized: fit the rows to the new width

    def show_entries(self, history: list[AuditEntry]) -> None:
        """The case's audit entries, newest first (the change just made is on top)."""
        self.clear()
        for entry in reversed(history):
            when = entry.time.astimezone().strftime("%m-%d %H:%M:%S")
            spent = "" if entry.seconds_spent is None else f"{entry.seconds_spent:.0f} s"
            summary = describe_change(entry.details) if entry.action == "label" else f"{entry.action} {entry.subject}"
            item = QTreeWidgetItem([when, visible(entry.actor), visible(summary), spent])
            schema = f" · label schema v{entry.label_schema_version}" if entry.label_schema_version else ""
            item.setToolTip(0, f"{entry.time.isoformat()} ({entry.entry}{schema})")
            item.setToolTip(1, inert_tooltip(entry.actor))
            item.setToolTip(2, inert_tooltip(summary))
            self.addTopLevelItem(item)
        self.fit_rows()

    def fit_rows(self) -> None:
        margin = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1)
        width = max(self.columnWidth(2) - margin, 40)
        metrics = self.fontMetrics()
        changed = False
        for row in range(self.topLevelItemCount()):
            item = self.topLevelItem(row)
            if item is None:
                continue
            height = metrics.boundingRect(QRect(0, 0, width, 100_000), Qt.TextFlag.TextWordWrap, item.text(2)).height()
            hint = QSize(width, height + 4)
            if item.sizeHint(2) != hint:
                item.setSizeHint(2, hint)
                changed = True
        if changed:
            self.doItemsLayout()  # the view keeps row heights it measured before

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self and event.type() in (QEvent.Type.Show, QEvent.Type.Resize):
            QTimer.singleShot(0, self.fit_rows)
        return super().eventFilter(watched, event)
