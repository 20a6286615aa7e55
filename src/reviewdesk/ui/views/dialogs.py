"""Small dialogs: shortcut cheat sheet, root-cause picker, evidence picker, preferences (export: export_dialog.py)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.case import Case
from reviewdesk.domain.labels import Evidence, EvidenceKind
from reviewdesk.domain.spans import RawSpan
from reviewdesk.services.review import LabelSchema
from reviewdesk.settings import Settings
from reviewdesk.ui.actions import ACTIONS, MENUS, keys_for, shortcut_text


class CheatSheet(QDialog):
    """Every action with its keys, by menu — built from the same table as the menus."""

    def __init__(
        self, overrides: dict[str, list[str]], schema: LabelSchema | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        rows: list[tuple[str, str, str]] = []
        for menu in MENUS:
            for spec in ACTIONS:
                if spec.menu != menu:
                    continue
                text = spec.text.replace("&", "").rstrip("…")
                if spec.id.value.startswith("review.root_cause_") and schema is not None:
                    number = int(spec.id.value.rsplit("_", 1)[1])
                    if number <= len(schema.root_causes):
                        text = f"Root cause: {schema.root_causes[number - 1].title}"
                rows.append((menu, text, shortcut_text(keys_for(spec, overrides))))
        rows += [
            ("Scores", "Set the focused score / clear it", "1–5 / 0, Backspace"),
            ("Scores", "Next / previous score", "Tab / Shift+Tab"),
            ("Editors", "Leave the editor (text is saved)", "Esc"),
            ("Queue", "Move through the queue", "Up / Down, J / K"),
            ("Search", "Back to the queue", "Enter, Esc, Down"),
        ]
        table = QTableWidget(len(rows), 3)
        table.setObjectName("cheat_sheet")
        table.setHorizontalHeaderLabels(["Menu", "Action", "Keys"])
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
        table.setWordWrap(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                table.setItem(row, column, QTableWidgetItem(value))
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        table.resizeColumnToContents(0)
        table.resizeColumnToContents(2)
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 620)


class FilterList(QDialog):
    """A list with a type-to-filter box: Enter picks, Esc cancels. Used by the pickers below."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Type to filter")
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.installEventFilter(self)
        layout.addWidget(self.filter_edit)
        self.list = QListWidget()
        self.list.itemActivated.connect(lambda _item: self.accept())
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 420)

    def add(self, text: str, value: object) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, value)
        self.list.addItem(item)
        if self.list.currentRow() < 0:
            self.list.setCurrentRow(0)

    def _filter(self, text: str) -> None:
        needle = text.lower()
        first = -1
        for row in range(self.list.count()):
            item = self.list.item(row)
            hidden = needle not in item.text().lower()
            item.setHidden(hidden)
            if not hidden and first < 0:
                first = row
        if first >= 0:
            self.list.setCurrentRow(first)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down in the filter box move the list selection, so the mouse is never needed.
        arrows = (Qt.Key.Key_Up, Qt.Key.Key_Down)
        if watched is self.filter_edit and isinstance(event, QKeyEvent) and event.key() in arrows:
            if event.type() == QEvent.Type.KeyPress:
                self._step(-1 if event.key() == Qt.Key.Key_Up else 1)
            return True
        return super().eventFilter(watched, event)

    def _step(self, step: int) -> None:
        row = self.list.currentRow() + step
        while 0 <= row < self.list.count() and self.list.item(row).isHidden():
            row += step
        if 0 <= row < self.list.count():
            self.list.setCurrentRow(row)

    def value(self) -> object | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None and not item.isHidden() else None


def root_cause_picker(schema: LabelSchema, selected: list[str], parent: QWidget | None) -> FilterList:
    dialog = FilterList("Root cause", "Toggle a root cause (✓ = chosen):", parent)
    for number, rc in enumerate(schema.root_causes, 1):
        key = f"{number}  " if number <= 9 else "    "
        mark = "✓" if rc.id in selected else "  "
        dialog.add(f"{mark} {key}{rc.title} — {rc.layer}: {rc.description}", rc.id)
    return dialog


def evidence_candidates(case: Case, spans: list[RawSpan]) -> list[tuple[str, EvidenceKind, str]]:
    """``(text, kind, ref)`` for each document, tool call and span a root cause can point at."""
    items: list[tuple[str, EvidenceKind, str]] = []
    for doc in sorted(case.retrieval.documents, key=lambda d: d.rank):
        ref = doc.id or f"rank-{doc.rank}"
        items.append((f"document #{doc.rank} {ref}  {(doc.content or '')[:60]}", "document", ref))
    for number, call in enumerate(case.tool_calls, 1):
        ref = call.span_id or call.call_id or f"call-{number}"
        items.append((f"tool call {number}. {call.name}{'  (error)' if call.error else ''}", "tool_call", ref))
    for span in spans:
        items.append((f"span {span.name} [{span.span_id}]{'  (failed)' if span.failed else ''}", "span", span.span_id))
    return items


class EvidenceDialog(QDialog):
    """Attach a document, tool call or span to one root cause."""

    def __init__(
        self, schema: LabelSchema, chosen: list[str], case: Case, spans: list[RawSpan], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Attach evidence")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.root_cause = QComboBox()
        ids = chosen or [rc.id for rc in schema.root_causes]
        for rc_id in ids:
            self.root_cause.addItem(schema.title(rc_id), rc_id)
        form.addRow("Root cause", self.root_cause)
        layout.addLayout(form)
        self.items = QListWidget()
        self.items.setObjectName("evidence_items")
        for text, kind, ref in evidence_candidates(case, spans):
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (kind, ref))
            self.items.addItem(item)
        self.items.setCurrentRow(0)
        self.items.itemActivated.connect(lambda _item: self.accept())
        layout.addWidget(self.items, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.items.setFocus()
        self.resize(520, 420)

    def evidence(self) -> Evidence | None:
        item = self.items.currentItem()
        rc_id = self.root_cause.currentData()
        if item is None or rc_id is None:
            return None
        kind, ref = item.data(Qt.ItemDataRole.UserRole)
        return Evidence(root_cause=rc_id, kind=kind, ref=ref)


class PreferencesDialog(QDialog):
    """The reviewer name written into label events, and the colour scheme."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        layout = QFormLayout(self)
        self.reviewer = QLineEdit(settings.reviewer)
        layout.addRow("Reviewer name", self.reviewer)
        self.scheme = QComboBox()
        for text, value in (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark")):
            self.scheme.addItem(text, value)
        self.scheme.setCurrentIndex(max(self.scheme.findData(settings.color_scheme), 0))
        layout.addRow("Colours", self.scheme)
        note = QLabel("Keyboard shortcuts can be changed in the settings file (see the README).")
        note.setWordWrap(True)
        layout.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)
