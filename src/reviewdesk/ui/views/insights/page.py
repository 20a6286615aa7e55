"""A tab of the Insights view: a scrolling page of headings, notes, charts and figure tables.

Each tab is a ``Page`` subclass in its own module that builds its widgets and fills them from
``Insights`` in ``fill`` (GUI-thread work only: no database access). Every table and chart of a page
forwards its ``open_cases`` to the page's, which the view forwards to the main window.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from reviewdesk.services.insights import Insights
from reviewdesk.ui.charts.bars import IntervalChart
from reviewdesk.ui.views.insights.figures import FigureTable

W = TypeVar("W", bound=QWidget)


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def note(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setEnabled(False)  # the palette's muted text colour, without a hard-coded grey
    return label


class Page(QScrollArea):
    """A scrolling page of headings, notes, charts and tables."""

    title = ""
    """The tab's text (``&&`` for a literal ampersand)."""

    open_cases = Signal(list)
    """``list[str]``: case ids to open in the queue, in order."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWidgetResizable(True)
        self.tables: dict[str, FigureTable] = {}
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(10, 8, 10, 10)
        self._layout.setSpacing(6)
        self.setWidget(body)

    def add(self, widget: W) -> W:
        self._layout.addWidget(widget)
        return widget

    def row(self, *widgets: QWidget | str) -> None:
        holder = QWidget()
        layout = QHBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in widgets:
            layout.addWidget(QLabel(widget) if isinstance(widget, str) else widget)
        layout.addStretch(1)
        self._layout.addWidget(holder)

    def table(self, name: str) -> FigureTable:
        table = self.add(FigureTable(name))
        table.open_cases.connect(self.open_cases)
        self.tables[name] = table
        return table

    def interval_chart(self, name: str) -> IntervalChart:
        chart = self.add(IntervalChart())
        chart.setObjectName(name)
        chart.open_cases.connect(self.open_cases)
        return chart

    def finish(self) -> None:
        self._layout.addStretch(1)

    def fill(self, insights: Insights) -> None:
        """Show ``insights`` on this page."""
        raise NotImplementedError
