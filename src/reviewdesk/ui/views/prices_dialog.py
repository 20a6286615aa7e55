"""Edit → Model prices…: the workspace's own prices for estimated costs.

The dialog only collects a table of prices; the main window applies the differences through
``services.prices`` (which validates, logs every change in the audit log and re-estimates the
stored cases whose traces record no cost), so the prices set here are the ones ``reviewdesk
prices`` shows.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.prices import ModelPrice, PriceBook

_HEADERS = ("Model", "Input", "Output", "Cached input")


class PricesDialog(QDialog):
    """One row per model: US dollars per million tokens; ``prices()`` reads the rows back."""

    def __init__(self, book: PriceBook, table_version: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prices_dialog")
        self.setWindowTitle("Model prices")
        self.resize(620, 380)
        layout = QVBoxLayout(self)
        note = QLabel(
            "Traces that record no cost get an estimate from list prices: the bundled table "
            f"({table_version}), or the price you give a model here (US dollars per million tokens; an "
            "empty cached-input price bills cached tokens as input). Saving re-estimates the stored cases "
            "whose traces record no cost; a recorded cost is never replaced."
        )
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        layout.addWidget(note)
        self.table = QTableWidget(0, len(_HEADERS), self)
        self.table.setObjectName("prices_table")
        self.table.setHorizontalHeaderLabels(list(_HEADERS))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 240)  # model names are long (claude-3-5-haiku-20241022)
        layout.addWidget(self.table)
        for name, price in sorted(book.models.items()):
            self.add_row(name, price)
        buttons = QHBoxLayout()
        add = QPushButton("&Add model", self)
        add.setObjectName("add_price")
        add.clicked.connect(lambda: self.add_row("", None))
        remove = QPushButton("&Remove", self)
        remove.setObjectName("remove_price")
        remove.clicked.connect(self._remove_selected)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.error = QLabel("", self)
        self.error.setObjectName("prices_error")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.error)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        box.accepted.connect(self._accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def add_row(self, name: str, price: ModelPrice | None) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        values = [name, "", "", ""]
        if price is not None:
            values[1:] = [
                f"{price.input:g}",
                f"{price.output:g}",
                "" if price.cached_input is None else f"{price.cached_input:g}",
            ]
        for column, value in enumerate(values):
            self.table.setItem(row, column, QTableWidgetItem(value))

    def _remove_selected(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(row)

    def prices(self) -> dict[str, ModelPrice]:
        """The rows as prices; ``ValueError`` naming the row when one is not a valid price."""
        result: dict[str, ModelPrice] = {}
        for row in range(self.table.rowCount()):
            cells = [self._text(row, column) for column in range(len(_HEADERS))]
            name, input_text, output_text, cached_text = cells
            if not any(cells):
                continue  # an empty row added and left blank
            if not name:
                raise ValueError(f"row {row + 1}: name the model")
            try:
                numbers = [float(input_text), float(output_text), float(cached_text) if cached_text else None]
            except ValueError:
                raise ValueError(f"row {row + 1} ({name}): input and output need a price, e.g. 0.15") from None
            if any(n is not None and (not math.isfinite(n) or n < 0) for n in numbers):
                raise ValueError(f"row {row + 1} ({name}): a price is 0 or more dollars per million tokens")
            result[name] = ModelPrice(input=numbers[0] or 0.0, output=numbers[1] or 0.0, cached_input=numbers[2])
        return result

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def _accept(self) -> None:
        try:
            self.prices()
        except ValueError as exc:
            self.error.setText(str(exc))
            return
        self.accept()
