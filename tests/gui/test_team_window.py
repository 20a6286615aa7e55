"""Team review in the window: who labels, My queue and its progress, blind review."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import assignment, labels, packages, visibility
from reviewdesk.services.workspace import open_workspace
from tests.gui.conftest import wait_idle


def _assign(path: Path, reviewers: list[str], *, sample: int, overlap: int = 1) -> dict[str, list[str]]:
    ws = open_workspace(path)
    try:
        assignment.assign(ws, reviewers, overlap=overlap, sample=sample, seed=3)
        return {who: [a.case_id for a in assignment.list_assignments(ws, reviewer=who)] for who in reviewers}
    finally:
        ws.close()


def test_my_queue_counts_done_as_i_label(qtbot, make_main_window, demo_workspace):
    mine = _assign(demo_workspace, ["tester", "other"], sample=6, overlap=2)["tester"]
    window = make_main_window(demo_workspace, reviewer="tester")
    wait_idle(qtbot, window)
    assert window.queue_view.queue_id() == "mine"  # assigned work comes first
    assert window.model.rowCount() == len(mine) == 6
    progress = window.queue_view.progress_label
    assert progress.isVisible() and progress.text() == "0 of 6 done"
    assert window.reviewer_label.text() == "Reviewer: tester"

    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: progress.text() == "1 of 6 done", timeout=10000)
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_J)
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_F)
    qtbot.waitUntil(lambda: progress.text() == "2 of 6 done", timeout=10000)
    ws = open_workspace(demo_workspace)
    try:
        assert assignment.my_queue_counts(ws, "tester") == (2, 6)
        assert assignment.my_queue_counts(ws, "other") == (0, 6)  # labels went to tester's own label
    finally:
        ws.close()

    window.queue_view.select_queue("all")
    assert not progress.isVisible()  # the count belongs to My queue

    # The insights' Reviewers tab: assigned / done / pending per reviewer.
    window.show_insights(True)
    qtbot.waitUntil(lambda: window.insights_view.insights is not None, timeout=20000)
    table = window.insights_view.reviewers.progress_table.model()
    rows = {table.index(r, 0).data(): [table.index(r, c).data() for c in range(1, 4)] for r in range(table.rowCount())}
    assert rows == {"other": ["6", "0", "6"], "tester": ["6", "2", "4"]}
    from reviewdesk.ui.views.insights import CASE_IDS_ROLE

    tester_row = next(r for r in range(table.rowCount()) if table.index(r, 0).data() == "tester")
    pending = table.index(tester_row, 3).data(CASE_IDS_ROLE)  # the Pending cell opens those cases
    assert len(pending) == 4 and set(pending) < set(mine)


def test_a_review_package_labels_as_its_reviewer(qtbot, make_main_window, demo_workspace, tmp_path):
    _assign(demo_workspace, ["rev1", "rev2"], sample=4)
    ws = open_workspace(demo_workspace)
    try:
        info = packages.create_package(ws, "rev1", tmp_path / "rev1.rdpkg")
    finally:
        ws.close()
    window = make_main_window(info.path, reviewer="tester")  # the settings' name does not count here
    wait_idle(qtbot, window)
    assert window.reviewer_label.text() == "Reviewer: rev1 (review package)"
    assert window.queue_view.queue_id() == "mine"
    assert window.model.rowCount() == info.cases
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: window.queue_view.progress_label.text() == f"1 of {info.cases} done", timeout=10000)
    case_id = window._detail.case.case_id
    window.close()
    window.workspace.close()
    package = open_workspace(info.path)
    try:
        assert set(labels.case_labels(package, case_id).by_reviewer) == {"rev1"}
    finally:
        package.close()


def _blind_case(path: Path) -> str:
    """Both reviewers are given the same two cases; ``other`` fails the first with a cause and a
    comment; blind review on. Returns that case's id."""
    both = _assign(path, ["tester", "other"], sample=2, overlap=2)
    case_id = both["other"][0]
    ws = open_workspace(path)
    try:
        change = LabelChange(verdict="fail", root_causes=["tool_error"], comment="the refund tool timed out")
        labels.record_label(ws, case_id, change, reviewer="other")
        packages.set_blind(ws, True, actor="lead")
    finally:
        ws.close()
    return case_id


