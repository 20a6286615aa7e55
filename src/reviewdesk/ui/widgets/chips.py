"""A row of small plain-text badges ("chips") that wraps onto more lines when it runs out of width.

The case header shows the facts a reviewer judges by as chips — tool calls, errors, a flagged
finish, cost and latency against the median, stale documents — each coloured by what it means
(neutral, warning, alarm, good) in the current light or dark scheme. Every chip is a plain-text
``QLabel``: the text may come from the trace (a finish reason, a span id) and is never markup.
The flow is Qt's "flow layout" example re-created: items left to right, a new line when the next
does not fit, and a height that follows the width.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QSizePolicy, QWidget

from reviewdesk.ui.widgets.inert import inert_tooltip, visible

ChipKind = Literal["neutral", "good", "warn", "alarm"]

# (light background, light text, dark background, dark text): readable in both schemes.
_COLOURS: dict[str, tuple[str, str, str, str]] = {
    "neutral": ("#eceff3", "#1f2328", "#30363d", "#e6edf3"),
    "good": ("#dcf3e3", "#155d2b", "#12361f", "#7ee787"),
    "warn": ("#fff1c2", "#5c4000", "#3d2e00", "#f2cc60"),
    "alarm": ("#fde2e1", "#a4161a", "#4b1113", "#ffb4ab"),
}


@dataclass(frozen=True, slots=True)
class Chip:
    text: str
    kind: ChipKind = "neutral"
    tooltip: str = ""
    name: str = ""
    """Object name of the label (tests and style find a chip by it)."""


def _dark() -> bool:
    return QGuiApplication.palette().base().color().lightness() < 128


def chip_style(kind: ChipKind) -> str:
    light_bg, light_fg, dark_bg, dark_fg = _COLOURS[kind]
    background, foreground = (dark_bg, dark_fg) if _dark() else (light_bg, light_fg)
    return f"QLabel {{ background: {background}; color: {foreground}; border-radius: 3px; padding: 1px 6px; }}"


class FlowLayout(QLayout):
    """Items left to right, wrapping to a new line when the next one does not fit."""

    def __init__(self, parent: QWidget | None = None, *, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._gap = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line_height > 0:
                x, y = area.x(), y + line_height + self._gap
                line_height = 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._gap
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()


class ChipRow(QWidget):
    """The chips of one case; ``set_chips`` replaces them all (hidden when there are none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = FlowLayout(self)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.labels: list[QLabel] = []

    def set_chips(self, chips: Sequence[Chip]) -> None:
        for label in self.labels:
            self.flow.removeWidget(label)
            label.hide()  # deleted later, by the event loop: until then it must not show through
            label.deleteLater()
        self.labels = []
        for chip in chips:
            label = QLabel(visible(chip.text))
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setObjectName(chip.name or "chip")
            label.setProperty("kind", chip.kind)
            label.setStyleSheet(chip_style(chip.kind))
            if chip.tooltip:
                label.setToolTip(inert_tooltip(chip.tooltip))
            if chip.kind in ("warn", "alarm"):
                # Bold through the font, not the style sheet: the size the flow lays out must know it.
                font = label.font()
                font.setBold(True)
                label.setFont(font)
            self.flow.addWidget(label)
            self.labels.append(label)
        self.setVisible(bool(chips))
        self.updateGeometry()

    def texts(self) -> list[str]:
        return [label.text() for label in self.labels]
