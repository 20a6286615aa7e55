"""Paints a span's bar in the waterfall column: where it started and how long it ran.

The tree item stores ``(start_fraction, width_fraction, failed)`` under ``BAR_ROLE``; the
delegate only paints, it never looks anything up.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from reviewdesk.ui.widgets.text_pane import error_color

BAR_ROLE = Qt.ItemDataRole.UserRole + 10


class WaterfallDelegate(QStyledItemDelegate):
    """Draws a horizontal bar proportional to the span's offset and duration within the trace."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        bar = index.data(BAR_ROLE)
        if not bar:
            return
        start, width, failed = bar
        rect = option.rect.adjusted(4, 5, -4, -5)
        x = rect.left() + start * rect.width()
        w = max(2.0, width * rect.width())
        color = error_color() if failed else option.palette.highlight().color()
        if not failed and option.state & QStyle.StateFlag.State_Selected:
            color = QColor(option.palette.highlightedText().color())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawRoundedRect(QRectF(x, rect.top(), w, rect.height()), 2, 2)
        painter.restore()