def _select_case(window, case_id: str) -> None:
    for row in range(window.model.rowCount()):
        rowid = window.model.case_rowid(row)
        window.select_row(row)
        if window._detail is not None and window._detail.case.case_id == case_id:
            return
        assert rowid is not None
    raise AssertionError(f"{case_id} is not in the queue")


def _history_actors(window) -> set[str]:
    tree = window.label_panel.history_tree
    return {tree.topLevelItem(i).text(1) for i in range(tree.topLevelItemCount())}


def test_blind_review_hides_the_other_label_until_mine_is_in(qtbot, make_main_window, demo_workspace):
    case_id = _blind_case(demo_workspace)
    window = make_main_window(demo_workspace, reviewer="tester")
    wait_idle(qtbot, window)
    assert window.reviewer_label.text() == "Reviewer: tester · blind review"
    _select_case(window, case_id)
    panel = window.label_panel
    row = window.current_row()

    # Nothing of other's label: panel, queue marks, history, facets, filters.
    assert not any(button.isChecked() for button in panel.verdict_buttons.values())
    assert not panel.root_cause_checks["tool_error"].isChecked()
    assert "refund tool" not in panel.comment_edit.toPlainText()
    assert "other" not in _history_actors(window)
    summary = window.model.summary(row)  # the queue's marks and columns are drawn from it
    assert summary.verdict is None and summary.root_causes == () and not summary.escalate
    assert window.model.index(row, 0).data() == "○"  # no verdict mark
    assert panel.others_label.isVisible() and "Blind review" in panel.others_label.text()
    assert window.queue_view.count_label.text() == "0 reviewed this session · 2 left"  # other's verdict: not mine
    tool_error = window.queue_view.root_cause_combo.findData("tool_error")
    assert window.queue_view.root_cause_combo.itemText(tool_error).endswith("(0)")
    window.queue_view.verdict_combo.setCurrentIndex(window.queue_view.verdict_combo.findData("fail"))
    window.queue_view.apply()
    assert window.model.rowCount() == 0  # the filter cannot find other's verdict either
    window.queue_view.verdict_combo.setCurrentIndex(0)
    window.queue_view.apply()
    _select_case(window, case_id)

    # My verdict in: everything shows.
    window.focus_review_surface()
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_P)
    qtbot.waitUntil(lambda: "other: fail · Tool error" in panel.others_label.text(), timeout=10000)
    assert "“the refund tool timed out”" in panel.others_label.text()  # their comment too, now
    assert panel.verdict_buttons["pass"].isChecked()  # the panel keeps my own label
    assert "other" in _history_actors(window)
    wait_idle(qtbot, window)
    window.load_facets()
    wait_idle(qtbot, window)
    tool_error = window.queue_view.root_cause_combo.findData("tool_error")
    assert window.queue_view.root_cause_combo.itemText(tool_error).endswith("(0)")  # disputed: no resolved cause


def test_adjudicators_and_read_only_readers_see_everything(qtbot, make_main_window, demo_workspace):
    case_id = _blind_case(demo_workspace)
    ws = open_workspace(demo_workspace)
    try:
        visibility.set_adjudicators(ws, ["judge"], actor="lead")
        judge = visibility.viewer(ws, "judge")
        reader = visibility.viewer(open_workspace(demo_workspace, read_only=True), "tester")
    finally:
        ws.close()
    assert judge.role == "adjudicator" and not judge.blinded
    assert reader.role == "read-only" and not reader.blinded
    window = make_main_window(demo_workspace, reviewer="judge")
    wait_idle(qtbot, window)
    window.queue_view.select_queue("all")
    _select_case(window, case_id)
    assert "other: fail · Tool error" in window.label_panel.others_label.text()  # apart from judge's own label
    assert not window.label_panel.verdict_buttons["fail"].isChecked()
    assert "other" in _history_actors(window)


