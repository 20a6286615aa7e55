"""Clickable charts drawn with QPainter: interval bars and stacked columns.

Why QPainter and not QtCharts: QtCharts lives in PySide6-Addons (well over 100 MB more to
install for two chart types), and our charts are simple shapes whose every element must lead to
the cases behind it. Each chart keeps the rectangle of every element it painted; a click (or
Enter on the focused chart, which opens the first element) emits ``open_cases`` with that
element's case ids, and hovering shows the element's figure with its n as a tooltip.

The widgets know nothing about insights: they take plain items (label, value, interval, caption,
case ids) so tests and other views can feed them anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from reviewdesk.ui.widgets.inert import inert_tooltip, visible

FAIL = QColor("#c0392b")
PASS = QColor("#3d8b5a")
UNSURE = QColor("#d4a017")
UNREVIEWED = QColor("#a7b0bd")
BAR = QColor("#3b6ea5")


@dataclass(frozen=True, slots=True)
class BarItem:
    """One bar: ``value`` from 0, a whisker ``low``–``high``, a caption, and the cases behind it."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    caption: str = ""
    case_ids: tuple[str, ...] = ()
    tooltip: str = ""
    marker: float | None = None
    """A point drawn on the whisker (a difference between two rates, when there is no bar)."""


def _elided(metrics: QFontMetrics, text: str, width: int) -> str:
    # Trace text is shown as text: flatten it to one line before eliding.
    return metrics.elidedText(" ".join(text.split()), Qt.TextElideMode.ElideRight, width)


class _ClickableChart(QWidget):
    """Common behaviour: element hit-testing, tooltips, click and Enter open the cases."""

    open_cases = Signal(list)
    """``list[str]``: the case ids behind the clicked element."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._hits: list[tuple[QRectF, tuple[str, ...], str]] = []

    def element_rects(self) -> list[tuple[QRectF, tuple[str, ...]]]:
        """Where each clickable element was painted, with its case ids (for tests and accessibility)."""
        if not self._hits and self.isVisible():
            self.repaint()  # geometry is computed while painting; paint now if it has not happened yet
        return [(rect, ids) for rect, ids, _ in self._hits]

    def _hit(self, point: QPointF) -> tuple[QRectF, tuple[str, ...], str] | None:
        for hit in self._hits:
            if hit[0].contains(point):
                return hit
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position())
        if hit is not None and hit[1] and event.button() == Qt.MouseButton.LeftButton:
            self.open_cases.emit(list(hit[1]))
        super().mouseReleaseEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self._hit(event.position())
        cursor = Qt.CursorShape.PointingHandCursor if hit is not None and hit[1] else Qt.CursorShape.ArrowCursor
        self.setCursor(cursor)
        super().mouseMoveEvent(event)

    def event(self, event: object) -> bool:
        if isinstance(event, QHelpEvent):
            hit = self._hit(QPointF(event.pos()))
            if hit is not None:
                QToolTip.showText(event.globalPos(), inert_tooltip(hit[2]), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)  # type: ignore[arg-type]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            first = next((ids for _, ids, _ in self._hits if ids), None)
            if first:
                self.open_cases.emit(list(first))
                return
        super().keyPressEvent(event)


class IntervalChart(_ClickableChart):
    """Horizontal bars with interval whiskers (rates with their CI, or p50 with a p95 whisker)."""

    ROW = 26
    TOP = 22

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[BarItem] = []
        self._axis_max = 1.0
        self._format: Callable[[float], str] = lambda v: f"{v:.0%}"
        self._color = FAIL
        self.setObjectName("interval_chart")

    def set_items(
        self,
        items: Sequence[BarItem],
        *,
        axis_max: float = 1.0,
        tick_format: Callable[[float], str] | None = None,
        color: QColor = FAIL,
    ) -> None:
        self._items = list(items)
        self._axis_max = axis_max if axis_max > 0 else 1.0
        self._format = tick_format or (lambda v: f"{v:.0%}")
        self._color = color
        self.setFixedHeight(self.TOP + self.ROW * max(1, len(self._items)) + 8)
        self.update()

    def items(self) -> list[BarItem]:
        return list(self._items)

    def sizeHint(self) -> QSize:
        return QSize(640, self.TOP + self.ROW * max(1, len(self._items)) + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        ink = palette.windowText().color()
        grid = palette.mid().color()
        metrics = painter.fontMetrics()
        width = self.width()
        label_w = min(200, max(90, width // 4))
        caption_w = min(230, max(120, width // 3))
        plot_w = max(40, width - label_w - caption_w - 16)
        self._hits = []

        def x(value: float) -> float:
            return label_w + 8 + plot_w * min(max(value, 0.0), self._axis_max) / self._axis_max

        bottom = self.TOP + self.ROW * max(1, len(self._items))
        for step in range(5):
            tick = self._axis_max * step / 4
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x(tick), self.TOP - 4), QPointF(x(tick), bottom))
            painter.setPen(ink)
            text = self._format(tick)
            painter.drawText(QPointF(x(tick) - metrics.horizontalAdvance(text) / 2, self.TOP - 8), text)
        if not self._items:
            painter.drawText(QPointF(label_w + 8, self.TOP + 18), "No data in scope.")
        for index, item in enumerate(self._items):
            top = self.TOP + index * self.ROW
            mid = top + self.ROW / 2
            row_rect = QRectF(0, top, width, self.ROW)
            painter.setPen(ink)
            label = _elided(metrics, visible(item.label), label_w - 4)
            painter.drawText(QPointF(label_w - metrics.horizontalAdvance(label), mid + metrics.ascent() / 2 - 1), label)
            if item.value is not None:
                painter.fillRect(QRectF(x(0), top + 6, max(x(item.value) - x(0), 1.5), self.ROW - 12), self._color)
            if item.low is not None and item.high is not None:
                painter.setPen(QPen(ink, 1.5))
                painter.drawLine(QPointF(x(item.low), mid), QPointF(x(item.high), mid))
                painter.drawLine(QPointF(x(item.low), mid - 5), QPointF(x(item.low), mid + 5))
                painter.drawLine(QPointF(x(item.high), mid - 5), QPointF(x(item.high), mid + 5))
            if item.marker is not None:
                painter.setBrush(self._color)
                painter.setPen(QPen(ink, 1))
                painter.drawEllipse(QPointF(x(item.marker), mid), 4.5, 4.5)
            painter.setPen(ink)
            painter.drawText(
                QPointF(width - caption_w, mid + metrics.ascent() / 2 - 1),
                _elided(metrics, item.caption, caption_w - 4),
            )
            tip = item.tooltip or f"{item.label}: {item.caption}"
            if item.case_ids:
                tip += f"\nClick to open the {len(item.case_ids)} case(s) in the queue."
            self._hits.append((row_rect, item.case_ids, tip))
        painter.end()


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a stacked column: a name (legend), a colour, and its cases."""

    name: str
    color: QColor
    case_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ColumnItem:
    label: str
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    line: float | None = None
    """A 0–1 rate drawn as a line across the columns (right axis)."""
    line_caption: str = ""


