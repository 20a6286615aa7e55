"""The adjudication view: a case's reviewer labels side by side, and the decision being composed.

Shown in place of the label panel when the case on screen is disputed (or on A for any case two or
more reviewers labeled). One column per reviewer, numbered as the keys take them, plus the
Decision column; one row per label field (verdict, root causes, each score, corrected output,
comment, escalation, evidence) and the seconds each reviewer spent. Rows where the reviewers
differ are marked ``≠`` and tinted.

The keys (the window routes 1–9 and Ctrl+Enter here while the view is shown):

* 1–9 take reviewer n's label whole;
* in the table (A puts the keyboard there): ↑/↓ move between fields, ←/→ between reviewers,
  Enter uses the highlighted reviewer's value for that field (and steps to the next field that
  differs), Backspace forgets the pick, Esc goes back to the queue;
* Ctrl+Enter records the composed decision.

The view never writes: it emits ``take_requested`` and ``confirm_requested``, and the window
records through ``ReviewSession.adjudicate``. Its model is a thin adapter over the plain
``services.adjudication.Dispute`` and the picks (field → reviewer index); trace text is shown
through the display role only (plain text, never rich text).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from reviewdesk.domain.labels import Evidence, Label
from reviewdesk.services import adjudication as adj
from reviewdesk.services.adjudication import Dispute
from reviewdesk.ui.widgets.inert import inert_tooltip, visible

ModelIndex = QModelIndex | QPersistentModelIndex
_INVALID = QModelIndex()
SECONDS_ROW = "seconds"
TEXT_LIMIT = 400


def _dark() -> bool:
    return QGuiApplication.palette().base().color().lightness() < 128


def differ_color() -> QColor:
    """The tint of a row whose reviewers differ: amber, readable in light and dark schemes."""
    return QColor("#4d3d10") if _dark() else QColor("#fdf0c8")


def missing_color() -> QColor:
    return QColor("#ff7b72") if _dark() else QColor("#b3261e")


class AdjudicationModel(QAbstractTableModel):
    """Rows: the dispute's fields and the seconds spent; columns: the reviewers, then the decision."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.dispute: Dispute | None = None
        self.picks: dict[str, int] = {}
        self.title: Callable[[str], str] = lambda rc: rc
        self.describe_evidence: Callable[[Evidence], str] = lambda e: f"{e.kind.replace('_', ' ')} {e.ref}"
        self._decision = Label()

    # --- our API -------------------------------------------------------------------------------
    def set_dispute(self, dispute: Dispute | None) -> None:
        self.beginResetModel()
        self.dispute = dispute
        self.picks = {}
        self._decision = adj.compose(dispute, {}) if dispute else Label()
        self.endResetModel()

    @property
    def rows(self) -> tuple[str, ...]:
        return (*self.dispute.fields, SECONDS_ROW) if self.dispute else ()

    @property
    def decision_column(self) -> int:
        return len(self.dispute.reviewers) if self.dispute else 0

    def field_at(self, row: int) -> str | None:
        rows = self.rows
        return rows[row] if 0 <= row < len(rows) and rows[row] != SECONDS_ROW else None

    def pick(self, field: str, reviewer: int) -> None:
        self.picks[field] = reviewer
        self._changed()

    def unpick(self, field: str) -> None:
        self.picks.pop(field, None)
        self._changed()

    def decision(self) -> Label:
        return self._decision

    def missing(self) -> list[str]:
        return adj.missing_picks(self.dispute, self.picks) if self.dispute else []

    def _changed(self) -> None:
        assert self.dispute is not None
        self._decision = adj.compose(self.dispute, self.picks)
        self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    # --- text ----------------------------------------------------------------------------------
    @staticmethod
    def field_title(field: str) -> str:
        if field.startswith(adj.SCORE_PREFIX):
            return field.removeprefix(adj.SCORE_PREFIX).replace("_", " ").capitalize()
        return {
            adj.VERDICT: "Verdict",
            adj.ROOT_CAUSES: "Root causes",
            adj.CORRECTED: "Corrected output",
            adj.COMMENT: "Comment",
            adj.ESCALATE: "Escalated",
            adj.EVIDENCE: "Evidence",
            SECONDS_ROW: "Seconds spent",
        }[field]

    def value_text(self, field: str, label: Label) -> str:
        value = adj.field_value(label, field)
        if field == adj.ROOT_CAUSES:
            return "\n".join(self.title(rc) for rc in value) or "none"
        if field == adj.EVIDENCE:
            return "\n".join(f"{self.title(e.root_cause)}: {self.describe_evidence(e)}" for e in value) or "none"
        if field == adj.ESCALATE:
            return "yes" if value else "no"
        if value is None:
            return "–"
        text = str(value)
        return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"

    def _decision_text(self, field: str) -> str:
        assert self.dispute is not None
        if field in self.picks:
            who = self.dispute.reviewers[self.picks[field]].reviewer
            return f"{self.value_text(field, self._decision)}\n(from {who})"
        if self.dispute.agreed(field):
            return self.value_text(field, self._decision)
        if field in adj.MUST_PICK:
            return "pick one (Enter)"
        return "– (left empty)"

    # --- Qt overrides --------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = _INVALID) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = _INVALID) -> int:
        return 0 if parent.isValid() or self.dispute is None else len(self.dispute.reviewers) + 1

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        dispute = self.dispute
        if dispute is None:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                if section == self.decision_column:
                    return "Decision"
                if 0 <= section < len(dispute.reviewers):
                    key = f"{section + 1} · " if section < 9 else ""
                    return visible(f"{key}{dispute.reviewers[section].reviewer}")
            if role == Qt.ItemDataRole.ToolTipRole and 0 <= section < len(dispute.reviewers):
                return inert_tooltip(f"{section + 1} takes {dispute.reviewers[section].reviewer}'s label whole")
            return None
        rows = self.rows
        if not 0 <= section < len(rows):
            return None
        field = rows[section]
        differs = field != SECONDS_ROW and dispute.differs(field)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{'≠ ' if differs else ''}{self.field_title(field)}"
        if role == Qt.ItemDataRole.ToolTipRole and differs:
            return "The reviewers differ here"
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        dispute = self.dispute
        if dispute is None or not index.isValid():
            return None
        row, column = index.row(), index.column()
        rows = self.rows
        if not (0 <= row < len(rows) and 0 <= column <= self.decision_column):
            return None
        field = rows[row]
        decision = column == self.decision_column
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if field == SECONDS_ROW:
                if decision:
                    return ""
                spent = dispute.reviewers[column].seconds_spent
                return "–" if spent is None else f"{spent:.0f} s"
            if decision:
                text = self._decision_text(field)
            else:
                text = self.value_text(field, dispute.reviewers[column].label)
                if self.picks.get(field) == column:
                    text = f"✓ {text}"
            return visible(text) if role == Qt.ItemDataRole.DisplayRole else inert_tooltip(text)
        if role == Qt.ItemDataRole.BackgroundRole and field != SECONDS_ROW and dispute.differs(field):
            return differ_color()
        if role == Qt.ItemDataRole.ForegroundRole and decision and field != SECONDS_ROW:
            if field not in self.picks and field in adj.MUST_PICK and dispute.differs(field):
                return missing_color()
            if field not in self.picks and dispute.differs(field):
                return QGuiApplication.palette().placeholderText().color()
        if role == Qt.ItemDataRole.FontRole and (decision or self.picks.get(field) == column):
            font = QFont()
            font.setBold(field in self.picks)
            return font
        return None


