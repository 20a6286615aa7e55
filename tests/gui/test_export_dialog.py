"""The export dialog on the labeled demo workspace: its preview count, its selection, the file it writes.

The preview must agree with ``exports.plan_export`` for the same options, the widgets must map to
``ExportSelection`` exactly as ``reviewdesk export`` maps its flags, and the file written through
the main window must hold exactly the previewed number of records — for the queue's filter and for
a fixed list opened from the insights.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QDialog, QLabel, QPushButton

from reviewdesk.cli.commands import export_cmd
from reviewdesk.cli.main import build_parser
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import cases, exports, formats
from reviewdesk.services.exports import ExportPlan, ExportSelection
from reviewdesk.services.sampling import SampleSpec
from reviewdesk.services.splits import SplitSpec
from reviewdesk.ui.views.export_dialog import ExportDialog
from tests.gui.conftest import wait_idle
from tests.unit.insights.demo_labels import DEMO_LABELS, labeled_demo_workspace


@pytest.fixture
def labeled_path(tmp_path: Path) -> Path:
    return labeled_demo_workspace(tmp_path / "support_copilot.reviewdesk")


@pytest.fixture
def window(qtbot, make_main_window, labeled_path):
    window = make_main_window(labeled_path, reviewer="dana")
    window.queue_view.select_queue("all")
    wait_idle(qtbot, window)
    return window


def _dialog(window, tmp_path: Path, queue: ExportSelection | None = None) -> ExportDialog:
    queue = queue if queue is not None else ExportSelection(flt=window.model.case_filter)
    return ExportDialog(
        window.workspace, window.runner, formats.export_formats(), queue, default_dir=tmp_path, parent=window
    )


def _counted(qtbot, dialog: ExportDialog) -> ExportPlan:
    qtbot.waitUntil(lambda: not dialog.counting and dialog.plan is not None, timeout=20000)
    assert dialog.plan is not None
    return dialog.plan


def _set_format(dialog: ExportDialog, name: str) -> None:
    index = dialog.format.findData(name)
    assert index >= 0, name
    dialog.format.setCurrentIndex(index)


def _expect(dialog: ExportDialog, plan: ExportPlan) -> None:
    """The preview line names exactly the counts of ``plan``."""
    text = dialog.preview.text()
    selected = len(plan.rowids)
    assert text.startswith(f"{selected} case{'' if selected == 1 else 's'} selected · {plan.accepted} will be written")
    skipped = sum(plan.skipped.values())
    if skipped:
        assert f" · {skipped} skipped: " in text
        for reason, count in plan.skipped.items():
            assert f"{reason} ({count})" in text
    else:
        assert "skipped" not in text


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_preview_counts_what_plan_export_counts(qtbot, window, tmp_path):
    dialog = _dialog(window, tmp_path)
    _set_format(dialog, "promptfoo-jsonl")
    flt = window.model.case_filter
    ws = window.workspace
    everything = exports.plan_export(ws, "promptfoo-jsonl", ExportSelection(flt=flt))
    assert len(everything.rowids) == 30 and everything.skipped  # the demo has unlabeled cases the format skips
    assert _counted(qtbot, dialog).rowids == everything.rowids
    _expect(dialog, everything)

    dialog.reviewer.setEditText("sam")
    by_sam = exports.plan_export(ws, "promptfoo-jsonl", ExportSelection(flt=flt, reviewer="sam"))
    sam_cases = sum(1 for label in DEMO_LABELS.values() if label[5] == "sam")
    assert len(by_sam.rowids) == sam_cases
    assert _counted(qtbot, dialog).rowids == by_sam.rowids
    _expect(dialog, by_sam)

    dialog.reviewer.setEditText("")
    dialog.sample_enabled.setChecked(True)
    dialog.sample_size.setValue(1)
    dialog.seed.setValue(3)
    spec = SampleSpec(per_stratum=1, by="root_cause", seed=3)
    sample = exports.plan_export(ws, "promptfoo-jsonl", ExportSelection(flt=flt, sample=spec))
    assert 0 < len(sample.rowids) < len(everything.rowids)
    assert _counted(qtbot, dialog).rowids == sample.rowids
    _expect(dialog, sample)
    dialog.reject()


def test_selection_maps_every_widget_like_the_cli(qtbot, window, tmp_path):
    queue = ExportSelection(flt=CaseFilter(verdict="fail", workflow="refund_request"))
    dialog = _dialog(window, tmp_path, queue)
    assert dialog.selection() == queue  # nothing extra chosen: the queue as it is
    assert "verdict fail" in dialog.queue_note.text() and "workflow refund_request" in dialog.queue_note.text()

    dialog.only_queue.setChecked(False)
    dialog.reviewer.setEditText("  dana ")
    dialog.since_enabled.setChecked(True)
    dialog.since_date.setDate(QDate(2026, 1, 2))
    dialog.corrected.setCurrentIndex(dialog.corrected.findData(False))
    dialog.sample_enabled.setChecked(True)
    dialog.sample_size.setValue(3)
    dialog.sample_by.setCurrentIndex(dialog.sample_by.findData("workflow"))
    dialog.seed.setValue(42)
    got = dialog.selection()
    assert got.flt == CaseFilter() and got.case_rowids is None
    assert got.reviewer == "dana"
    assert got.labeled_since == datetime(2026, 1, 2)
    assert got.has_corrected_output is False
    assert got.sample == SampleSpec(per_stratum=3, by="workflow", seed=42)
    args = build_parser().parse_args(
        [
            "export",
            "--reviewer",
            "dana",
            "--labeled-since",
            "2026-01-02",
            "--no-corrected-output",
            "--sample",
            "3",
            "--sample-by",
            "workflow",
            "--seed",
            "42",
        ]
    )
    assert got == export_cmd.selection(args)  # the same selection as the command line's

    dialog.corrected.setCurrentIndex(dialog.corrected.findData(True))
    assert dialog.selection().has_corrected_output is True
    dialog.corrected.setCurrentIndex(0)
    dialog.since_enabled.setChecked(False)
    dialog.sample_enabled.setChecked(False)
    dialog.reviewer.setEditText("")
    dialog.only_queue.setChecked(True)
    assert dialog.selection() == queue
    # A fixed list stays a fixed list, with the label filters on top.
    fixed = ExportSelection(case_rowids=(5, 3, 9))
    listed = _dialog(window, tmp_path, fixed)
    listed.reviewer.setEditText("sam")
    assert listed.selection() == ExportSelection(case_rowids=(5, 3, 9), reviewer="sam")
    listed.only_queue.setChecked(False)
    assert listed.selection().case_rowids is None
    dialog.reject()
    listed.reject()


def test_choose_export_writes_the_previewed_count(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "regressions.jsonl"
    seen: dict[str, object] = {}

    def accept(dialog: ExportDialog) -> int:
        _set_format(dialog, "promptfoo-jsonl")
        dialog.path.setText(str(out))
        dialog.reviewer.setEditText("sam")
        seen["plan"] = _counted(qtbot, dialog)
        seen["preview"] = dialog.preview.text()
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(ExportDialog, "exec", accept)
    window.choose_export()
    wait_idle(qtbot, window)
    plan = seen["plan"]
    assert isinstance(plan, ExportPlan)
    assert 0 < plan.accepted < 30  # only sam's cases, as the reviewer filter says
    records = _records(out)
    assert len(records) == plan.accepted
    assert f"{plan.accepted} will be written" in str(seen["preview"])
    assert window.statusBar().currentMessage().startswith(f"Wrote {plan.accepted} case(s)")


def test_a_list_opened_from_the_insights_exports_exactly_those_cases(qtbot, window, tmp_path, monkeypatch):
    window.show_insights(True)
    qtbot.waitUntil(lambda: window.insights_view.insights is not None, timeout=20000)
    ids = [s.case_id for s in cases.list_cases(window.workspace)]
    wanted = [ids[7], ids[2], ids[20]]
    window.open_case_ids(wanted)
    assert window.model.fixed_rowids is not None
    out = tmp_path / "picked.jsonl"
    seen: dict[str, str] = {}

    def accept(dialog: ExportDialog) -> int:
        _set_format(dialog, "reviewdesk-jsonl")
        dialog.path.setText(str(out))
        _counted(qtbot, dialog)
        seen["note"] = dialog.queue_note.text()
        seen["preview"] = dialog.preview.text()
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(ExportDialog, "exec", accept)
    window.choose_export()
    wait_idle(qtbot, window)
    assert seen["note"] == "The 3 cases opened from the insights, in their order."
    assert seen["preview"].startswith("3 cases selected · 3 will be written")
    assert [r["case_id"] for r in _records(out)] == wanted


def test_ok_is_off_while_nothing_would_be_written(qtbot, window, tmp_path):
    dialog = _dialog(window, tmp_path)
    dialog.show()
    qtbot.waitExposed(dialog)
    _counted(qtbot, dialog)
    assert dialog.ok_button.isEnabled()
    dialog.reviewer.setEditText("nobody")
    plan = _counted(qtbot, dialog)
    assert plan.rowids == [] and plan.accepted == 0
    assert not dialog.ok_button.isEnabled()
    assert "Nothing to export: no case matches these options." in dialog.preview.text()
    qtbot.keyClick(dialog.reviewer, Qt.Key.Key_Return)  # Enter does not export nothing
    assert dialog.isVisible() and dialog.result() == 0
    dialog.reject()
    # The unreviewed cases in a format that needs a label: selected, but none can be written.
    unreviewed = _dialog(window, tmp_path, ExportSelection(flt=CaseFilter(review="unreviewed")))
    _set_format(unreviewed, "promptfoo-jsonl")
    plan = _counted(qtbot, unreviewed)
    assert len(plan.rowids) == 4 and plan.accepted == 0
    assert not unreviewed.ok_button.isEnabled()
    assert "Nothing to export: the format cannot hold any selected case." in unreviewed.preview.text()
    _set_format(unreviewed, "reviewdesk-jsonl")  # lossless: takes unlabeled cases too
    assert _counted(qtbot, unreviewed).accepted == 4
    assert unreviewed.ok_button.isEnabled()
    unreviewed.path.setText("")
    assert not unreviewed.ok_button.isEnabled()  # no file to write
    unreviewed.reject()


def test_a_failing_count_shows_its_message(qtbot, window, tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ReviewdeskError("the workspace is locked")

    monkeypatch.setattr(exports, "plan_export", broken)
    dialog = _dialog(window, tmp_path)
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("Could not count"), timeout=20000)
    assert dialog.preview.text() == "Could not count the cases: the workspace is locked"
    assert dialog.plan is None and dialog.ok_button.isEnabled()
    dialog.reject()


def test_a_late_count_for_old_options_is_dropped(qtbot, window, tmp_path, monkeypatch):
    real = exports.plan_export
    started, release = threading.Event(), threading.Event()

    def slow(workspace, name, selection, **kwargs):
        if selection.reviewer == "slow":
            started.set()
            release.wait(10)
            return ExportPlan(format=name, rowids=list(range(999)), accepted=999)
        return real(workspace, name, selection, **kwargs)

    monkeypatch.setattr(exports, "plan_export", slow)
    dialog = _dialog(window, tmp_path)
    _counted(qtbot, dialog)
    dialog.reviewer.setEditText("slow")
    qtbot.waitUntil(started.is_set, timeout=5000)
    assert dialog.preview.text() == "Counting…"
    dialog.reviewer.setEditText("")
    fresh = _counted(qtbot, dialog)
    release.set()
    wait_idle(qtbot, window)  # the slow count has come back by now, and was ignored
    assert dialog.plan is fresh and len(fresh.rowids) == 30
    assert dialog.preview.text().startswith("30 cases selected")


def test_file_ending_follows_the_format_until_the_user_names_the_file(qtbot, window, tmp_path):
    dialog = _dialog(window, tmp_path)
    assert dialog.output_path() == tmp_path / "evalset.jsonl"
    _set_format(dialog, "promptfoo-yaml")
    assert dialog.output_path() == tmp_path / "evalset.yaml"
    _set_format(dialog, "deepeval")
    assert dialog.output_path() == tmp_path / "evalset.json"
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(tmp_path / "mine.txt"))
    _set_format(dialog, "csv")
    assert dialog.output_path() == tmp_path / "mine.txt"
    dialog.reject()


def test_keyboard_tab_reaches_every_control_enter_exports_esc_cancels(qtbot, window, tmp_path):
    dialog = _dialog(window, tmp_path)
    dialog.since_enabled.setChecked(True)
    dialog.sample_enabled.setChecked(True)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    qtbot.waitUntil(dialog.format.hasFocus)
    controls = [
        dialog.format,
        dialog.path,
        dialog.browse,
        dialog.only_queue,
        dialog.resolved_only,
        dialog.reviewer,
        dialog.since_enabled,
        dialog.since_date,
        dialog.corrected,
        dialog.sample_enabled,
        dialog.sample_size,
        dialog.sample_by,
        dialog.seed,
        dialog.split_enabled,
        dialog.ok_button,
    ]
    reached = []
    for _ in range(len(controls) + 3):
        focus = QApplication.focusWidget()
        assert focus is not None
        # An editable combo box or spin box gives the focus to its line edit.
        reached.append(focus.parentWidget() if focus not in controls and focus.parentWidget() in controls else focus)
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
    assert [w for w in controls if w not in reached] == []
    assert reached.index(dialog.format) < reached.index(dialog.reviewer) < reached.index(dialog.seed)

    # Every label names its control with a mnemonic; no two share a letter.
    letters = []
    for widget in dialog.findChildren(QLabel) + dialog.findChildren(QCheckBox) + dialog.findChildren(QPushButton):
        text = widget.text()
        if "&" in text:
            letters.append(text[text.index("&") + 1].lower())
            if isinstance(widget, QLabel):
                assert widget.buddy() is not None, text
    assert len(letters) >= 11 and len(letters) == len(set(letters)), letters
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # Stratified s&ample
    qtbot.waitUntil(lambda: not dialog.sample_enabled.isChecked())  # a mnemonic clicks after a short flash
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)  # Re&viewer
    qtbot.waitUntil(lambda: dialog.reviewer.hasFocus() or dialog.reviewer.isAncestorOf(QApplication.focusWidget()))  # type: ignore[arg-type]

    _counted(qtbot, dialog)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # in the reviewer's text field
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted.value)

    for name, key, result in (
        ("path", Qt.Key.Key_Return, QDialog.DialogCode.Accepted),
        ("sample_size", Qt.Key.Key_Enter, QDialog.DialogCode.Accepted),
        ("reviewer", Qt.Key.Key_Escape, QDialog.DialogCode.Rejected),
    ):
        other = _dialog(window, tmp_path)
        other.sample_enabled.setChecked(True)
        other.show()
        qtbot.waitExposed(other)
        target = getattr(other, name)
        target.setFocus()
        qtbot.keyClick(target.focusProxy() or target, key)
        assert other.result() == result.value, (name, key)
        assert not other.isVisible()


def test_split_options_preview_and_export_like_the_cli(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "split.jsonl"
    seen: dict[str, object] = {}

    def accept(dialog: ExportDialog) -> int:
        _set_format(dialog, "inspect")
        dialog.path.setText(str(out))
        assert not dialog.seed.isEnabled() and not dialog.split_shares.isEnabled()
        dialog.split_enabled.setChecked(True)
        assert dialog.seed.isEnabled() and dialog.split_shares.isEnabled()  # the split uses the seed too
        dialog.split_shares.setCurrentIndex(dialog.split_shares.findData("70/20/10"))
        dialog.split_by.setCurrentIndex(dialog.split_by.findData("workflow"))
        dialog.seed.setValue(11)
        assert not dialog.excel_bom.isVisibleTo(dialog)  # a CSV option only
        spec = dialog.split_spec()
        assert spec is not None and (spec.shares, spec.by, spec.seed) == ((70, 20, 10), "workflow", 11)
        plan = _counted(qtbot, dialog)
        seen["plan"], seen["preview"] = plan, dialog.preview.text()
        dialog.grab().save(str(tmp_path / "export_dialog_split.png"))
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(ExportDialog, "exec", accept)
    window.choose_export()
    wait_idle(qtbot, window)
    plan = seen["plan"]
    assert isinstance(plan, ExportPlan) and set(plan.splits) == {"train", "test", "validation"}
    preview = str(seen["preview"])
    for name, count in plan.splits.items():
        assert f"{name} {count}" in preview
        assert len(_records(tmp_path / f"split.{name}.jsonl")) == count
    args = build_parser().parse_args(
        ["export", "--format", "inspect", "-o", "x", "--split", "70/20/10", "--split-by", "workflow", "--seed", "11"]
    )
    assert export_cmd.split_spec(args) == SplitSpec(shares=(70, 20, 10), by="workflow", seed=11)
    assert (tmp_path / "split.manifest.json").exists()
    assert "manifest split.manifest.json" in window.statusBar().currentMessage()


def test_csv_bom_option_reaches_the_file(qtbot, window, tmp_path, monkeypatch):
    out = tmp_path / "cases.csv"

    def accept(dialog: ExportDialog) -> int:
        _set_format(dialog, "csv")
        dialog.path.setText(str(out))
        assert dialog.excel_bom.isVisibleTo(dialog)
        dialog.excel_bom.setChecked(True)
        _counted(qtbot, dialog)
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(ExportDialog, "exec", accept)
    window.choose_export()
    wait_idle(qtbot, window)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_resolved_cases_only_leaves_disputed_and_unreviewed_out(qtbot, window, tmp_path):
    from reviewdesk.domain.labels import LabelChange
    from reviewdesk.services import labels

    ws = window.workspace
    labeled = [s for s in cases.list_cases(ws) if s.verdict is not None]
    disputed = labeled[0]
    other = "unsure" if disputed.verdict != "unsure" else "pass"
    labels.record_label(ws, disputed.case_id, LabelChange(verdict=other), reviewer="zoe")  # now two disagree
    dialog = _dialog(window, tmp_path)
    _set_format(dialog, "reviewdesk-jsonl")
    flt = window.model.case_filter
    everything = _counted(qtbot, dialog)
    assert disputed.case_rowid in everything.rowids

    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    box = dialog.resolved_only
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on its box, not the row
    assert dialog.resolved_only.isChecked() and dialog.counting  # counted again, like every option
    resolved = _counted(qtbot, dialog)
    expected = exports.plan_export(ws, "reviewdesk-jsonl", ExportSelection(flt=flt.with_(resolved_only=True)))
    assert resolved.rowids == expected.rowids
    assert disputed.case_rowid not in resolved.rowids
    assert len(resolved.rowids) == len(labeled) - 1  # unreviewed cases out too
    _expect(dialog, resolved)
    dialog.only_queue.setChecked(False)
    args = build_parser().parse_args(["export", "--resolved-only"])
    assert dialog.selection() == export_cmd.selection(args)  # the same choice as the command line's
    dialog.reject()

    # A list opened from the insights keeps its order, resolved cases only.
    keep = labeled[1]
    listed = _dialog(window, tmp_path, ExportSelection(case_rowids=(disputed.case_rowid, keep.case_rowid)))
    _set_format(listed, "reviewdesk-jsonl")
    listed.resolved_only.setChecked(True)
    assert _counted(qtbot, listed).rowids == [keep.case_rowid]
    listed.reject()
