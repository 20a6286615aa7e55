"""Recent decisions: the last cases given a verdict in this window, newest first (Prodigy's history).

A strip of small marks under the queue — ``✗ 9411c3`` — each the case's verdict as it stands now
(an undo or a changed verdict updates its mark). Clicking one, or ``B`` (again and again, further
back), goes back to that case, so a slip noticed two cases later is two keys away. It holds plain
values only (row id, case id, verdict); the window decides how to show a case it names.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from reviewdesk.ui.models.case_table_model import ESCALATED_MARK, VERDICT_COLORS, VERDICT_MARKS, verdict_color

RECENT_DECISIONS = 10
ROWID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class Decision:
    """One case of the strip, as its label stands now."""

    case_rowid: int
    case_id: str
    verdict: str | None
    escalate: bool = False

    @property
    def mark(self) -> str:
        glyph = VERDICT_MARKS.get(self.verdict, VERDICT_MARKS[None])[0]
        return f"{glyph} {self.case_id[:6]}{' ' + ESCALATED_MARK if self.escalate else ''}"


class RecentStrip(QWidget):
    """See the module docstring."""

    open_case = Signal(int)
    """The reviewer picked a case of the strip (its row id)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recent_strip")
        self.decisions: list[Decision] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(2)
        self.caption = QLabel("Recent decisions   B goes back")
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        font = self.caption.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.caption.setFont(font)
        layout.addWidget(self.caption)
        self.list = QListWidget()
        self.list.setObjectName("recent_decisions")
        self.list.setAccessibleName("Recent decisions: the last cases you gave a verdict, newest first")
        # Marks flow left to right and wrap: ten of them in two or three short rows under the queue.
        self.list.setViewMode(QListView.ViewMode.ListMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setSpacing(1)
        self.list.setUniformItemSizes(True)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays on the review surface (B)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.itemClicked.connect(self._clicked)
        layout.addWidget(self.list)
        self._fit_height()
        self.setVisible(False)  # nothing decided yet: no empty box

    def note(self, decision: Decision) -> None:
        """A label of ``decision``'s case was written: it goes first (a case with no verdict only updates)."""
        index = next((i for i, d in enumerate(self.decisions) if d.case_rowid == decision.case_rowid), None)
        if decision.verdict is None and index is None:
            return  # a comment or a score on an unreviewed case is no decision
        if index is not None:
            if decision.verdict is None:
                self.decisions[index] = decision  # undone back to no verdict: shown as such, in place
            else:
                del self.decisions[index]
                self.decisions.insert(0, decision)
        else:
            self.decisions.insert(0, decision)
        del self.decisions[RECENT_DECISIONS:]
        self._show()

    def clear(self) -> None:
        self.decisions.clear()
        self._show()

    def back_from(self, case_rowid: int | None) -> Decision | None:
        """The decision before ``case_rowid``'s in the strip (the newest when it is not in the strip)."""
        if not self.decisions:
            return None
        index = next((i for i, d in enumerate(self.decisions) if d.case_rowid == case_rowid), None)
        if index is None:
            return self.decisions[0]
        return self.decisions[(index + 1) % len(self.decisions)]

    def mark_current(self, case_rowid: int | None) -> None:
        """Select the shown case's mark (none when the shown case is not in the strip)."""
        self.list.clearSelection()
        for row, decision in enumerate(self.decisions):
            if decision.case_rowid == case_rowid:
                item = self.list.item(row)
                if item is not None:
                    item.setSelected(True)

    def _show(self) -> None:
        self.list.clear()
        for decision in self.decisions:
            item = QListWidgetItem(decision.mark)
            item.setData(ROWID_ROLE, decision.case_rowid)
            title = VERDICT_MARKS.get(decision.verdict, VERDICT_MARKS[None])[1]
            item.setToolTip(f"case {decision.case_id}: {title}{' · escalated' if decision.escalate else ''}")
            if decision.verdict in VERDICT_COLORS:
                item.setForeground(verdict_color(decision.verdict))
            self.list.addItem(item)
        self.setVisible(bool(self.decisions))
        self._fit_height()

    def _fit_height(self) -> None:
        # Tall enough for every mark at the current width (they wrap), never a scrollbar.
        metrics = self.list.fontMetrics()
        cell = QSize(metrics.horizontalAdvance("✗ 9411c3 ⚑") + 10, metrics.height() + 4)
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None:
                item.setSizeHint(cell)
        per_row = max(1, (self.list.viewport().width() or 260) // (cell.width() + 2))
        rows = max(1, -(-max(self.list.count(), 1) // per_row))
        self.list.setFixedHeight(rows * (cell.height() + 2) + 2 * self.list.frameWidth() + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _clicked(self, item: QListWidgetItem) -> None:
        rowid = item.data(ROWID_ROLE)
        if isinstance(rowid, int):
            self.open_case.emit(rowid)