class StackedColumnChart(_ClickableChart):
    """Columns stacked by segment (e.g. verdicts per week), with a rate line on the right axis."""

    HEIGHT = 230

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns: list[ColumnItem] = []
        self.setFixedHeight(self.HEIGHT)
        self.setObjectName("stacked_chart")

    def set_columns(self, columns: Sequence[ColumnItem]) -> None:
        self._columns = list(columns)
        self.update()

    @property
    def columns(self) -> tuple[ColumnItem, ...]:
        """The columns shown (their segments name the legend's entries)."""
        return tuple(self._columns)

    def sizeHint(self) -> QSize:
        return QSize(640, self.HEIGHT)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ink = self.palette().windowText().color()
        grid = self.palette().mid().color()
        metrics = painter.fontMetrics()
        left, right, top, bottom = 40, 48, 12, 46
        plot_w = max(40, self.width() - left - right)
        plot_h = self.HEIGHT - top - bottom
        peak = max((sum(len(s.case_ids) for s in c.segments) for c in self._columns), default=0)
        step = max(1, -(-peak // 4))
        axis = step * 4
        self._hits = []
        for tick in range(5):
            y = top + plot_h - plot_h * tick / 4
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(left, y), QPointF(left + plot_w, y))
            painter.setPen(ink)
            count = str(step * tick)
            painter.drawText(QPointF(left - 6 - metrics.horizontalAdvance(count), y + 4), count)
            painter.drawText(QPointF(left + plot_w + 6, y + 4), f"{tick * 25}%")
        slot = plot_w / max(1, len(self._columns))
        bar_w = min(44.0, slot * 0.7)
        points: list[QPointF] = []
        legend: dict[str, QColor] = {}
        for index, column in enumerate(self._columns):
            cx = left + slot * index + slot / 2
            y = top + plot_h
            for segment in column.segments:
                legend.setdefault(segment.name, segment.color)
                if not segment.case_ids:
                    continue
                h = plot_h * len(segment.case_ids) / axis
                y -= h
                rect = QRectF(cx - bar_w / 2, y, bar_w, h)
                painter.fillRect(rect, segment.color)
                tip = f"{column.label}: {segment.name} {len(segment.case_ids)}\nClick to open these cases in the queue."
                self._hits.append((rect, segment.case_ids, tip))
            label = _elided(metrics, visible(column.label), int(slot))
            painter.setPen(ink)
            painter.drawText(QPointF(cx - metrics.horizontalAdvance(label) / 2, top + plot_h + 15), label)
            if column.line is not None:
                points.append(QPointF(cx, top + plot_h - plot_h * column.line))
        painter.setPen(QPen(ink, 2))
        for a, b in pairwise(points):
            painter.drawLine(a, b)
        painter.setBrush(ink)
        for point in points:
            painter.drawEllipse(point, 3, 3)
        x = float(left)
        for name, color in legend.items():
            painter.fillRect(QRectF(x, self.HEIGHT - 16, 10, 10), color)
            painter.setPen(ink)
            painter.drawText(QPointF(x + 14, self.HEIGHT - 7), name)
            x += 28 + metrics.horizontalAdvance(name)
        if points:
            painter.drawLine(QPointF(x, self.HEIGHT - 11), QPointF(x + 16, self.HEIGHT - 11))
            painter.drawText(QPointF(x + 20, self.HEIGHT - 7), "failure rate (right axis)")
        painter.end()