def _labeled_package(path: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """rev1's package of three cases, labeled in the package (as on the reviewer's laptop)."""
    _assign(path, ["rev1"], sample=3)
    ws = open_workspace(path)
    try:
        info = packages.create_package(ws, "rev1", tmp_path / "rev1.rdpkg")
    finally:
        ws.close()
    package = open_workspace(info.path)
    try:
        case_ids = [a.case_id for a in assignment.list_assignments(package, reviewer="rev1")]
        for case_id in case_ids[:2]:
            labels.record_label(package, case_id, LabelChange(verdict="fail"), reviewer="rev1")
    finally:
        package.close()
    return info.path, case_ids


def test_merge_review_packages_from_the_file_menu(
    qtbot, make_main_window, demo_workspace, tmp_path, messages, monkeypatch
):
    import sqlite3

    from PySide6.QtWidgets import QFileDialog

    from reviewdesk.ui.actions import ActionId

    good, case_ids = _labeled_package(demo_workspace, tmp_path)
    tampered = tmp_path / "tampered.rdpkg"
    tampered.write_bytes(good.read_bytes())
    conn = sqlite3.connect(tampered)
    conn.execute("UPDATE cases SET data = json_set(data, '$.workflow', 'edited')")
    conn.commit()
    conn.close()
    truncated = tmp_path / "truncated.rdpkg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])

    window = make_main_window(demo_workspace, reviewer="lead")
    wait_idle(qtbot, window)
    chosen = [str(good), str(tampered), str(truncated)]
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *_args, **_kwargs: (chosen, ""))
    merge = window.action_map[ActionId.MERGE_PACKAGE]
    assert (
        merge.text().replace("&", "") == "Merge review package…"
        and merge in window.menuBar().actions()[0].menu().actions()
    )
    merge.trigger()
    qtbot.waitUntil(lambda: any(m["title"] == "Review packages merged" for m in messages), timeout=20000)
    report = next(m for m in messages if m["title"] == "Review packages merged")["text"]
    assert "rev1.rdpkg (rev1): 2 event(s) added, 0 already present, 0 case(s) not in this workspace" in report
    assert "tampered.rdpkg: tampered with" in report
    assert "truncated.rdpkg" in report and "damaged or truncated" in report
    ws = open_workspace(demo_workspace)
    try:
        assert labels.case_labels(ws, case_ids[0]).by_reviewer["rev1"].verdict == "fail"
    finally:
        ws.close()

    # Again: nothing new, said so per package.
    messages.clear()
    chosen[:] = [str(good)]
    merge.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=20000)
    assert "rev1.rdpkg (rev1): 0 event(s) added, 2 already present" in messages[0]["text"]


def test_a_refused_package_says_which_file_and_why(qtbot, make_main_window, demo_workspace, tmp_path, messages):
    good, _ = _labeled_package(demo_workspace, tmp_path)
    other = tmp_path / "other.reviewdesk"
    open_workspace(other).close()  # another workspace: another id
    window = make_main_window(other, reviewer="lead")
    wait_idle(qtbot, window)
    window.merge_packages([good])
    qtbot.waitUntil(lambda: bool(messages), timeout=20000)
    assert messages[0]["title"] == "Review package refused"
    assert "rev1.rdpkg: made from another workspace" in messages[0]["text"]
    assert "the workspace is unchanged" in messages[0]["text"]


