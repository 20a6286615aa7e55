"""A read-only text pane for untrusted trace content.

Text goes in through ``QTextCursor.insertText`` only — never ``setHtml``/``appendHtml`` — so a
trace that contains markup, links or image tags shows them as the characters they are. Headings,
highlights and errors are character formats applied around that plain text. Bidi overrides,
zero-width and control characters are shown as ``⟨U+XXXX⟩`` marks (``widgets.inert``).
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QGuiApplication, QTextCharFormat, QTextCursor, QTextOption
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from reviewdesk.ui.widgets.inert import visible

MAX_BLOCK_CHARS = 200_000  # a 50 MB tool result must not freeze the pane: show the head


def _is_dark() -> bool:
    return QGuiApplication.palette().base().color().lightness() < 128


def error_color() -> QColor:
    return QColor("#ff7b72") if _is_dark() else QColor("#b3261e")


def muted_color() -> QColor:
    return QGuiApplication.palette().placeholderText().color()


def highlight_background() -> QColor:
    return QColor("#3b3514") if _is_dark() else QColor("#fff3c4")


class TextPane(QPlainTextEdit):
    """Read-only, word-wrapped, keyboard-selectable text built from formatted plain-text runs."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"pane_{title.lower()}")
        self.setReadOnly(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setUndoRedoEnabled(False)
        self.setAccessibleName(title)

    def start(self) -> None:
        self.clear()

    def _insert(self, text: str, fmt: QTextCharFormat) -> None:
        if len(text) > MAX_BLOCK_CHARS:
            text = text[:MAX_BLOCK_CHARS] + f"\n… ({len(text) - MAX_BLOCK_CHARS:,} more characters not shown)"
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(visible(text), fmt)

    def heading(self, text: str) -> None:
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold)
        self._separate()
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
