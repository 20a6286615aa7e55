"""Figure tables of the Insights view: ``Cell`` rows in a read-only model whose cells open their cases.

Every table cell that stands for cases carries their ids (``CASE_IDS_ROLE``); a click — or Enter on
the current cell — emits ``open_cases(list[str])``. Trace text is shown only through the display
role — plain text, never rich text — so it cannot inject markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from reviewdesk.services import report as fmt
from reviewdesk.services.insights import Insights, Proportion
from reviewdesk.ui.widgets.inert import inert_tooltip, visible

CASE_IDS_ROLE = Qt.ItemDataRole.UserRole + 20
"""``tuple[str, ...]``: the case ids behind a table cell (empty: the cell is only text)."""

ModelIndex = QModelIndex | QPersistentModelIndex
_INVALID = QModelIndex()
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell: its text, the cases behind it, a tooltip, and whether it is a number."""

    text: str
    case_ids: tuple[str, ...] = ()
    tooltip: str = ""
    number: bool = False
    alarm: bool = False
    """Drawn in the palette's error colour (a significant change, a flagged document)."""


def num(value: object, case_ids: Sequence[str] = (), tooltip: str = "", *, alarm: bool = False) -> Cell:
    return Cell(str(value), tuple(case_ids), tooltip, number=True, alarm=alarm)


def txt(value: object, case_ids: Sequence[str] = (), tooltip: str = "") -> Cell:
    # Trace text is flattened to one line: a table row is no place for a pasted log.
    return Cell(" ".join(str(value).split()), tuple(case_ids), tooltip)


def rate_cell(p: Proportion) -> Cell:
    """``27% [11–52%] 4/15``: the rate with its interval and n; opens the k cases."""
    return Cell(
        fmt.rate_caption(p),
        p.case_ids,
        f"{p.k} of {p.n} labeled case(s); 95% Wilson interval {fmt.interval(p.low, p.high)}",
        number=True,
    )


def alarm_color() -> QColor:
    dark = QGuiApplication.palette().base().color().lightness() < 128
    return QColor("#ff7b72") if dark else QColor("#b3261e")


class FigureTableModel(QAbstractTableModel):
    """A read-only table of ``Cell`` rows: figures as text, case ids in ``CASE_IDS_ROLE``."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: list[list[Cell]] = []

    def set_rows(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        self.beginResetModel()
        self._headers = list(headers)
        width = len(self._headers)
        self._rows = [list(r)[:width] + [Cell("")] * (width - len(r)) for r in rows]
        self.endResetModel()

    def cell(self, row: int, column: int) -> Cell | None:
        if 0 <= row < len(self._rows) and 0 <= column < len(self._headers):
            return self._rows[row][column]
        return None

    def rowCount(self, parent: ModelIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self.cell(index.row(), index.column()) if index.isValid() else None
        if cell is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return visible(cell.text)
        if role == CASE_IDS_ROLE:
            return cell.case_ids
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [cell.tooltip] if cell.tooltip else []
            if cell.case_ids:
                parts.append(f"Click to open the {len(cell.case_ids)} case(s) in the queue.")
            return inert_tooltip("\n".join(parts)) or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if cell.number else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            if cell.alarm:
                return alarm_color()
            if cell.case_ids:
                return QGuiApplication.palette().link().color()
        return None


class FigureTable(QTableView):
    """A table whose cells open their cases: click, or Enter on the current cell."""

    open_cases = Signal(list)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.figures = FigureTableModel(self)
        self.setModel(self.figures)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(False)
        self.clicked.connect(self._open)
        self.activated.connect(self._open)

    def set_rows(self, headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
        self.figures.set_rows(headers, rows)
        self.resizeColumnsToContents()
        for column in range(self.figures.columnCount()):
            self.setColumnWidth(column, min(self.columnWidth(column), 320))
        # Tables sit in a scrolling page: show every row rather than a second scroll bar.
        height = self.horizontalHeader().sizeHint().height() + 4 + sum(self.rowHeight(r) for r in range(len(rows)))
        scroll = self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(max(height + scroll, 60))

    def _open(self, index: QModelIndex) -> None:
        ids = index.data(CASE_IDS_ROLE)
        if ids:
            self.open_cases.emit(list(ids))


def unresolved_header(insights: Insights) -> str:
    """The header of a column of cases without a resolved verdict: "Unreviewed" until some are disputed.

    A disputed case was reviewed but not settled; it counts with the unreviewed ones (it has no
    verdict to count), and the header must not call it unreviewed.
    """
    return "Not resolved" if insights.disputed else "Unreviewed"
