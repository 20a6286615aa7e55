"""Desktop conventions: menus with shortcuts, cheat sheet, About, geometry, recent workspaces, ops."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QPushButton

from reviewdesk import __version__, paths
from reviewdesk.settings import load_settings
from reviewdesk.ui import tasks
from reviewdesk.ui.actions import ACTIONS, ActionId
from reviewdesk.ui.tasks import TaskRunner


def test_every_action_is_in_a_menu_with_its_shortcut(make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    menus = {menu.title().replace("&", ""): menu for menu in window.menuBar().findChildren(QMenu)}
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles[:6] == ["File", "Edit", "View", "Read", "Review", "Help"]
    in_menus = {a for menu in menus.values() for a in menu.actions()}
    for spec in ACTIONS:
        action = window.action_map[spec.id]
        assert action in in_menus, spec.id
        if spec.keys:
            assert not action.shortcut().isEmpty(), spec.id
            assert action.shortcut().toString() in action.toolTip(), spec.id
    assert window.action_map[ActionId.QUIT].shortcut().toString() == "Ctrl+Q"
    assert not window.action_map[ActionId.PASS].autoRepeat()
    assert window.action_map[ActionId.ROOT_CAUSE_5].text() == "Root cause: Stale source"


def test_shortcut_overrides_come_from_settings(qtbot, make_main_window, demo_workspace, monkeypatch):
    from reviewdesk.services.workspace import open_workspace
    from reviewdesk.settings import Settings
    from reviewdesk.ui.main_window import MainWindow

    window = MainWindow(open_workspace(demo_workspace), Settings(reviewer="t", shortcuts={"review.pass": ["Y"]}))
    try:
        assert window.action_map[ActionId.PASS].shortcut().toString() == "Y"
        assert "(Y)" in window.action_map[ActionId.PASS].toolTip()
    finally:
        window.close()
        window.workspace.close()


def test_question_mark_opens_the_cheat_sheet(qtbot, make_main_window, demo_workspace, monkeypatch):
    from reviewdesk.ui.views import dialogs

    make_main_window(demo_workspace)
    seen = {}

    def fake_exec(dialog: dialogs.CheatSheet) -> int:
        seen["rows"] = [f"{action} = {keys}" for _section, action, keys in dialog.rows]
        return 0

    monkeypatch.setattr(dialogs.CheatSheet, "exec", fake_exec)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Question)
    assert "Verdict: fail = F" in seen["rows"]
    assert "Save and next = Ctrl+Return, Ctrl+Enter" in seen["rows"]
    assert "Root cause: Hallucination = 7" in seen["rows"]


def test_about_shows_version_and_data_location(make_main_window, demo_workspace, messages):
    window = make_main_window(demo_workspace)
    window.action_map[ActionId.ABOUT].trigger()
    assert __version__ in messages[0]["text"]
    assert str(paths.data_dir()) in messages[0]["text"]
    assert str(window.workspace.path) in messages[0]["text"]


def test_geometry_and_recent_workspaces_are_remembered(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace, size=(1200, 700))
    window.remember_workspace()
    assert window.recent_menu.actions()[0].text() == str(demo_workspace)
    window.splitter.setSizes([250, 600, 350])
    sizes = window.splitter.sizes()
    window.close()
    assert load_settings().recent_workspaces[0] == str(demo_workspace)
    again = make_main_window(demo_workspace, size=(1200, 700))
    assert again.splitter.sizes() == sizes


def test_switch_workspace(qtbot, make_main_window, demo_workspace, tmp_path):
    window = make_main_window(demo_workspace)
    window.switch_workspace(tmp_path / "other.reviewdesk")
    assert window.windowTitle() == "other — reviewdesk"
    assert window.model.rowCount() == 0
    assert window.case_view.detail is None


def test_progress_dialog_appears_late_and_cancels(qtbot, monkeypatch):
    monkeypatch.setattr(tasks, "SHOW_DELAY_MS", 200)
    runner = TaskRunner()
    results: list[object] = []
    started = threading.Event()

    quick = runner.op(lambda progress: "quick").with_progress("Quick", None).success(results.append)
    quick.run()
    qtbot.waitUntil(lambda: results == ["quick"])
    assert quick.dialog is None  # finished before the delay: no dialog flashed

    def slow(progress):
        progress.set_total(100)
        started.set()
        while not progress.cancel_requested():
            progress.advance(1)
            time.sleep(0.01)
        return "cancelled"

    op = runner.op(slow).with_progress("Slow", None).success(results.append)
    op.run()
    qtbot.waitUntil(lambda: op.dialog is not None and op.dialog.isVisible(), timeout=5000)
    qtbot.mouseClick(op.dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)  # the Cancel button
    qtbot.waitUntil(lambda: "cancelled" in results, timeout=5000)
    assert op.dialog is None
    runner.shutdown()


def test_failure_reaches_the_gui_thread(qtbot):
    runner = TaskRunner()
    failures: list[tuple[BaseException, str]] = []

    def boom(progress):
        raise ValueError("bad")

    runner.op(boom).failure(lambda exc, details: failures.append((exc, details))).run()
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0][0], ValueError) and "Traceback" in failures[0][1]
    assert runner.idle
    runner.shutdown()


def test_unexpected_error_dialog_has_details(qtbot, messages):
    from reviewdesk.ui.errors import show_error

    show_error(None, KeyError("x"))
    assert "did not expect" in messages[0]["text"] and "KeyError" in messages[0]["details"]
    assert QMessageBox is not None
