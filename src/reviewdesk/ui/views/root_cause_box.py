"""The label panel's root causes: one check box per cause, grouped under its layer, with its keys.

Two columns, in taxonomy order; each box shows the keys that toggle its cause (``5``; ``0 3`` or
``Ctrl+3`` past nine, see ``actions.root_cause_keys``). The box never writes: a click asks for
the toggle (``toggle_requested``) and ``show_chosen`` shows what the label holds.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QWidget

from reviewdesk.services.review import LabelSchema
from reviewdesk.ui.actions import root_cause_keys

TITLE = "Root causes  (1–9; Ctrl+digit or 0 for more)"


class RootCauseBox(QGroupBox):
    """See the module docstring."""

    toggle_requested = Signal(str)
    """A root cause id whose box was clicked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(TITLE, parent)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(6, 2, 6, 4)
        self._grid.setHorizontalSpacing(8)
        self._grid.setVerticalSpacing(0)
        self.checks: dict[str, QCheckBox] = {}

    def set_schema(self, schema: LabelSchema) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()  # type: ignore[union-attr]
        self.checks.clear()
        row = 0
        layer = None
        column = 0
        for number, rc in enumerate(schema.root_causes, 1):
            if rc.layer != layer:
                layer = rc.layer
                if column:
                    row += 1
                caption = QLabel(layer)
                caption.setTextFormat(Qt.TextFormat.PlainText)
                font = caption.font()
                font.setBold(True)
                font.setPointSizeF(font.pointSizeF() * 0.9)
                caption.setFont(font)
                caption.setContentsMargins(0, 4 if row else 0, 0, 0)
                self._grid.addWidget(caption, row, 0, 1, 2)
                row += 1
                column = 0
            key = root_cause_keys(number)
            check = QCheckBox(f"{key}  {rc.title}")
            check.setObjectName(f"rc_{rc.id}")
            check.setToolTip(f"{rc.id}: {rc.description}")
            check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            check.clicked.connect(lambda _checked=False, rc_id=rc.id: self.toggle_requested.emit(rc_id))
            self._grid.addWidget(check, row, column)
            self.checks[rc.id] = check
            column = 1 - column
            if column == 0:
                row += 1

    def show_chosen(self, chosen: list[str]) -> None:
        for rc_id, check in self.checks.items():
            check.setChecked(rc_id in chosen)
