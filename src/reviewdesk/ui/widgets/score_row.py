"""A 1–5 score picker that works from the keyboard: focus it, press 1–5; 0 or Backspace clears."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QButtonGroup, QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class ScoreRow(QFrame):
    """Name plus five toggle buttons; ``changed`` carries the new value (``None`` when cleared)."""

    changed = Signal(object)
    escape_pressed = Signal()

    def __init__(self, name: str, low: int = 1, high: int = 5, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._low = low
        self._high = high
        self._value: int | None = None
        self.setObjectName(f"score_{name}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName(f"{name} score")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 1, 2, 1)
        layout.setSpacing(2)
        label = QLabel(name.capitalize())
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setMinimumWidth(90)
        layout.addWidget(label)
        self._group = QButtonGroup(self)
        self._group.setExclusive(False)
        self._buttons: dict[int, QToolButton] = {}
        for value in range(low, high + 1):
            button = QToolButton()
            button.setText(str(value))
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoRaise(False)
            self._group.addButton(button, value)
            self._buttons[value] = button
            layout.addWidget(button)
        layout.addStretch(1)
        self._group.idClicked.connect(self._clicked)

    @property
    def value(self) -> int | None:
        return self._value

    def set_value(self, value: int | None) -> None:
        """Show ``value`` without emitting ``changed`` (loading a case)."""
        self._value = value
        for number, button in self._buttons.items():
            button.setChecked(number == value)

    def _clicked(self, value: int) -> None:
        new = None if value == self._value else value
        self.set_value(new)
        self.changed.emit(new)

    def _set_from_key(self, value: int | None) -> None:
        if value != self._value:
            self.set_value(value)
            self.changed.emit(value)

    # Digits belong to this row while it has focus, not to the root-cause shortcuts.
    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and (self._digit(event) is not None or event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Escape))
        ):
            event.accept()
            return True
        return super().event(event)

    def _digit(self, event: QKeyEvent) -> int | None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return None
        text = event.text()
        if text.isdigit():
            number = int(text)
            if number == 0 or self._low <= number <= self._high:
                return number
        return None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        digit = self._digit(event)
        if digit is not None:
            self._set_from_key(None if digit == 0 else digit)
        elif event.key() == Qt.Key.Key_Backspace:
            self._set_from_key(None)
        elif event.key() == Qt.Key.Key_Left:
            self._set_from_key(max(self._low, (self._value or self._low + 1) - 1))
        elif event.key() == Qt.Key.Key_Right:
            self._set_from_key(min(self._high, (self._value or self._low - 1) + 1))
        elif event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
        else:
            super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.setFrameShape(QFrame.Shape.Box)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.setFrameShape(QFrame.Shape.NoFrame)
        super().focusOutEvent(event)
