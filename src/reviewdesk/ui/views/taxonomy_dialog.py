"""Edit → Taxonomy…: the workspace's root causes, scores and rubric, edited in the window.

It does what ``reviewdesk taxonomy show|add|rename|retire|restore|import FILE|rubric`` does, through
the same service (``services.taxonomy``): each button is one change, written at once as a new
label-schema version with its audit entry, and ``changed`` tells the window, whose label form,
keys and guidelines follow while the dialog is still open. Nothing is staged, so closing the
dialog never loses or half-applies an edit. A refused edit (an id taken, the last cause retired)
says why under the buttons and changes nothing.

The form under the table edits the selected root cause (Save changes: a rename, new id and
title, layer or definition) or describes a new one (Add as new).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.services import taxonomy as taxonomy_service
from reviewdesk.services.taxonomy import TaxonomyChange
from reviewdesk.services.workspace import Workspace
from reviewdesk.ui.widgets.inert import inert_tooltip, visible

ID_ROLE = Qt.ItemDataRole.UserRole


class TaxonomyDialog(QDialog):
    """See the module docstring."""

    changed = Signal(object)
    """A ``TaxonomyChange`` just written (the window reloads its label schema)."""

    def __init__(self, workspace: Workspace, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("taxonomy_dialog")
        self.setWindowTitle("Taxonomy")
        self.workspace = workspace
        self.actor = actor
        self.taxonomy: Taxonomy = taxonomy_service.current(workspace)
        layout = QVBoxLayout(self)

        self.version_label = QLabel()
        self.version_label.setObjectName("taxonomy_version")
        self.version_label.setWordWrap(True)
        layout.addWidget(self.version_label)

        self.causes = QTreeWidget()
        self.causes.setObjectName("taxonomy_causes")
        self.causes.setHeaderLabels(["Id", "Title", "Layer", "State", "Definition"])
        self.causes.setRootIsDecorated(False)
        self.causes.setAlternatingRowColors(True)
        header = self.causes.header()
        for column in range(4):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.causes.currentItemChanged.connect(lambda *_: self._fill_form())
        self.causes.setMinimumHeight(self.fontMetrics().height() * 12)
        layout.addWidget(self.causes, 3)

        form_box = QGroupBox("Root cause")
        form = QFormLayout(form_box)
        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("taxonomy_id")
        self.id_edit.setPlaceholderText("lower_case_id (a new id renames: old labels read as it)")
        self.title_edit = QLineEdit()
        self.title_edit.setObjectName("taxonomy_title")
        self.layer_edit = QComboBox()
        self.layer_edit.setObjectName("taxonomy_layer")
        self.layer_edit.setEditable(True)
        self.description_edit = QPlainTextEdit()
        self.description_edit.setObjectName("taxonomy_description")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(self.fontMetrics().height() * 3 + 12)
        form.addRow("&Id", self.id_edit)
        form.addRow("&Title", self.title_edit)
        form.addRow("&Layer", self.layer_edit)
        form.addRow("&Definition", self.description_edit)
        buttons = QHBoxLayout()
        self.add_button = self._button("&Add as new", "taxonomy_add", self.add_cause, buttons)
        self.save_button = self._button("&Save changes", "taxonomy_rename", self.rename_cause, buttons)
        self.retire_button = self._button("&Retire", "taxonomy_retire", self.retire_cause, buttons)
        self.restore_button = self._button("Rest&ore", "taxonomy_restore", self.restore_cause, buttons)
        buttons.addStretch(1)
        self.import_button = self._button("Import &file…", "taxonomy_import", self.choose_import, buttons)
        form.addRow(buttons)
        layout.addWidget(form_box)

        lower = QHBoxLayout()
        score_box = QGroupBox("Scores")
        score_layout = QVBoxLayout(score_box)
        self.scores = QListWidget()
        self.scores.setObjectName("taxonomy_scores")
        self.scores.currentItemChanged.connect(lambda *_: self._fill_score())
        self.scores.setMaximumHeight(self.fontMetrics().height() * 7)
        score_layout.addWidget(self.scores)
        self.score_edit = QLineEdit()
        self.score_edit.setObjectName("taxonomy_score_name")
        self.score_edit.setPlaceholderText("score name")
        score_layout.addWidget(self.score_edit)
        score_buttons = QHBoxLayout()
        self._button("Add score", "taxonomy_add_score", self.add_score, score_buttons)
        self._button("Rename score", "taxonomy_rename_score", self.rename_score, score_buttons)
        self._button("Retire score", "taxonomy_retire_score", self.retire_score, score_buttons)
        score_layout.addLayout(score_buttons)
        lower.addWidget(score_box, 1)

        rubric_box = QGroupBox("Rubric (shown beside the label form, G)")
        rubric_layout = QVBoxLayout(rubric_box)
        self.rubric_edit = QPlainTextEdit(taxonomy_service.rubric(workspace))
        self.rubric_edit.setObjectName("taxonomy_rubric")
        self.rubric_edit.setTabChangesFocus(True)
        self.rubric_edit.setPlaceholderText("What a pass is, what a fail is, when to escalate…")
        self.rubric_edit.setMaximumHeight(self.fontMetrics().height() * 7)
        rubric_layout.addWidget(self.rubric_edit)
        rubric_buttons = QHBoxLayout()
        rubric_buttons.addStretch(1)
        self._button("Save rubric", "taxonomy_save_rubric", self.save_rubric, rubric_buttons)
        rubric_layout.addLayout(rubric_buttons)
        lower.addWidget(rubric_box, 2)
        layout.addLayout(lower, 1)

        self.message = QLabel()
        self.message.setObjectName("taxonomy_message")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.resize(900, 680)
        self._show()

    def _button(self, text: str, name: str, slot: Callable[[], object], row: QHBoxLayout) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        row.addWidget(button)
        return button

    # --- showing -------------------------------------------------------------------------------
    def _show(self, select: str | None = None) -> None:
        taxonomy = self.taxonomy
        self.version_label.setText(
            f"Label schema v{taxonomy.version}: {len(taxonomy.active)} root causes offered, "
            f"{len(taxonomy.retired)} retired; {len(taxonomy.active_scores)} scores. "
            "Each change below is a new version; old labels keep theirs and read under the new one."
        )
        wanted = select or self.selected_id()
        self.causes.clear()
        for rc in taxonomy.root_causes:
            state = "retired" if rc.retired else "offered"
            if rc.formerly:
                state += f" (was {', '.join(rc.formerly)})"
            item = QTreeWidgetItem([rc.id, visible(rc.title), visible(rc.layer), state, visible(rc.description)])
            item.setData(0, ID_ROLE, rc.id)
            item.setToolTip(4, inert_tooltip(rc.description))
            if rc.retired:
                for column in range(5):
                    font = item.font(column)
                    font.setItalic(True)
                    item.setFont(column, font)
            self.causes.addTopLevelItem(item)
            if rc.id == wanted:
                self.causes.setCurrentItem(item)
        layers = list(dict.fromkeys(rc.layer for rc in taxonomy.root_causes))
        current_layer = self.layer_edit.currentText()
        self.layer_edit.clear()
        self.layer_edit.addItems(layers)
        self.layer_edit.setCurrentText(current_layer)
        self.scores.clear()
        for score in taxonomy.scores:
            text = score.name + ("  (retired)" if score.retired else "")
            score_item = QListWidgetItem(text)
            score_item.setData(ID_ROLE, score.name)
            self.scores.addItem(score_item)
        self._fill_form()

    def selected_id(self) -> str | None:
        item = self.causes.currentItem()
        value = item.data(0, ID_ROLE) if item is not None else None
        return value if isinstance(value, str) else None

    def select(self, root_cause_id: str) -> None:
        for row in range(self.causes.topLevelItemCount()):
            item = self.causes.topLevelItem(row)
            if item is not None and item.data(0, ID_ROLE) == root_cause_id:
                self.causes.setCurrentItem(item)

    def _fill_form(self) -> None:
        cause = self.taxonomy.find(self.selected_id() or "")
        if cause is None:
            return
        self.id_edit.setText(cause.id)
        self.title_edit.setText(cause.title)
        self.layer_edit.setCurrentText(cause.layer)
        self.description_edit.setPlainText(cause.description)
        self.retire_button.setEnabled(not cause.retired)
        self.restore_button.setEnabled(cause.retired)

    def _fill_score(self) -> None:
        item = self.scores.currentItem()
        if item is not None:
            self.score_edit.setText(str(item.data(ID_ROLE)))

    # --- changes: one service call each ----------------------------------------------------------
    def _apply(self, edit: Callable[[], TaxonomyChange], *, select: str | None = None) -> bool:
        try:
            change = edit()
        except ReviewdeskError as exc:
            self.message.setText(str(exc))
            self.message.setStyleSheet("color: #c62828;")
            return False
        self.taxonomy = change.taxonomy
        relabeled = f"; {change.relabeled_cases} case(s) re-read" if change.relabeled_cases else ""
        self.message.setStyleSheet("")
        self.message.setText(f"Saved as label schema v{change.taxonomy.version}: {change.summary}{relabeled}.")
        self._show(select)
        self.changed.emit(change)
        return True

    def _fields(self) -> tuple[str, str, str, str]:
        return (
            self.id_edit.text().strip(),
            self.title_edit.text().strip(),
            self.layer_edit.currentText().strip(),
            self.description_edit.toPlainText().strip(),
        )

    def add_cause(self) -> None:
        rc_id, title, layer, description = self._fields()
        self._apply(
            lambda: taxonomy_service.add_root_cause(
                self.workspace,
                rc_id,
                title=title or None,
                layer=layer or None,
                description=description,
                actor=self.actor,
            ),
            select=rc_id,
        )

    def rename_cause(self) -> None:
        old = self.selected_id()
        cause = self.taxonomy.find(old or "")
        if old is None or cause is None:
            self.message.setText("Select the root cause to change first.")
            return
        rc_id, title, layer, description = self._fields()
        self._apply(
            lambda: taxonomy_service.rename_root_cause(
                self.workspace,
                old,
                new_id=rc_id if rc_id and rc_id != old else None,
                title=title if title != cause.title else None,
                description=description if description != cause.description else None,
                layer=layer if layer != cause.layer else None,
                actor=self.actor,
            ),
            select=rc_id or old,
        )

    def retire_cause(self) -> None:
        rc_id = self.selected_id()
        if rc_id is not None:
            self._apply(lambda: taxonomy_service.retire_root_cause(self.workspace, rc_id, actor=self.actor))

    def restore_cause(self) -> None:
        rc_id = self.selected_id()
        if rc_id is not None:
            self._apply(lambda: taxonomy_service.restore_root_cause(self.workspace, rc_id, actor=self.actor))

    def choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import taxonomy", "", "Taxonomy files (*.json *.toml);;All files (*)"
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> bool:
        """The file's taxonomy becomes the next version (what ``taxonomy import FILE`` does)."""
        return self._apply(lambda: taxonomy_service.import_taxonomy(self.workspace, path, actor=self.actor))

    def _selected_score(self) -> str | None:
        item = self.scores.currentItem()
        value = item.data(ID_ROLE) if item is not None else None
        return value if isinstance(value, str) else None

    def add_score(self) -> None:
        name = self.score_edit.text().strip()
        self._apply(lambda: taxonomy_service.add_score(self.workspace, name, actor=self.actor))

    def rename_score(self) -> None:
        old, new = self._selected_score(), self.score_edit.text().strip()
        if old is not None:
            self._apply(lambda: taxonomy_service.rename_score(self.workspace, old, new, actor=self.actor))

    def retire_score(self) -> None:
        name = self._selected_score()
        if name is not None:
            self._apply(lambda: taxonomy_service.retire_score(self.workspace, name, actor=self.actor))

    def save_rubric(self) -> None:
        try:
            text = taxonomy_service.set_rubric(self.workspace, self.rubric_edit.toPlainText(), actor=self.actor)
        except ReviewdeskError as exc:
            self.message.setStyleSheet("color: #c62828;")
            self.message.setText(str(exc))
            return
        self.message.setStyleSheet("")
        self.message.setText("Rubric saved." if text else "Rubric removed.")
        self.changed.emit(None)