def test_blind_review_from_preferences_is_audited_and_applies_at_once(
    qtbot, make_main_window, demo_workspace, monkeypatch
):
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QDialog

    from reviewdesk.services import audit
    from reviewdesk.ui.views.dialogs import PreferencesDialog

    case_id = _blind_case(demo_workspace)
    ws = open_workspace(demo_workspace)
    try:
        packages.set_blind(ws, False, actor="lead")
    finally:
        ws.close()
    window = make_main_window(demo_workspace, reviewer="tester")
    wait_idle(qtbot, window)
    _select_case(window, case_id)
    assert "other: fail" in window.label_panel.others_label.text()  # not blind: other's label is there

    def accept(dialog: PreferencesDialog) -> int:
        dialog.show()
        qtbot.waitExposed(dialog)
        box = dialog.blind
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
        assert box.isChecked()
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(PreferencesDialog, "exec", accept)
    window.edit_preferences()
    wait_idle(qtbot, window)
    assert window.reviewer_label.text() == "Reviewer: tester · blind review"
    assert window._detail is not None and window._detail.case.case_id == case_id  # the same case, reread
    assert not any(b.isChecked() for b in window.label_panel.verdict_buttons.values())
    assert "Blind review" in window.label_panel.others_label.text()  # other's label: hidden now
    ws = open_workspace(demo_workspace)
    try:
        assert packages.is_blind(ws)
        changes = [e for e in audit.entries(ws, labels=False) if e.subject == "team.blind"]
        assert (changes[-1].actor, changes[-1].details) == ("tester", {"blind": True})
    finally:
        ws.close()


def test_file_open_takes_a_review_package(qtbot, make_main_window, demo_workspace, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from reviewdesk.ui.actions import ActionId

    _assign(demo_workspace, ["rev1", "rev2"], sample=4)
    ws = open_workspace(demo_workspace)
    try:
        info = packages.create_package(ws, "rev1", tmp_path / "rev1.rdpkg")
    finally:
        ws.close()
    window = make_main_window(demo_workspace, reviewer="tester")
    wait_idle(qtbot, window)
    assert window.reviewer_label.text() == "Reviewer: tester"
    offered: list[str] = []

    def choose(_parent, _title, _folder, filters, **_kwargs):
        offered.append(filters)
        return str(info.path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    window.action_map[ActionId.OPEN_WORKSPACE].trigger()
    wait_idle(qtbot, window)
    assert "Review package (*.rdpkg)" in offered[0]
    assert window.workspace.path == info.path
    assert window.reviewer_label.text() == "Reviewer: rev1 (review package)"
    assert window.queue_view.queue_id() == "mine" and window.model.rowCount() == info.cases
    assert window.session.reviewer == "rev1"


def test_my_verdict_is_recorded_when_another_reviewer_gave_the_same(qtbot, make_main_window, demo_workspace):
    """Blind review off, My queue: rev A failed a case both were given; B's F must write B's own
    label (the panel is B's label, empty, with A's shown apart), not be taken for a no-op."""
    both = _assign(demo_workspace, ["tester", "other"], sample=2, overlap=2)
    case_id = both["tester"][0]
    ws = open_workspace(demo_workspace)
    try:
        labels.record_label(ws, case_id, LabelChange(verdict="fail", comment="wrong refund"), reviewer="other")
    finally:
        ws.close()
    window = make_main_window(demo_workspace, reviewer="tester")
    wait_idle(qtbot, window)
    assert window.queue_view.queue_id() == "mine"
    _select_case(window, case_id)
    panel = window.label_panel
    assert not any(button.isChecked() for button in panel.verdict_buttons.values())  # mine: none yet
    assert "wrong refund" not in panel.comment_edit.toPlainText()
    assert panel.others_label.isVisible() and "other: fail" in panel.others_label.text()  # theirs, apart

    window.focus_review_surface()
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_F)
    qtbot.waitUntil(panel.verdict_buttons["fail"].isChecked, timeout=10000)
    qtbot.keyClick(window.queue_view.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.queue_view.progress_label.text() == "1 of 2 done", timeout=10000)
    ws = open_workspace(demo_workspace)
    try:
        mine = labels.case_labels(ws, case_id).by_reviewer.get("tester")
        assert mine is not None and mine.verdict == "fail" and not mine.comment  # my own, not a copy of theirs
        assert assignment.my_queue_counts(ws, "tester") == (1, 2)
        assert assignment.my_queue_counts(ws, "other") == (1, 2)
    finally:
        ws.close()
