"""The export dialog: format, file, which cases, and a live count of what the file will hold.

Which cases: the current queue (its filter, or the fixed list opened from the insights — the main
window passes it in as an ``ExportSelection``), narrowed by what only the label knows (reviewer,
labeled since, corrected output, resolved cases only) and an optional stratified sample; then an optional
train/test(/validation) split and, for CSV, a BOM for Excel. ``selection()`` and ``split_spec()``
map the widgets to ``ExportSelection``, ``SampleSpec`` and ``SplitSpec`` exactly as ``reviewdesk
export`` maps its flags.

The preview line is ``exports.plan_export`` run as a read on the main window's ``TaskRunner``,
never on the GUI thread, ``PREVIEW_DELAY_MS`` after the last change. Every change bumps a
generation and cancels the running count, so a late answer for old options is dropped. OK stays
off while the file name is empty or the finished count says nothing would be written.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.progress import Progress
from reviewdesk.services import exports
from reviewdesk.services.exports import ExportPlan, ExportSelection
from reviewdesk.services.sampling import SampleSpec
from reviewdesk.services.splits import SPLIT_NAMES, SplitSpec, parse_shares
from reviewdesk.services.workspace import Workspace
from reviewdesk.ui.tasks import Op, TaskRunner

log = logging.getLogger(__name__)

PREVIEW_DELAY_MS = 250
DEFAULT_STEM = "evalset"
CORRECTED_CHOICES: tuple[tuple[str, bool | None], ...] = (
    ("Any", None),
    ("Only cases with a corrected output", True),
    ("Only cases without one", False),
)
SAMPLE_BY_CHOICES = (("root cause", "root_cause"), ("workflow", "workflow"))
SPLIT_CHOICES = ((80, 20), (70, 30), (90, 10), (50, 50), (70, 20, 10), (80, 10, 10), (60, 20, 20))
"""Shares offered for the train/test(/validation) split (``--split`` takes any)."""


def _cases(n: int) -> str:
    return f"{n:,} case{'' if n == 1 else 's'}"


def describe_queue(queue: ExportSelection) -> str:
    """What "the current queue" means right now, in one line under the checkbox."""
    if queue.case_rowids is not None:
        return f"The {_cases(len(queue.case_rowids))} opened from the insights, in their order."
    parts: list[str] = []
    for f in fields(queue.flt):
        value = getattr(queue.flt, f.name)
        if f.name in ("sort", "descending") or value in (None, False, ""):
            continue
        name = f.name.replace("_", " ")
        parts.append(name if value is True else f"{name} {value}")
    return "Queue filter: " + (", ".join(parts) if parts else "none (every case)")


def preview_text(plan: ExportPlan) -> str:
    """``142 cases selected · 120 will be written · 22 skipped: no expected output (22) · test 24, train 96``."""
    selected = len(plan.rowids)
    skipped = sum(plan.skipped.values())
    parts = [f"{_cases(selected)} selected", f"{plan.accepted:,} will be written"]
    if skipped:
        reasons = ", ".join(
            f"{reason} ({count:,})" for reason, count in sorted(plan.skipped.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        parts.append(f"{skipped:,} skipped: {reasons}")
    if plan.splits:
        parts.append(", ".join(f"{name} {count:,}" for name, count in plan.splits.items()))
    text = " · ".join(parts)
    if plan.accepted == 0:
        why = "no case matches these options" if selected == 0 else "the format cannot hold any selected case"
        text += f". Nothing to export: {why}."
    return text


def export_message(result: exports.ExportResult) -> str:
    """The status-bar line after an export: what was written where, per split, and what the file is for."""
    text = f"Wrote {result.cases} case(s) to {result.path}"
    if result.splits:
        text += " (" + ", ".join(f"{name} {count}" for name, count in result.splits.items()) + ")"
    if result.manifest is not None:
        text += f" · manifest {result.manifest.name}"
    if result.summary:
        text += f" · {result.summary}"
    return text


class ExportDialog(QDialog):
    """Format, file, the cases to take, and how many the file will hold (see the module docstring)."""

    def __init__(
        self,
        workspace: Workspace,
        runner: TaskRunner,
        formats: list[tuple[str, str]],
        queue: ExportSelection,
        *,
        default_dir: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export eval set")
        self._workspace = workspace
        self._runner = runner
        self._queue = queue
        self._generation = 0
        self._running: Op[ExportPlan] | None = None
        self._closed = False
        self._auto_name = True  # the file ending follows the format until the user names the file
        self.plan: ExportPlan | None = None
        """The count for the options shown, once it has come back (``None`` while counting)."""

        outer = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        outer.addLayout(form)

        self.format = QComboBox()
        for name, title in formats:
            self.format.addItem(title, name)
            self.format.setItemData(self.format.count() - 1, name, Qt.ItemDataRole.ToolTipRole)
        form.addRow("&Format", self.format)

        self.path = QLineEdit(str(default_dir / f"{DEFAULT_STEM}{exports.file_ending(self.format_name())}"))
        self.browse = QPushButton("&Browse…")
        self.browse.setAutoDefault(False)  # Enter is Export wherever the focus is
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(self.browse)
        file_label = QLabel("F&ile")
        file_label.setBuddy(self.path)
        form.addRow(file_label, file_row)

        self.only_queue = QCheckBox("Only the cases of the current &queue")
        self.only_queue.setChecked(True)
        self.queue_note = QLabel(describe_queue(queue))
        self.queue_note.setToolTip(self.queue_note.text())
        # One line (a word-wrapped label makes the form reserve several); a long filter is cut, the tip has it all.
        self.queue_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.queue_note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        # In line with the checkbox's text, not its box.
        indent = self.only_queue.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
        indent += self.only_queue.style().pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing)
        self.queue_note.setContentsMargins(indent, 0, 0, 4)
        form.addRow("Cases", self.only_queue)
        form.addRow("", self.queue_note)
        self.resolved_only = QCheckBox("&Resolved cases only")
        self.resolved_only.setObjectName("resolved_only")
        self.resolved_only.setToolTip(
            "Only cases whose label is decided — one reviewer, reviewers agreeing, or adjudicated; disputed "
            "and unreviewed cases stay out (reviewdesk export --resolved-only)"
        )
        form.addRow("", self.resolved_only)

        self.reviewer = QComboBox()
        self.reviewer.setEditable(True)
        self.reviewer.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reviewer.addItem("")
        line = self.reviewer.lineEdit()
        if line is not None:
            line.setPlaceholderText("any reviewer")
            line.setClearButtonEnabled(True)
            # An editable combo box keeps Enter to itself; here Enter is Export, as everywhere else.
            line.returnPressed.connect(self.accept)
        self.reviewer.setToolTip("Only cases this reviewer labeled (any change to the label counts)")
        form.addRow("Re&viewer", self.reviewer)

        self.since_enabled = QCheckBox("Labeled &since")
        self.since_date = QDateEdit(QDate.currentDate().addDays(-30))
        self.since_date.setCalendarPopup(True)
        self.since_date.setDisplayFormat("yyyy-MM-dd")
        self.since_date.setMinimumDate(QDate(2000, 1, 1))
        self.since_date.setEnabled(False)
        self.since_date.setToolTip("Only cases whose label last changed on or after this day (00:00 UTC)")
        since_row = QHBoxLayout()
        since_row.addWidget(self.since_date)
        since_row.addWidget(QLabel("00:00 UTC"))
        since_row.addStretch(1)
        form.addRow(self.since_enabled, since_row)

        self.corrected = QComboBox()
        for text, value in CORRECTED_CHOICES:
            self.corrected.addItem(text, value)
        form.addRow("Corrected o&utput", self.corrected)

        self.sample_enabled = QCheckBox("Stratified s&ample")
        self.sample_size = QSpinBox()
        self.sample_size.setRange(1, 1_000_000)
        self.sample_size.setValue(5)
        self.sample_size.setPrefix("up to ")
        self.sample_by = QComboBox()
        for text, by in SAMPLE_BY_CHOICES:
            self.sample_by.addItem(text, by)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        per_label = QLabel("cases &per")
        per_label.setBuddy(self.sample_by)
        seed_label = QLabel("see&d")
        seed_label.setBuddy(self.seed)
        self._seed_label = seed_label
        self._sample_widgets: tuple[QWidget, ...] = (self.sample_size, per_label, self.sample_by, seed_label, self.seed)
        sample_row = QHBoxLayout()
        for widget in self._sample_widgets:
            widget.setEnabled(False)
            sample_row.addWidget(widget)
        sample_row.addStretch(1)
        self.sample_enabled.setToolTip(
            "Draw up to N cases per root cause or per workflow; the seed makes it repeatable"
        )
        form.addRow(self.sample_enabled, sample_row)

        self.split_enabled = QCheckBox("&Train/test split")
        self.split_shares = QComboBox()
        for shares in SPLIT_CHOICES:
            names = "/".join(SPLIT_NAMES[: len(shares)])
            text = "/".join(map(str, shares))
            self.split_shares.addItem(f"{text} ({names})", text)  # a string: Qt keeps no Python tuple
        self.split_by = QComboBox()
        for text, by in SAMPLE_BY_CHOICES:
            self.split_by.addItem(text, by)
        split_by_label = QLabel("stratified b&y")
        split_by_label.setBuddy(self.split_by)
        self._split_widgets: tuple[QWidget, ...] = (self.split_shares, split_by_label, self.split_by)
        split_row = QHBoxLayout()
        for widget in self._split_widgets:
            widget.setEnabled(False)
            split_row.addWidget(widget)
        split_row.addStretch(1)
        self.split_enabled.setToolTip(
            "Assign each case to train/test(/validation), stratified, with the seed above; LangSmith and "
            "Phoenix keep the split in the file, other formats get one file per split"
        )
        form.addRow(self.split_enabled, split_row)

        self.excel_bom = QCheckBox("Start the CSV with a UTF-8 BOM (for E&xcel)")
        self.excel_bom.setToolTip("Excel reads a CSV without a byte-order mark in the local code page")
        form.addRow("", self.excel_bom)

        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setFrameShadow(QFrame.Shadow.Sunken)
        outer.addWidget(rule)
        self.preview = QLabel("Counting…")
        self.preview.setWordWrap(True)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Room for two lines, so the dialog does not jump when the count's wording changes length.
        self.preview.setMinimumHeight(2 * self.preview.fontMetrics().lineSpacing())
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setAccessibleName("Export preview")
        outer.addWidget(self.preview)
        outer.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Export")
        self.ok_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

        order: list[QWidget] = [
            self.format,
            self.path,
            self.browse,
            self.only_queue,
            self.resolved_only,
            self.reviewer,
            self.since_enabled,
            self.since_date,
            self.corrected,
            self.sample_enabled,
            self.sample_size,
            self.sample_by,
            self.seed,
            self.split_enabled,
            self.split_shares,
            self.split_by,
            self.excel_bom,
            self.ok_button,
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel),
        ]
        for before, after in itertools.pairwise(order):
            QWidget.setTabOrder(before, after)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._count)

        self.format.currentIndexChanged.connect(self._format_changed)
        self.path.textEdited.connect(self._path_edited)
        self.path.textChanged.connect(self._update_ok)
        self.browse.clicked.connect(self._browse)
        self.only_queue.toggled.connect(self.queue_note.setEnabled)
        self.only_queue.toggled.connect(self._schedule)
        self.resolved_only.toggled.connect(self._schedule)
        self.reviewer.editTextChanged.connect(self._schedule)
        self.since_enabled.toggled.connect(self.since_date.setEnabled)
        self.since_enabled.toggled.connect(self._schedule)
        self.since_date.dateChanged.connect(self._schedule)
        self.corrected.currentIndexChanged.connect(self._schedule)
        self.sample_enabled.toggled.connect(self._sample_toggled)
        self.sample_size.valueChanged.connect(self._schedule)
        self.sample_by.currentIndexChanged.connect(self._schedule)
        self.seed.valueChanged.connect(self._schedule)
        self.split_enabled.toggled.connect(self._split_toggled)
        self.split_shares.currentIndexChanged.connect(self._schedule)
        self.split_by.currentIndexChanged.connect(self._schedule)
        self._show_format_options()

        self.resize(640, self.sizeHint().height())
        self.format.setFocus(Qt.FocusReason.OtherFocusReason)
        self._load_reviewers()
        self._schedule()

    # --- what the widgets say ------------------------------------------------------------------
    def format_name(self) -> str:
        return str(self.format.currentData())

    def output_path(self) -> Path:
        return Path(self.path.text().strip()).expanduser()

    def selection(self) -> ExportSelection:
        """The widgets as an ``ExportSelection`` (the same fields ``reviewdesk export`` fills from its flags)."""
        base = self._queue if self.only_queue.isChecked() else ExportSelection()
        if self.resolved_only.isChecked():
            base = replace(base, flt=base.flt.with_(resolved_only=True))  # as --resolved-only
        since = None
        if self.since_enabled.isChecked():
            day = self.since_date.date()
            since = datetime(day.year(), day.month(), day.day())  # naive = UTC, like --labeled-since 2026-11-01
        sample = None
        if self.sample_enabled.isChecked():
            sample = SampleSpec(
                per_stratum=self.sample_size.value(), by=self.sample_by.currentData(), seed=self.seed.value()
            )
        return replace(
            base,
            reviewer=self.reviewer.currentText().strip() or None,
            labeled_since=since,
            has_corrected_output=self.corrected.currentData(),
            sample=sample,
        )

    def split_spec(self) -> SplitSpec | None:
        """The split the widgets ask for (the seed is the one the sample uses, as ``--seed`` is)."""
        if not self.split_enabled.isChecked():
            return None
        shares = parse_shares(str(self.split_shares.currentData()))
        return SplitSpec(shares=shares, by=self.split_by.currentData(), seed=self.seed.value())

    def wants_excel_bom(self) -> bool:
        return self.format_name() == "csv" and self.excel_bom.isChecked()

    # --- reacting to the user ------------------------------------------------------------------
    def _show_format_options(self) -> None:
        self.excel_bom.setVisible(self.format_name() == "csv")

    def _split_toggled(self, on: bool) -> None:
        for widget in self._split_widgets:
            widget.setEnabled(on)
        self._seed_enabled()
        self._schedule()

    def _seed_enabled(self) -> None:
        on = self.sample_enabled.isChecked() or self.split_enabled.isChecked()
        self.seed.setEnabled(on)
        self._seed_label.setEnabled(on)

    def _format_changed(self) -> None:
        self._show_format_options()
        if self._auto_name and self.path.text().strip():
            current = Path(self.path.text().strip())
            self.path.setText(str(current.with_suffix(exports.file_ending(self.format_name()))))
        self._schedule()

    def _path_edited(self, _text: str) -> None:
        self._auto_name = False

    def _sample_toggled(self, on: bool) -> None:
        for widget in self._sample_widgets:
            widget.setEnabled(on)
        self._seed_enabled()
        self._schedule()

    def _browse(self) -> None:
        ending = exports.file_ending(self.format_name())
        path, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.path.text(), f"{self.format.currentText()} (*{ending});;All files (*)"
        )
        if path:
            if not Path(path).suffix:
                path += ending
            self._auto_name = False
            self.path.setText(path)

    def _update_ok(self) -> None:
        if not self.path.text().strip():
            self.ok_button.setEnabled(False)
            self.ok_button.setToolTip("Choose a file to write")
        elif self.plan is not None and self.plan.accepted == 0:
            self.ok_button.setEnabled(False)
            self.ok_button.setToolTip("Nothing would be written; change the format or the options")
        else:
            self.ok_button.setEnabled(True)
            self.ok_button.setToolTip("")

    # --- the preview count ---------------------------------------------------------------------
    def _schedule(self) -> None:
        """The options changed: what was counted is stale; count again once the user pauses."""
        self._generation += 1
        self._cancel_running()
        self.plan = None
        self.preview.setText("Counting…")
        self._update_ok()
        if not self._closed:
            self._timer.start()

    def _count(self) -> None:
        generation = self._generation
        workspace, name, selection, split = self._workspace, self.format_name(), self.selection(), self.split_spec()

        def work(progress: Progress) -> ExportPlan:
            return exports.plan_export(workspace, name, selection, split=split, progress=progress)

        op = self._runner.op(work, write=False)
        op.success(lambda plan: self._counted(generation, plan)).failure(
            lambda exc, details: self._count_failed(generation, exc, details)
        )
        self._running = op
        op.run()

    def _counted(self, generation: int, plan: ExportPlan) -> None:
        if generation != self._generation:
            return  # the options changed while counting
        self._running = None
        self.plan = plan
        self.preview.setText(preview_text(plan))
        self._update_ok()

    def _count_failed(self, generation: int, exc: BaseException, details: str) -> None:
        if generation != self._generation:
            return
        self._running = None
        if not isinstance(exc, ReviewdeskError):
            log.error("export preview failed:\n%s", details)
        self.preview.setText(f"Could not count the cases: {exc}")
        self._update_ok()

    def _cancel_running(self) -> None:
        if self._running is not None:
            self._running.progress.cancel()
            self._running = None

    def _load_reviewers(self) -> None:
        workspace = self._workspace
        self._runner.read(lambda: exports.known_reviewers(workspace)).success(self._fill_reviewers).failure(
            lambda _exc, details: log.warning("could not list the reviewers:\n%s", details)
        ).run()

    def _fill_reviewers(self, names: list[str]) -> None:
        if self._closed:
            return
        typed = self.reviewer.currentText()
        self.reviewer.blockSignals(True)
        self.reviewer.addItems(names)
        self.reviewer.setEditText(typed)
        self.reviewer.blockSignals(False)

    def done(self, result: int) -> None:
        """Closing drops and cancels any count still running: its answer must not touch the dialog."""
        self._closed = True
        self._timer.stop()
        self._generation += 1
        self._cancel_running()
        super().done(result)

    def accept(self) -> None:
        if not self.ok_button.isEnabled():
            return  # Enter while the count says nothing would be written
        super().accept()

    @property
    def counting(self) -> bool:
        """A count is waiting for the user to pause, or running."""
        return self._timer.isActive() or self._running is not None
