"""The queue's columns fitted to its width: Verdict, Error and Workflow narrow, the Request the rest.

A queue is a narrow column beside the case (a quarter of the window or less). At fixed widths the
first three columns took all of it and the Request, what a reviewer reads a row by, started past
the right edge even at 1920×1080. ``ColumnFit`` keeps the first columns at their default widths
(shrunk, elided with ``…``, when the queue is very narrow) and gives the Request whatever is left
of the visible width, so it always ends at the right edge; the columns after it (model, latency,
cost, root causes) are a horizontal scroll away, as before. A column the reviewer drags keeps its
width; the Request follows.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QTableView

from reviewdesk.ui.models.case_table_model import COLUMN_REQUEST, COLUMN_WIDTHS

MIN_REQUEST = 120
"""The Request never gets less than this (about 15 characters): the columns before it give way first."""
MIN_LEADING = (64, 40, 56)
"""The narrowest Verdict, Error and Workflow get: the verdict mark whole (``✓ pass ⚑``), the error dot, a word."""


class ColumnFit(QObject):
    """Refits ``table``'s Request column whenever its viewport or a column before it changes width."""

    def __init__(self, table: QTableView) -> None:
        super().__init__(table)
        self.table = table
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        for column, width in enumerate(COLUMN_WIDTHS):
            table.setColumnWidth(column, width)
        self._fitting = False
        self._dragged = False
        """A column before the Request was sized by the reviewer (or restored): keep it on resizes."""
        header.sectionResized.connect(self._section_resized)
        self._viewport = table.viewport()
        self._viewport.installEventFilter(self)

    def _section_resized(self, column: int, _old: int, _new: int) -> None:
        if column < COLUMN_REQUEST and not self._fitting:
            self._dragged = True
            self.fit(keep_leading=True)

    def fit(self, *, keep_leading: bool = False) -> None:
        """The Request takes the visible width the columns before it leave (see the module docstring)."""
        available = self.table.viewport().width()
        if available <= 0:
            return
        self._fitting = True
        try:
            leading = [self.table.columnWidth(c) for c in range(COLUMN_REQUEST)]
            if not keep_leading:
                leading = list(COLUMN_WIDTHS[:COLUMN_REQUEST])
                # Too narrow for all of them at their defaults: the wider ones give way, down to their minimum.
                for column in sorted(range(COLUMN_REQUEST), key=lambda c: -leading[c]):
                    excess = sum(leading) + MIN_REQUEST - available
                    if excess <= 0:
                        break
                    leading[column] = max(MIN_LEADING[column], leading[column] - excess)
                for column, width in enumerate(leading):
                    self.table.setColumnWidth(column, width)
            self.table.setColumnWidth(COLUMN_REQUEST, max(MIN_REQUEST, available - sum(leading)))
        finally:
            self._fitting = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._viewport and event.type() == QEvent.Type.Resize:
            self.fit(keep_leading=self._dragged)
        return False