class AdjudicationTable(QTableView):
    """The comparison table; claims Enter, Backspace, Delete and Esc from the window's shortcuts."""

    pick_requested = Signal()
    unpick_requested = Signal()
    leave = Signal()

    _OWN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Backspace, Qt.Key.Key_Delete, Qt.Key.Key_Escape)

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in self._OWN_KEYS
            and event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        if plain and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.pick_requested.emit()
        elif plain and event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete):
            self.unpick_requested.emit()
        elif plain and event.key() == Qt.Key.Key_Escape:
            self.leave.emit()
        else:
            super().keyPressEvent(event)


class AdjudicationView(QWidget):
    """See the module docstring."""

    take_requested = Signal(int)
    """A reviewer's index (0-based): take their label whole."""
    confirm_requested = Signal()
    """Record the composed decision (``decision()``)."""
    leave = Signal()
    """Esc in the table: the keyboard goes back to the queue."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adjudication_view")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        self.title_label = self._label("adjudication_title")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        layout.addWidget(self.title_label)
        self.keys_label = self._label("adjudication_keys")
        layout.addWidget(self.keys_label)
        self.model = AdjudicationModel(self)
        self.table = AdjudicationTable()
        self.table.setObjectName("adjudication_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.table, 1)
        self.status_label = self._label("adjudication_status")
        layout.addWidget(self.status_label)
        self.table.pick_requested.connect(self.pick_current)
        self.table.unpick_requested.connect(self.unpick_current)
        self.table.leave.connect(self.leave)
        self.model.dataChanged.connect(lambda *_: self._update_status())

    @staticmethod
    def _label(name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        return label

    # --- showing -------------------------------------------------------------------------------
    def show_dispute(
        self,
        dispute: Dispute,
        *,
        title: Callable[[str], str],
        describe_evidence: Callable[[Evidence], str],
    ) -> None:
        self.model.title = title
        self.model.describe_evidence = describe_evidence
        self.model.set_dispute(dispute)
        n = len(dispute.reviewers)
        state = dispute.resolution or "no verdict yet"
        differing = [self.model.field_title(f).lower() for f in dispute.fields if dispute.differs(f)]
        self.title_label.setText(
            visible(
                f"Adjudicate case {dispute.case_id[:12]} · {state} · {n} reviewer label(s)"
                + (f" · differ on {', '.join(differing)}" if differing else "")
            )
        )
        takes = "1" if n == 1 else f"1–{min(n, 9)}"
        self.keys_label.setText(
            f"{takes}: take a reviewer's label whole.  A: compose field by field (↑↓ field, ←→ reviewer, "
            "Enter use that value, Backspace forget it).  Ctrl+Enter: record the decision.  Ctrl+Z: undo."
        )
        self.table.resizeRowsToContents()
        first = next((row for row, f in enumerate(self.model.rows) if f != SECONDS_ROW and dispute.differs(f)), 0)
        self.table.setCurrentIndex(self.model.index(first, 0))
        self._update_status()

    def clear(self) -> None:
        self.model.set_dispute(None)
        self.title_label.clear()
        self.status_label.clear()

    @property
    def dispute(self) -> Dispute | None:
        return self.model.dispute

    def decision(self) -> Label:
        return self.model.decision()

    def missing(self) -> list[str]:
        return [self.model.field_title(f).lower() for f in self.model.missing()]

    def focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # --- composing -----------------------------------------------------------------------------
    def pick_current(self) -> None:
        index = self.table.currentIndex()
        field = self.model.field_at(index.row())
        if field is None or not 0 <= index.column() < self.model.decision_column:
            return
        self.model.pick(field, index.column())
        self.table.resizeRowsToContents()
        # Step to the next field that still differs and is not picked (else simply the next one).
        rows = self.model.rows
        dispute = self.model.dispute
        assert dispute is not None
        following = [
            r
            for r in range(index.row() + 1, len(rows))
            if rows[r] != SECONDS_ROW and dispute.differs(rows[r]) and rows[r] not in self.model.picks
        ]
        target = following[0] if following else min(index.row() + 1, len(rows) - 1)
        self.table.setCurrentIndex(self.model.index(target, index.column()))

    def unpick_current(self) -> None:
        field = self.model.field_at(self.table.currentIndex().row())
        if field is not None:
            self.model.unpick(field)
            self.table.resizeRowsToContents()

    def _update_status(self) -> None:
        dispute = self.model.dispute
        if dispute is None:
            self.status_label.clear()
            return
        missing = self.missing()
        picked = ", ".join(
            f"{self.model.field_title(f).lower()} from {dispute.reviewers[i].reviewer}"
            for f, i in self.model.picks.items()
        )
        if missing:
            self.status_label.setText(
                visible(f"{'Picked: ' + picked + '. ' if picked else ''}Still to pick: {', '.join(missing)}.")
            )
        else:
            self.status_label.setText(visible(f"{'Picked: ' + picked + '. ' if picked else ''}Ctrl+Enter records it."))
