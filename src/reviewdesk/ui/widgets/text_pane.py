"""A read-only text pane for untrusted trace content.

Text goes in through ``QTextCursor.insertText`` only — never ``setHtml``/``appendHtml`` — so a
trace that contains markup, links or image tags shows them as the characters they are. Headings,
highlights and errors are character formats applied around that plain text. Bidi overrides,
zero-width and control characters are shown as ``⟨U+XXXX⟩`` marks (``widgets.inert``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QGuiApplication,
    QKeyEvent,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextOption,
)
from PySide6.QtWidgets import QAbstractSlider, QPlainTextDocumentLayout, QPlainTextEdit, QTextEdit, QWidget

from reviewdesk.normalize.readable import Row, key_separator
from reviewdesk.ui.widgets.inert import visible

MAX_BLOCK_CHARS = 200_000  # a 50 MB tool result must not freeze the pane: show the head
READING_KEYS = frozenset({Qt.Key.Key_Space, Qt.Key.Key_Home, Qt.Key.Key_End})
"""Keys the window's reading actions own (paging): a focused pane must not claim them first."""
COLLAPSED, EXPANDED = "▸ ", "▾ "
"""The marks in front of a foldable item's summary line."""


def _is_dark() -> bool:
    return QGuiApplication.palette().base().color().lightness() < 128


def error_color() -> QColor:
    return QColor("#ff7b72") if _is_dark() else QColor("#b3261e")


def good_color() -> QColor:
    return QColor("#7ee787") if _is_dark() else QColor("#1a7f37")


def muted_color() -> QColor:
    return QGuiApplication.palette().placeholderText().color()


def highlight_background() -> QColor:
    return QColor("#3b3514") if _is_dark() else QColor("#fff3c4")


def current_item_background() -> QColor:
    """Behind the summary line of the item N / Shift+N chose (the one Enter folds)."""
    color = QColor(QGuiApplication.palette().highlight().color())
    color.setAlpha(70)
    return color


