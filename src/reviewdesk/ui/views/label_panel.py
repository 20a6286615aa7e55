"""The label panel: verdict, root causes by layer, scores, escalation, corrected output, comment,
evidence and the case's label history.

The panel never writes. Every decision becomes a ``LabelChange`` on ``change_requested``; the
main window records it (one event, at once) and calls ``show_label`` with the result, so what
the panel shows is always what the workspace holds. Text editors are the one exception to
"at once": they emit after a short pause in typing, on Esc, on leaving the field and before the
case changes, so a paragraph is one event and not one per keystroke.

The History tab is the case's audit trail (``services.audit.entries(ws, case_ref=…)``): every
label event, who made it, when, what it set, the time spent and the label schema version.
A read-only panel (``set_read_only``) still shows all of this but takes no decision: its
controls are disabled and it emits nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.labels import SCORE_RANGE, VERDICTS, Evidence, Label, LabelChange, Verdict
from reviewdesk.services.audit import AuditEntry
from reviewdesk.services.review import LabelSchema
from reviewdesk.ui.views.evidence_tab import EvidenceTab
from reviewdesk.ui.views.history_tree import HistoryTree
from reviewdesk.ui.views.root_cause_box import RootCauseBox
from reviewdesk.ui.widgets.inert import visible
from reviewdesk.ui.widgets.score_row import ScoreRow

TEXT_IDLE_MS = 1200
Fit = QHeaderView.ResizeMode.ResizeToContents
CORRECTED_TAB, CORRECTED_SAVED_TAB = "Corrected", "Corrected ✓"
EVIDENCE_TAB = "Evidence"


class _NextKey(QObject):
    """An application event filter that calls ``then`` at the next key press (and lets the key through)."""

    def __init__(self, then: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._then = then

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # A key that is a shortcut never arrives as a KeyPress here (the shortcut map takes it
        # first), but its ShortcutOverride does.
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            self._then()
        return False


class LabelPanel(QScrollArea):
    """Right-hand panel; see the module docstring for the write protocol."""

    change_requested = Signal(object)
    """A ``LabelChange`` to record for the current case."""
    leave_editor = Signal()
    """Esc in an editor or score row: give focus back to the review surface."""
    attach_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("label_panel")
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.label: Label | None = None
        self.schema: LabelSchema | None = None
        self._output_prefill = ""
        self.describe_evidence: Callable[[Evidence], str] = lambda e: f"{e.kind.replace('_', ' ')} {e.ref}"
        """What an evidence item points at, in words (the window sets it for the case shown)."""
        self.likely_evidence: Callable[[str], Evidence | None] = lambda _rc_id: None
        """The item a root cause most likely points at in the case shown (the window sets it):
        choosing the cause attaches it (``toggle_root_cause``)."""
        self.corrected_saved = False
        self._corrected_base = ""
        self._comment_base = ""
        self._loading = False
        self.read_only = False
        self.replaced_verdict: Verdict | None = None
        """The verdict a change just replaced, shown struck through until the next key."""
        self._next_key = _NextKey(self.clear_replaced_verdict, self)
        body = QWidget()
        self.setWidget(body)
        body.installEventFilter(self)  # its layout grows (a schema with more causes): so does our minimum
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(6, 4, 6, 4)
        self._layout.setSpacing(6)

        verdict_box = QGroupBox("Verdict")
        verdict_row = QHBoxLayout(verdict_box)
        verdict_row.setContentsMargins(6, 4, 6, 4)
        self.verdict_buttons: dict[Verdict, QPushButton] = {}
        for verdict, key in zip(VERDICTS, ("P", "F", "U"), strict=True):
            button = QPushButton(f"{verdict.capitalize()}  {key}")
            button.setCheckable(True)
            # Buttons never take focus: the keyboard stays on the review surface.
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setObjectName(f"verdict_{verdict}")
            button.clicked.connect(lambda _checked=False, v=verdict: self.request_verdict(v))
            self.verdict_buttons[verdict] = button
            verdict_row.addWidget(button)
        self._layout.addWidget(verdict_box)
        self.verdict_box = verdict_box
        # A chosen verdict or score must be visible at a glance, in light and dark schemes alike.
        self.setStyleSheet(
            "QPushButton#verdict_pass:checked { background-color: #2e7d32; color: white; }"
            "QPushButton#verdict_fail:checked { background-color: #c62828; color: white; }"
            "QPushButton#verdict_unsure:checked { background-color: #f2b01e; color: black; }"
            "QPushButton:checked { border: 1px solid palette(shadow); border-radius: 3px; padding: 4px; }"
            "ScoreRow QToolButton:checked { background-color: palette(highlight); color: palette(highlighted-text); }"
        )

        self.root_cause_box = RootCauseBox()
        self.root_cause_box.toggle_requested.connect(self.toggle_root_cause)
        self.root_cause_checks = self.root_cause_box.checks
        self._layout.addWidget(self.root_cause_box)

        score_box = QGroupBox("Scores  (S, then 1–5)")
        self._score_layout = QVBoxLayout(score_box)
        self._score_layout.setContentsMargins(6, 2, 6, 4)
        self._score_layout.setSpacing(0)
        self.score_rows: dict[str, ScoreRow] = {}
        self._layout.addWidget(score_box)
        self.score_box = score_box

        self.escalate_check = QCheckBox("Flag for escalation  X")
        self.escalate_check.setObjectName("escalate")
        self.escalate_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.escalate_check.clicked.connect(lambda checked: self._emit(LabelChange(escalate=bool(checked))))
        self._layout.addWidget(self.escalate_check)

        # The other reviewers' labels of the case, one line each (hidden by blind review until the
        # reviewer has given their own verdict: then a note says so instead).
        self.others_label = QLabel()
        self.others_label.setObjectName("other_reviewers")
        self.others_label.setTextFormat(Qt.TextFormat.PlainText)
        self.others_label.setWordWrap(True)
        self.others_label.hide()
        self._layout.addWidget(self.others_label)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setUsesScrollButtons(False)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.corrected_edit = self._editor("corrected_output", "The expected answer (prefilled with the output)")
        self.comment_edit = self._editor("comment", "Why, for the engineer who reads this later")
        # Tab titles stay short so all four fit a 1366-pixel-wide screen; the keys are in tooltips.
        self.tabs.addTab(self.corrected_edit, CORRECTED_TAB)
        self.tabs.setTabToolTip(0, "Corrected output: the expected answer (E)")
        self.tabs.addTab(self.comment_edit, "Comment")
        self.tabs.setTabToolTip(1, "Comment (C)")

        self.evidence_tab = EvidenceTab()
        self.evidence_tab.attach_requested.connect(self.attach_requested.emit)
        self.evidence_tab.remove_requested.connect(self.remove_evidence)
        self.evidence_tab.leave.connect(self.leave_editor.emit)
        self.evidence_list = self.evidence_tab.list
        self.evidence_buttons = self.evidence_tab.buttons
        self.tabs.addTab(self.evidence_tab, EVIDENCE_TAB)
        self.tabs.setTabToolTip(
            2, "Evidence: what proves a root cause (a cause's key attaches the likely item; V another)"
        )

        self.history_tree = HistoryTree()
        self.tabs.addTab(self.history_tree, "History")
        self.tabs.setTabToolTip(3, "The audit trail of this case: every label change, who, when, what")
        # Low enough that the panel fits a 1280x720 window without its own scroll bar (the editors scroll).
        self.tabs.setMinimumHeight(120)
        self.tabs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self._layout.addWidget(self.tabs, 1)

        # The system switched light/dark: the boxes follow once the new palette is in place.
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda _scheme: QTimer.singleShot(0, self.refresh_colors)
        )
        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(TEXT_IDLE_MS)
        self._text_timer.timeout.connect(self.flush_text)
        self.setEnabled(False)

    def _editor(self, name: str, placeholder: str) -> QPlainTextEdit:
        editor = QPlainTextEdit()
        editor.setObjectName(name)
        editor.setPlaceholderText(placeholder)
        editor.setTabChangesFocus(True)
        editor.installEventFilter(self)
        editor.textChanged.connect(self._text_edited)
        return editor

    # --- schema and state ----------------------------------------------------------------------
    def set_schema(self, schema: LabelSchema) -> None:
        self.schema = schema
        self.root_cause_box.set_schema(schema)
        for score_row in self.score_rows.values():
            score_row.deleteLater()
        self.score_rows.clear()
        low, high = SCORE_RANGE
        for name in schema.scores:
            score_row = ScoreRow(name, low, high)
            score_row.changed.connect(lambda value, n=name: self._score_changed(n, value))
            score_row.escape_pressed.connect(self.leave_editor.emit)
            self._score_layout.addWidget(score_row)
            self.score_rows[name] = score_row
        self.refresh_colors()

    def refresh_colors(self) -> None:
        """Check boxes whose box shows in the current scheme.

        Fusion outlines a check box in a shade of the window colour and fills it with the base
        colour; in a dark palette both are near the background, and an unchecked root cause had no
        visible box at all. A lighter window colour for the boxes alone gives them an outline.
        """
        dark = QGuiApplication.palette().base().color().lightness() < 128
        for check in (*self.root_cause_checks.values(), self.escalate_check):
            # Only the window role is set: every other colour still comes from the application.
            palette = QPalette()
            if dark:
                palette.setColor(QPalette.ColorRole.Window, QColor("#9a9a9a"))
            check.setPalette(palette)

    def set_read_only(self, read_only: bool) -> None:
        """Show labels and history, take no decision (a workspace opened read-only)."""
        self.read_only = read_only
        for widget in (
            self.verdict_box,
            self.root_cause_box,
            self.score_box,
            self.escalate_check,
            *self.evidence_buttons,
        ):
            widget.setEnabled(not read_only)
        for editor in (self.corrected_edit, self.comment_edit):
            editor.setReadOnly(read_only)
        self.tabs.setTabToolTip(
            0, "Corrected output (read-only workspace)" if read_only else "Corrected output: the expected answer (E)"
        )

    def show_case(self, label: Label | None, output: str | None, history: list[AuditEntry]) -> None:
        """A new case: reset editors to its label (or the output prefill)."""
        self._text_timer.stop()
        self._output_prefill = output or ""
        self.setEnabled(True)
        self._loading = True
        try:
            self._corrected_base = (
                label.corrected_output if label and label.corrected_output is not None else self._output_prefill
            )
            self._comment_base = label.comment if label and label.comment else ""
            self.corrected_edit.setPlainText(self._corrected_base)
            self.comment_edit.setPlainText(self._comment_base)
            # An editor normalizes some characters (\r, U+2028 become paragraph breaks): compare
            # later typing with what it holds, or merely showing such a text would "change" it.
            self._corrected_base = self.corrected_edit.toPlainText()
            self._comment_base = self.comment_edit.toPlainText()
        finally:
            self._loading = False
        self.show_label(label)
        self.show_history(history)

    def clear_case(self) -> None:
        self._text_timer.stop()
        self.label = None
        self._loading = True
        self.corrected_edit.clear()
        self.comment_edit.clear()
        self._loading = False
        self.show_label(None)
        self.history_tree.clear()
        self.show_others({})
        self.setEnabled(False)

    def show_replaced_verdict(self, old: Verdict) -> None:
        """The verdict just replaced stays visible, struck through, until the next key (or case, or change).

        A slip (F on a case that was a pass) is then seen at once, not found in the History tab later.
        """
        self.clear_replaced_verdict()
        button = self.verdict_buttons[old]
        font = button.font()
        font.setStrikeOut(True)
        button.setFont(font)
        self.replaced_verdict = old
        self.verdict_box.setTitle(f"Verdict   (was {old} · Ctrl+Z undoes)")
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._next_key)

    def clear_replaced_verdict(self) -> None:
        if self.replaced_verdict is None:
            return
        button = self.verdict_buttons[self.replaced_verdict]
        font = button.font()
        font.setStrikeOut(False)
        button.setFont(font)
        self.replaced_verdict = None
        self.verdict_box.setTitle("Verdict")
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._next_key)

    def show_label(self, label: Label | None) -> None:
        """Show the stored label (after a write, undo or redo). Editors keep unsaved typing."""
        self.clear_replaced_verdict()
        self.label = label
        current = label or Label()
        for verdict, button in self.verdict_buttons.items():
            button.setChecked(current.verdict == verdict)
        self.root_cause_box.show_chosen(current.root_causes)
        for name, score_row in self.score_rows.items():
            score_row.set_value(current.scores.get(name))
        self.escalate_check.setChecked(current.escalate)
        schema = self.schema
        self.evidence_tab.show_evidence(current.evidence, schema.title if schema else str, self.describe_evidence)
        count = len(current.evidence)
        self.tabs.setTabText(2, f"{EVIDENCE_TAB} {count}" if count else EVIDENCE_TAB)
        self._show_corrected_state(current.corrected_output is not None)
        stored_corrected = current.corrected_output if current.corrected_output is not None else self._output_prefill
        stored_comment = current.comment or ""
        # Undo/redo can change the stored text: show it, unless the reviewer is typing over it.
        if not self._text_dirty(self.corrected_edit, self._corrected_base):
            if self.corrected_edit.toPlainText() != stored_corrected:
                self._set_text(self.corrected_edit, stored_corrected)
            self._corrected_base = self.corrected_edit.toPlainText()
        if not self._text_dirty(self.comment_edit, self._comment_base):
            if self.comment_edit.toPlainText() != stored_comment:
                self._set_text(self.comment_edit, stored_comment)
            self._comment_base = self.comment_edit.toPlainText()

    def show_others(self, labels: dict[str, Label], *, hidden: bool = False) -> None:
        """``Also labeled by / rev1: fail · Tool error · correctness 2 · “comment”``; with ``hidden``,
        the blind-review note."""
        if hidden:
            self.others_label.setText("Blind review: the other reviewers' labels show once you give your verdict.")
        else:
            lines = []
            for name, label in sorted(labels.items()):
                parts: list[str] = [label.verdict or "no verdict"]
                parts += [self.schema.title(rc) if self.schema else rc for rc in label.root_causes]
                parts += [f"{score} {value}" for score, value in label.scores.items()]
                comment = " ".join((label.comment or "").split())
                if comment:
                    parts.append(f"“{comment[:60]}{'…' if len(comment) > 60 else ''}”")
                lines.append(visible(f"{name}: {' · '.join(parts)}"))
            self.others_label.setText("Also labeled by\n" + "\n".join(lines) if lines else "")
        self.others_label.setVisible(bool(self.others_label.text()))

    def _show_corrected_state(self, saved: bool) -> None:
        """Saved correction: ✓ on the tab and the editor in the text colour; none: the prefilled output, muted."""
        self.corrected_saved = saved
        self.tabs.setTabText(0, CORRECTED_SAVED_TAB if saved else CORRECTED_TAB)
        if not self.read_only:
            self.tabs.setTabToolTip(
                0,
                "Corrected output saved for this case (E edits)"
                if saved
                else "Not corrected: prefilled with the model's output until you change it (E edits)",
            )
        palette = self.corrected_edit.palette()
        role = self.corrected_edit.foregroundRole()
        source = QGuiApplication.palette()
        palette.setColor(role, source.text().color() if saved else source.placeholderText().color())
        self.corrected_edit.setPalette(palette)

    def show_history(self, history: list[AuditEntry]) -> None:
        self.history_tree.show_entries(history)

    def _set_text(self, editor: QPlainTextEdit, text: str) -> None:
        self._loading = True
        try:
            editor.setPlainText(text)
        finally:
            self._loading = False

    @staticmethod
    def _text_dirty(editor: QPlainTextEdit, base: str) -> bool:
        return editor.toPlainText() != base

    # --- requests ------------------------------------------------------------------------------
    def _emit(self, change: LabelChange) -> None:
        if self.isEnabled() and not self.read_only:
            self.change_requested.emit(change)

    def request_verdict(self, verdict: Verdict) -> None:
        current = self.label.verdict if self.label else None
        if current == verdict:
            self.verdict_buttons[verdict].setChecked(True)  # a second click must not un-show it
            return
        self._emit(LabelChange(verdict=verdict))

    def root_cause_at(self, number: int) -> str | None:
        """The id of root cause ``number`` (1-based, taxonomy order)."""
        if self.schema is None or not 1 <= number <= len(self.schema.root_causes):
            return None
        return self.schema.root_causes[number - 1].id

    def toggle_root_cause(self, rc_id: str) -> None:
        """Choose or drop ``rc_id``; choosing it also attaches the item it most likely points at
        (``likely_evidence``) when the cause has no evidence yet: one key, one event; V attaches
        another, Del in the Evidence tab removes it, and dropping the cause drops its evidence."""
        current = list(self.label.root_causes) if self.label else []
        if rc_id in current:
            current.remove(rc_id)
            evidence = [e for e in (self.label.evidence if self.label else []) if e.root_cause != rc_id]
            change = LabelChange(root_causes=current)
            if self.label and len(evidence) != len(self.label.evidence):
                change = LabelChange(root_causes=current, evidence=evidence)  # no evidence for a cause that is gone
        else:
            current.append(rc_id)
            change = LabelChange(root_causes=current)
            existing = list(self.label.evidence) if self.label else []
            likely = self.likely_evidence(rc_id)
            if likely is not None and not any(e.root_cause == rc_id for e in existing):
                change = LabelChange(root_causes=current, evidence=[*existing, likely])
        self._emit(change)

    def toggle_escalate(self) -> None:
        self._emit(LabelChange(escalate=not (self.label.escalate if self.label else False)))

    def _score_changed(self, name: str, value: int | None) -> None:
        scores = dict(self.label.scores) if self.label else {}
        if value is None:
            scores.pop(name, None)
        else:
            scores[name] = value
        self._emit(LabelChange(scores=scores))

    def attach_evidence(self, evidence: Evidence) -> None:
        existing = list(self.label.evidence) if self.label else []
        if any(
            e.root_cause == evidence.root_cause and e.kind == evidence.kind and e.ref == evidence.ref for e in existing
        ):
            return
        change = LabelChange(evidence=[*existing, evidence])
        if self.label is None or evidence.root_cause not in self.label.root_causes:
            # Evidence is for a root cause; pointing at proof of one implies choosing it.
            roots = list(self.label.root_causes) if self.label else []
            change = LabelChange(root_causes=[*roots, evidence.root_cause], evidence=[*existing, evidence])
        self._emit(change)

    def remove_selected_evidence(self) -> None:
        self.remove_evidence(self.evidence_list.currentRow())

    def remove_evidence(self, row: int) -> None:
        if self.label is None or not 0 <= row < len(self.label.evidence):
            return
        remaining = [e for i, e in enumerate(self.label.evidence) if i != row]
        self._emit(LabelChange(evidence=remaining))

    # --- text editors --------------------------------------------------------------------------
    def focus_corrected(self) -> None:
        self.tabs.setCurrentWidget(self.corrected_edit)
        self.corrected_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_comment(self) -> None:
        self.tabs.setCurrentWidget(self.comment_edit)
        self.comment_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def focus_scores(self) -> None:
        if self.score_rows:
            next(iter(self.score_rows.values())).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _text_edited(self) -> None:
        if not self._loading:
            self._text_timer.start()

    def pending_text_change(self) -> LabelChange | None:
        """What the editors hold that the workspace does not yet, as one change."""
        fields: dict[str, str | None] = {}
        corrected = self.corrected_edit.toPlainText()
        if corrected != self._corrected_base:
            # Back to the untouched output (or emptied): nothing corrected.
            fields["corrected_output"] = None if corrected in ("", self._output_prefill) else corrected
        comment = self.comment_edit.toPlainText()
        if comment != self._comment_base:
            fields["comment"] = comment or None
        if not fields:
            return None
        return LabelChange(**fields)

    def flush_text(self) -> None:
        """Record typed text now (called before the case changes, on Esc and when typing pauses)."""
        self._text_timer.stop()
        change = self.pending_text_change()
        if change is None:
            return
        self._corrected_base = self.corrected_edit.toPlainText()
        self._comment_base = self.comment_edit.toPlainText()
        current = self.label
        stored_corrected = current.corrected_output if current else None
        stored_comment = current.comment if current else None
        fields = change.set_fields()
        # Typing and deleting back to what is stored is no change at all.
        if (
            fields.get("corrected_output", stored_corrected) == stored_corrected
            and fields.get("comment", stored_comment) == stored_comment
        ):
            return
        self._emit(change)

    def minimumSizeHint(self) -> QSize:
        # The panel scrolls up and down only: never narrower than its widest row, or that row is cut off.
        hint = super().minimumSizeHint()
        body = self.widget()
        if body is not None:
            scrollbar = self.verticalScrollBar().sizeHint().width()
            hint.setWidth(max(hint.width(), body.minimumSizeHint().width() + scrollbar + 2 * self.frameWidth()))
        return hint

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget() and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched in (self.corrected_edit, self.comment_edit) and event.key() == Qt.Key.Key_Escape:
                self.flush_text()
                self.leave_editor.emit()
                return True
        elif event.type() == QEvent.Type.FocusOut and watched in (self.corrected_edit, self.comment_edit):
            self.flush_text()
        return super().eventFilter(watched, event)
