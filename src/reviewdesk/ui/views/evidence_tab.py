"""The label panel's Evidence tab: what each root cause points at, in words, with Attach and Remove.

The tab never writes: Attach asks the window (``attach_requested``, the same as V) and Remove or
Del asks the panel (``remove_requested`` with the row), which emits the change. ``show_evidence``
fills the list only when what it shows changed, so a label write that touches no evidence (a
verdict, a score) does not rebuild it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from reviewdesk.domain.labels import Evidence
from reviewdesk.ui.widgets.inert import inert_tooltip, visible


class EvidenceTab(QWidget):
    """A list of ``cause → what it points at`` and the Attach… / Remove buttons."""

    attach_requested = Signal()
    remove_requested = Signal(int)
    """The row to remove (the list's current row)."""
    leave = Signal()
    """Esc in the list: the keyboard goes back to the review surface."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.list = QListWidget()
        self.list.setObjectName("evidence_list")
        self.list.setWordWrap(True)  # what an item points at is read whole, not cut off
        self.list.installEventFilter(self)
        layout.addWidget(self.list, 1)
        buttons = QHBoxLayout()
        attach = QPushButton("Attach…  V")
        attach.clicked.connect(self.attach_requested.emit)
        remove = QPushButton("Remove  Del")
        remove.clicked.connect(lambda: self.remove_requested.emit(self.list.currentRow()))
        buttons.addWidget(attach)
        buttons.addWidget(remove)
        self.buttons = (attach, remove)
        layout.addLayout(buttons)
        self._shown: list[str] = []

    def show_evidence(
        self, evidence: list[Evidence], title: Callable[[str], str], describe: Callable[[Evidence], str]
    ) -> None:
        """``cause → what it points at`` per item; the list is rebuilt only when its lines change."""
        lines = [visible(f"{title(e.root_cause)} → {describe(e)}") for e in evidence]
        if lines == self._shown:
            return
        self._shown = lines
        self.list.clear()
        for line, item_evidence in zip(lines, evidence, strict=True):
            item = QListWidgetItem(line)
            item.setToolTip(inert_tooltip(f"{item_evidence.kind} {item_evidence.ref}"))
            self.list.addItem(item)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self.remove_requested.emit(self.list.currentRow())
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.leave.emit()
                return True
        return super().eventFilter(watched, event)
