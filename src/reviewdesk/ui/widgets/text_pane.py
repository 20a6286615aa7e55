"""A read-only text pane for untrusted trace content.

Text goes in through ``QTextCursor.insertText`` only — never ``setHtml``/``appendHtml`` — so a
trace that contains markup, links or image tags shows them as the characters they are. Headings,
highlights and errors are character formats applied around that plain text. Bidi overrides,
zero-width and control characters are shown as ``⟨U+XXXX⟩`` marks (``widgets.inert``).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QGuiApplication,
    QKeyEvent,
    QTextCharFormat,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import QAbstractSlider, QPlainTextEdit, QWidget

from reviewdesk.ui.widgets.inert import visible

MAX_BLOCK_CHARS = 200_000  # a 50 MB tool result must not freeze the pane: show the head
READING_KEYS = frozenset({Qt.Key.Key_Space, Qt.Key.Key_Home, Qt.Key.Key_End})
"""Keys the window's reading actions own (paging): a focused pane must not claim them first."""


def _is_dark() -> bool:
    return QGuiApplication.palette().base().color().lightness() < 128


def error_color() -> QColor:
    return QColor("#ff7b72") if _is_dark() else QColor("#b3261e")


def muted_color() -> QColor:
    return QGuiApplication.palette().placeholderText().color()


def highlight_background() -> QColor:
    return QColor("#3b3514") if _is_dark() else QColor("#fff3c4")


class TextPane(QPlainTextEdit):
    """Read-only, word-wrapped, keyboard-selectable text built from formatted plain-text runs.

    Items (a message, a document, a tool call) start at an *anchor*: ``step_item`` scrolls the
    next or previous one to the top. ``page``, ``to_start`` and ``to_end`` scroll without
    moving anything else, so reading keys never touch the case or its label.
    """

    focus_changed = Signal(bool)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setObjectName(f"pane_{title.lower()}")
        self.setReadOnly(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setUndoRedoEnabled(False)
        self.setAccessibleName(title)
        self.anchors: list[int] = []
        """Character positions where an item starts, in document order."""

    def start(self) -> None:
        self.clear()
        self.anchors = []

    def item_anchor(self) -> None:
        """The next text written starts an item (N / Shift+N step between items)."""
        self.anchors.append(self.document().characterCount() - 1)

    # --- reading -------------------------------------------------------------------------------
    def page(self, step: int) -> None:
        bar = self.verticalScrollBar()
        bar.triggerAction(
            QAbstractSlider.SliderAction.SliderPageStepAdd
            if step > 0
            else QAbstractSlider.SliderAction.SliderPageStepSub
        )

    def to_start(self) -> None:
        self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())

    def to_end(self) -> None:
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())

    def at_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum()

    def current_item(self) -> int:
        """Index of the item shown at the top of the pane (-1 above the first one)."""
        top = self.firstVisibleBlock().position()
        index = -1
        for number, position in enumerate(self.anchors):
            if position <= top:
                index = number
        return index

    def step_item(self, step: int) -> int | None:
        """Scroll item ``current ± 1`` to the top; its index, or None at either end."""
        if not self.anchors:
            return None
        target = self.current_item() + step
        if step < 0 and self.current_item() >= 0:
            # Back from the middle of an item goes to its start first.
            block = self.document().findBlock(self.anchors[self.current_item()])
            if self.firstVisibleBlock().blockNumber() > block.blockNumber():
                target = self.current_item()
        if not 0 <= target < len(self.anchors):
            return None
        self.show_item(target)
        return target

    def show_item(self, index: int) -> None:
        block = self.document().findBlock(self.anchors[index])
        cursor = self.textCursor()
        cursor.setPosition(block.position())
        self.setTextCursor(cursor)
        self.verticalScrollBar().setValue(block.firstLineNumber())

    def event(self, event: QEvent) -> bool:
        # The reading keys are window actions (see ui.actions); a read-only text edit would
        # otherwise claim Home/End for its caret and Space would do nothing at all.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in READING_KEYS
        ):
            event.ignore()
            return True
        return super().event(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focus_changed.emit(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_changed.emit(False)

    def _insert(self, text: str, fmt: QTextCharFormat) -> None:
        if len(text) > MAX_BLOCK_CHARS:
            text = text[:MAX_BLOCK_CHARS] + f"\n… ({len(text) - MAX_BLOCK_CHARS:,} more characters not shown)"
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(visible(text), fmt)

    def heading(self, text: str, *, item: bool = False) -> None:
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold)
        self._separate()
        if item:
            self.item_anchor()
        self._insert(text + "\n", fmt)

    def meta(self, text: str) -> None:
        fmt = QTextCharFormat()
        fmt.setForeground(muted_color())
        self._insert(text + "\n", fmt)

    def body(self, text: str | None, *, highlight: bool = False, error: bool = False, mono: bool = False) -> None:
        fmt = QTextCharFormat()
        if highlight:
            fmt.setBackground(highlight_background())
        if error:
            fmt.setForeground(error_color())
        if mono:
            fmt.setFontFamilies(["monospace"])
            fmt.setFontFixedPitch(True)
        self._insert((text if text is not None else "") + "\n", fmt)

    def empty(self, text: str) -> None:
        fmt = QTextCharFormat()
        fmt.setForeground(muted_color())
        fmt.setFontItalic(True)
        self._insert(text + "\n", fmt)

    def _separate(self) -> None:
        if not self.document().isEmpty():
            self._insert("\n", QTextCharFormat())

    def finish(self) -> None:
        self.moveCursor(QTextCursor.MoveOperation.Start)
        self.verticalScrollBar().setValue(0)
