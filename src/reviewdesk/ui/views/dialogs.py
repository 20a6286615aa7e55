"""Small dialogs: shortcut cheat sheet, root-cause picker, evidence picker, preferences (export: export_dialog.py)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.case import Case
from reviewdesk.domain.labels import Evidence
from reviewdesk.domain.spans import RawSpan
from reviewdesk.domain.standing import DEFAULT_STALE_AFTER_DAYS
from reviewdesk.services import evidence as evidence_items
from reviewdesk.services.review import LabelSchema
from reviewdesk.services.standing import MAX_STALE_AFTER_DAYS
from reviewdesk.settings import Settings
from reviewdesk.ui.actions import ACTIONS, MENUS, keys_for, root_cause_keys, root_cause_shortcut, shortcut_text

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
ORDER_ROLE = Qt.ItemDataRole.UserRole + 2
DETAIL_ROLE = Qt.ItemDataRole.UserRole + 3


CHEAT_SHEET_COLUMNS = 3


def cause_keys_text(number: int) -> str:
    """``5``; ``Ctrl+3, 0 3`` for the 12th root cause (its chord, then the picker's two keys)."""
    keys, chord = root_cause_keys(number), root_cause_shortcut(number)
    return keys if chord in ("", keys) else f"{chord}, {keys}"


def cheat_sheet_rows(overrides: dict[str, list[str]], schema: LabelSchema | None) -> list[tuple[str, str, str]]:
    """``(section, action, keys)`` for every action of the table, then every root cause with its keys."""
    rows: list[tuple[str, str, str]] = []
    for menu in MENUS:
        for spec in ACTIONS:
            if spec.menu != menu or spec.id.value.startswith("review.root_cause_"):
                continue  # the causes are listed together below, the picker's with them
            rows.append((menu, spec.text.replace("&", "").rstrip("…"), shortcut_text(keys_for(spec, overrides))))
    rows += [
        ("Scores", "Set the focused score / clear it", "1–5 / 0, Backspace"),
        ("Scores", "Next / previous score", "Tab / Shift+Tab"),
        ("Editors", "Leave the editor (text is saved)", "Esc"),
        ("Queue", "Move through the queue", "Up / Down, J / K"),
        ("Search", "Back to the queue", "Enter, Esc, Down"),
        ("Read", "Open / close the current item (in a pane)", "Enter, Right / Left"),
    ]
    if schema is not None:
        # 1–9 directly; the causes past nine are Ctrl+digit, or 0 (the picker) then the digit.
        rows += [
            ("Root causes", f"Root cause: {rc.title}", cause_keys_text(number))
            for number, rc in enumerate(schema.root_causes, 1)
        ]
        rows.append(("Root causes", "…each also attaches its likely evidence (V: another)", "1–9, Ctrl+1–9"))
    return rows


class CheatSheet(QDialog):
    """Every action with its keys, by menu, and every root cause — built from the same table as the menus.

    Laid out in sections over three columns so that it is read at once on a 1366×768 screen, never
    scrolled: each section is a grid of ``keys  action`` lines.
    """

    def __init__(
        self, overrides: dict[str, list[str]], schema: LabelSchema | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = cheat_sheet_rows(overrides, schema)
        sections: dict[str, list[tuple[str, str]]] = {}
        for section, action, keys in self.rows:
            sections.setdefault(section, []).append((action, keys))
        # Columns filled in order, each to about a third of all the lines.
        target = (len(self.rows) + 2 * len(sections)) / CHEAT_SHEET_COLUMNS
        columns: list[list[str]] = [[]]
        height = 0.0
        for section, entries in sections.items():
            if height and height + len(entries) / 2 > target and len(columns) < CHEAT_SHEET_COLUMNS:
                columns.append([])
                height = 0.0
            columns[-1].append(section)
            height += len(entries) + 2
        outer = QVBoxLayout(self)
        grid = QHBoxLayout()
        grid.setSpacing(24)
        bold = self.font()
        bold.setBold(True)
        for names in columns:
            column = QVBoxLayout()
            column.setSpacing(2)
            for name in names:
                title = QLabel(name)
                title.setFont(bold)
                title.setContentsMargins(0, 6, 0, 0)
                column.addWidget(title)
                lines = QGridLayout()
                lines.setHorizontalSpacing(10)
                lines.setVerticalSpacing(1)
                for row, (action, keys) in enumerate(sections[name]):
                    key_label = QLabel(keys)
                    key_label.setFont(bold)
                    key_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    key_label.setObjectName("cheat_keys")
                    lines.addWidget(key_label, row, 0)
                    lines.addWidget(QLabel(action), row, 1)
                lines.setColumnStretch(1, 1)
                column.addLayout(lines)
            column.addStretch(1)
            grid.addLayout(column)
        outer.addLayout(grid)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        for label in self.findChildren(QLabel):
            label.setTextFormat(Qt.TextFormat.PlainText)


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
        # The current entry's description, whole and wrapped: list lines stay short enough to read uncut.
        self.detail = QLabel()
        self.detail.setObjectName("picker_detail")
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        self.detail.setMinimumHeight(self.detail.fontMetrics().lineSpacing() * 3)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.detail)
        self.list.currentItemChanged.connect(lambda _current, _previous: self.show_detail())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.keys: dict[str, object] = {}
        self.picked: object | None = None
        """The entry chosen by its key (``value`` returns it before the list's current entry)."""
        self.resize(560, 460)

    def add(
        self, text: str, value: object, *, name: str | None = None, key: str | None = None, detail: str = ""
    ) -> None:
        """One entry; ``name`` is matched before the rest of ``text`` and ``detail`` (shown under the
        list for the current entry), ``key`` picks it at once."""
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setData(NAME_ROLE, (name or text).lower())
        item.setData(DETAIL_ROLE, detail)
        item.setToolTip(detail or text)
        item.setData(ORDER_ROLE, self.list.count())
        if key is not None:
            self.keys[key] = value
        self.list.addItem(item)
        if self.list.currentRow() < 0:
            self.list.setCurrentRow(0)

    def _filter(self, text: str) -> None:
        """Entries whose name holds every typed word come first, then those whose text does."""
        words = text.lower().split()
        items = [self.list.takeItem(0) for _ in range(self.list.count())]
        ranked: list[tuple[int, int, QListWidgetItem]] = []
        for item in items:
            name, full = str(item.data(NAME_ROLE)), f"{item.text()} {item.data(DETAIL_ROLE) or ''}".lower()
            rank = 0 if all(w in name for w in words) else 1 if all(w in full for w in words) else 2
            item.setHidden(rank == 2)
            ranked.append((rank, int(item.data(ORDER_ROLE)), item))
        for _rank, _order, item in sorted(ranked, key=lambda r: (r[0], r[1])):
            self.list.addItem(item)
        first = next((row for row in range(self.list.count()) if not self.list.item(row).isHidden()), -1)
        if first >= 0:
            self.list.setCurrentRow(first)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Up/Down in the filter box move the list selection, so the mouse is never needed.
        arrows = (Qt.Key.Key_Up, Qt.Key.Key_Down)
        if watched is self.filter_edit and isinstance(event, QKeyEvent) and event.key() in arrows:
            if event.type() == QEvent.Type.KeyPress:
                self._step(-1 if event.key() == Qt.Key.Key_Up else 1)
            return True
        # A key of the list (a digit) typed into an empty filter picks its entry: two keys in all.
        if (
            watched is self.filter_edit
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and not self.filter_edit.text()
            and event.text() in self.keys
        ):
            self.picked = self.keys[event.text()]
            self.accept()
            return True
        return super().eventFilter(watched, event)

    def show_detail(self) -> None:
        item = self.list.currentItem()
        detail = str(item.data(DETAIL_ROLE) or "") if item is not None and not item.isHidden() else ""
        self.detail.setText(detail)
        self.detail.setVisible(
            bool(detail) or any(self.list.item(row).data(DETAIL_ROLE) for row in range(self.list.count()))
        )

    def _step(self, step: int) -> None:
        row = self.list.currentRow() + step
        while 0 <= row < self.list.count() and self.list.item(row).isHidden():
            row += step
        if 0 <= row < self.list.count():
            self.list.setCurrentRow(row)

    def value(self) -> object | None:
        if self.picked is not None:
            return self.picked
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None and not item.isHidden() else None


def root_cause_picker(
    schema: LabelSchema, selected: list[str], parent: QWidget | None, *, prompt: str | None = None
) -> FilterList:
    dialog = FilterList(
        "Root cause",
        prompt or "Toggle a root cause (✓ = chosen). Type its name, or the digit after 0 shown on the left:",
        parent,
    )
    for number, rc in enumerate(schema.root_causes, 1):
        keys = root_cause_keys(number)
        mark = "✓" if rc.id in selected else "  "
        second = keys[2:] if keys.startswith("0 ") and keys != "0 …" else None
        dialog.add(
            f"{mark} {keys:>3}  {rc.title} — {rc.layer}", rc.id, name=rc.title, key=second, detail=rc.description
        )
    dialog.list.setObjectName("root_cause_list")
    dialog.show_detail()
    return dialog


class EvidenceDialog(QDialog):
    """Attach a document, tool call or span to one root cause."""

    def __init__(
        self,
        schema: LabelSchema,
        chosen: list[str],
        case: Case,
        spans: list[RawSpan],
        parent: QWidget | None = None,
        *,
        preselect: tuple[str, str] | None = None,
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
        current = 0
        for row, (text, kind, ref) in enumerate(evidence_items.candidates(case, spans)):
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (kind, ref))
            item.setToolTip(text)
            self.items.addItem(item)
            if preselect == (kind, ref):
                current = row
        self.items.setCurrentRow(current)
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
    """The reviewer name written into label events and the colour scheme (this reviewer's), and the
    open workspace's own settings (blind review, the stale threshold: ``services.standing``), each in
    its section; the workspace's are disabled when it is read-only.
    """

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        package_reviewer: str | None = None,
        blind: bool = False,
        workspace_note: str = "",
        stale_after: int | None = None,
        workspace_writable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        layout = QFormLayout(self)
        yours = QLabel("You")
        yours.setStyleSheet("font-weight: bold;")
        layout.addRow(yours)
        self.reviewer = QLineEdit(package_reviewer or settings.reviewer)
        self.reviewer.setObjectName("reviewer_name")
        if package_reviewer is not None:
            # The package was made for one reviewer: its labels merge back under that name.
            self.reviewer.setEnabled(False)
            self.reviewer.setToolTip(f"This review package records every label as {package_reviewer}")
        layout.addRow("Reviewer &name", self.reviewer)
        self.scheme = QComboBox()
        for text, value in (("Follow the system", "system"), ("Light", "light"), ("Dark", "dark")):
            self.scheme.addItem(text, value)
        self.scheme.setCurrentIndex(max(self.scheme.findData(settings.color_scheme), 0))
        layout.addRow("&Colours", self.scheme)
        note = QLabel("Keyboard shortcuts can be changed in the settings file (see the README).")
        note.setWordWrap(True)
        layout.addRow(note)
        section = QLabel("This workspace")
        section.setStyleSheet("font-weight: bold; margin-top: 8px;")
        layout.addRow(section)
        self.blind = QCheckBox("&Blind review: a reviewer sees no other reviewer's label until they give their own")
        self.blind.setObjectName("blind_review")
        self.blind.setChecked(blind)
        if workspace_note:
            self.blind.setEnabled(False)
            self.blind.setToolTip(workspace_note)
        layout.addRow(self.blind)
        if workspace_note:
            why = QLabel(workspace_note)
            why.setWordWrap(True)
            why.setTextFormat(Qt.TextFormat.PlainText)
            layout.addRow(why)
        self.stale_after = QSpinBox()
        self.stale_after.setObjectName("stale_after")
        self.stale_after.setRange(1, MAX_STALE_AFTER_DAYS)
        self.stale_after.setSuffix(" days")
        self.stale_after.setValue(stale_after or DEFAULT_STALE_AFTER_DAYS)
        self.stale_after.setEnabled(stale_after is not None and workspace_writable)
        self.stale_after.setToolTip(
            "A retrieved document is stale when it had not been updated for longer than this when the "
            "case retrieved it, or when another case retrieved a newer version (reviewdesk stale-after)."
        )
        layout.addRow("Documents are &stale after", self.stale_after)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)