class TextPane(QPlainTextEdit):
    """Read-only, word-wrapped, keyboard-selectable text built from formatted plain-text runs.

    Items (a message, a document, a tool call) start at an *anchor*: ``step_item`` makes the
    next or previous one current (its first line tinted) and scrolls it to the top. ``page``,
    ``to_start`` and ``to_end`` scroll without moving anything else, so reading keys never touch
    the case or its label.

    A pane built with ``fill(build)`` can fold: ``build`` writes each foldable item as a
    summary line and, when ``is_expanded(index)``, its body. ``toggle_item`` (Enter, Right, Left
    in the pane; the window's fold keys elsewhere) runs ``build`` again with the current item
    flipped, keeping the scroll position, so the item opens in place. Lines wrap at word
    boundaries only: a word is never split (a word wider than the pane scrolls sideways).
    """

    focus_changed = Signal(bool)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setObjectName(f"pane_{title.lower()}")
        self.setReadOnly(True)
        self.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        self.setUndoRedoEnabled(False)
        self.setAccessibleName(title)
        self.anchors: list[int] = []
        """Character positions where an item starts, in document order."""
        self.foldable: set[int] = set()
        self.expanded: set[int] = set()
        self.current: int | None = None
        """The item chosen with N / Shift+N (None: the item at the top of the pane)."""
        self._build: Callable[[], None] | None = None
        self._writing: QTextDocument | None = None
        """The document ``start`` began and ``_commit`` shows (None: writing goes to the shown one)."""
        self._cursor = QTextCursor()

    def reset(self) -> None:
        """Empty, with nothing to rebuild (no case shown)."""
        self._build = None
        self.expanded = set()
        self.current = None
        self.start()
        self._commit()
        self.setExtraSelections([])

    def start(self) -> None:
        """Begin writing the pane's text anew, into a document not yet shown (``_commit`` shows it).

        Text written into the shown document is laid out and repainted run by run; a tool result
        of a few hundred key/value rows is a thousand runs. Written into a detached document, it is
        laid out once, when it is shown.
        """
        document = QTextDocument(self)
        document.setDocumentLayout(QPlainTextDocumentLayout(document))
        shown = self.document()
        document.setDefaultFont(shown.defaultFont())
        document.setDocumentMargin(shown.documentMargin())
        document.setDefaultTextOption(shown.defaultTextOption())
        document.setUndoRedoEnabled(False)
        if self._writing is not None:
            self._writing.deleteLater()
        self._writing = document
        self._cursor = QTextCursor(document)
        self.anchors = []
        self.foldable = set()

    def _target(self) -> QTextDocument:
        """The document being written (the shown one outside a build)."""
        return self._writing if self._writing is not None else self.document()

    def _commit(self) -> None:
        """Show the document written since ``start`` (and let the one it replaces go)."""
        document = self._writing
        if document is None:
            return
        self._writing = None
        old = self.document()
        ours = old.parent() is self  # the edit's own first document it deletes itself
        self.setDocument(document)
        self.setWordWrapMode(QTextOption.WrapMode.WordWrap)
        if ours:
            old.deleteLater()

    def item_anchor(self, *, foldable: bool = False) -> int:
        """The next text written starts an item (N / Shift+N step between items); its index."""
        self.anchors.append(self._target().characterCount() - 1)
        index = len(self.anchors) - 1
        if foldable:
            self.foldable.add(index)
        return index

    # --- folding -------------------------------------------------------------------------------
    def fill(self, build: Callable[[], None], *, expanded: Iterable[int] = ()) -> None:
        """Fill the pane with ``build`` (a new case: every foldable item folded but ``expanded``)."""
        self._build = build
        self.expanded = set(expanded)
        self.current = None
        self._run_build()
        self.finish()

    def rerender(self) -> None:
        """Build again in place (a colour scheme or the raw/readable choice changed)."""
        if self._build is None:
            return
        value = self.verticalScrollBar().value()
        self._run_build()
        self.verticalScrollBar().setValue(value)
        self._mark_current()

    def _run_build(self) -> None:
        assert self._build is not None
        self.start()
        self._build()
        self._commit()

    def is_expanded(self, index: int) -> bool:
        return index in self.expanded

    def toggle_item(self, index: int | None = None, *, expand: bool | None = None) -> bool:
        """Open or close item ``index`` (default: the current one); False if it does not fold."""
        if index is None:
            index = self.current_item()
            if index < 0 and self._on_screen(0):
                index = 0  # above the first item (a heading on top): the first one is meant
        if index not in self.foldable:
            return False
        opened = index not in self.expanded if expand is None else expand
        if opened == (index in self.expanded):
            return True
        if opened:
            self.expanded.add(index)
        else:
            self.expanded.discard(index)
        self.current = index
        self.rerender()
        return True

    def toggle_all(self) -> None:
        """Open every foldable item, or close them all if all are open."""
        self.expanded = set() if self.foldable <= self.expanded else set(self.foldable)
        self.rerender()

    def summary(self, text: str, *, expanded: bool, error: bool = False) -> None:
        """A foldable item's one line (call after ``item_anchor(foldable=True)``)."""
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.DemiBold if expanded else QFont.Weight.Normal)
        if error:
            fmt.setForeground(error_color())
        self._separate_item()
        self._insert((EXPANDED if expanded else COLLAPSED) + text + "\n", fmt)

    def rows(self, rows: Iterable[Row], *, indent: str = "   ") -> None:
        """Readable key/value rows: keys muted, values in the text colour, notes in italics."""
        key_format = QTextCharFormat()
        key_format.setForeground(muted_color())
        note_format = QTextCharFormat()
        note_format.setForeground(muted_color())
        note_format.setFontItalic(True)
        for row in rows:
            pad = indent * (row.depth + 1)
            if row.key is not None:
                separator = key_separator(row.key) if row.text else ""
                self._insert(pad + row.key + separator, key_format)
                pad = ""
            continuation = "\n" + indent * (row.depth + 2)
            self._insert(
                pad + row.text.replace("\n", continuation) + "\n", note_format if row.note else QTextCharFormat()
            )

    def _separate_item(self) -> None:
        # Folded items are one line each, with no blank line between them; an open one stands apart.
        previous = len(self.anchors) - 2
        if previous in self.expanded and not self._target().isEmpty():
            self._insert("\n", QTextCharFormat())

    def _mark_current(self) -> None:
        """Tint the first line of the current item, so Enter's target is visible."""
        if self.current is None or not 0 <= self.current < len(self.anchors):
            self.setExtraSelections([])
            return
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document().findBlock(self.anchors[self.current]))
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(current_item_background())
        fmt.setProperty(QTextCharFormat.Property.FullWidthSelection, True)
        selection.format = fmt
        self.setExtraSelections([selection])

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
        self.current = None
        self._mark_current()

    def to_end(self) -> None:
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
        # The last item is current, whether or not the pane had to scroll to show it.
        self.current = len(self.anchors) - 1 if self.anchors else None
        self._mark_current()

    def at_end(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum()

    def current_item(self) -> int:
        """The item N / Shift+N chose while it is on screen, else the one at the top (-1: above the first)."""
        if self.current is not None and self._on_screen(self.current):
            return self.current
        top = self.firstVisibleBlock().position()
        index = -1
        for number, position in enumerate(self.anchors):
            if position <= top:
                index = number
        return index

    def _on_screen(self, index: int) -> bool:
        if not 0 <= index < len(self.anchors):
            return False
        block = self.document().findBlock(self.anchors[index])
        first = self.firstVisibleBlock()
        if block.blockNumber() < first.blockNumber():
            return False
        top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        return top < self.viewport().height()

    def step_item(self, step: int) -> int | None:
        """Make item ``current ± 1`` current and scroll it to the top; its index, or None at either end."""
        if not self.anchors:
            return None
        current = self.current_item()
        target = current + step
        if step < 0 and current >= 0:
            # Back from the middle of an item goes to its start first.
            block = self.document().findBlock(self.anchors[current])
            if self.firstVisibleBlock().blockNumber() > block.blockNumber():
                target = current
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
        self.current = index
        self._mark_current()

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

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter folds or opens the current item, Right opens it, Left closes it (as a tree does).
        key = event.key()
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if plain and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.toggle_item():
            return
        if plain and key in (Qt.Key.Key_Right, Qt.Key.Key_Left) and self.toggle_item(expand=key == Qt.Key.Key_Right):
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.focus_changed.emit(True)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_changed.emit(False)

    def _insert(self, text: str, fmt: QTextCharFormat) -> None:
        if len(text) > MAX_BLOCK_CHARS:
            text = text[:MAX_BLOCK_CHARS] + f"\n… ({len(text) - MAX_BLOCK_CHARS:,} more characters not shown)"
        if self._writing is not None:
            self._cursor.insertText(visible(text), fmt)  # at the end: only this cursor writes
            return
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.insertText(visible(text), fmt)

    def heading(self, text: str, *, item: bool = False, badges: Sequence[tuple[str, str]] = ()) -> None:
        """A bold line; ``badges`` (text, ``good`` or ``alarm``) follow it in their colours (✓ cited, STALE)."""
        fmt = QTextCharFormat()
        fmt.setFontWeight(QFont.Weight.Bold)
        self._separate()
        if item:
            self.item_anchor()
        self._insert(text, fmt)
        for badge, kind in badges:
            self._insert("  ", fmt)
            mark = QTextCharFormat(fmt)
            mark.setForeground(error_color() if kind == "alarm" else good_color())
            self._insert(f"{badge}", mark)
        self._insert("\n", fmt)

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
        if not self._target().isEmpty():
            self._insert("\n", QTextCharFormat())

    def finish(self) -> None:
        self._commit()
        self.moveCursor(QTextCursor.MoveOperation.Start)
        self.verticalScrollBar().setValue(0)
        self._mark_current()
