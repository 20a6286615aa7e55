"""Read-only windows for risk owners: ``reviewdesk gui --read-only`` and files that cannot be written.

Every write is refused: the keys that label (P, F, digits, X, Ctrl+Enter, Ctrl+Z) change nothing
in the workspace file, import is disabled and refused even when called directly, dropped files
are not accepted, and the label panel shows the label without taking decisions. The title says
"(read-only)" and a banner says why.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from reviewdesk.cli.main import main
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import review
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.actions import SPECS, WRITE_ACTIONS, ActionId
from reviewdesk.ui.main_window import MainWindow
from tests.gui.conftest import demo_files


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _events(path: Path) -> int:
    ws = open_workspace(path, read_only=True)
    try:
        return sum(len(review.history(ws, rowid)) for rowid in review.queue_page(ws, CaseFilter(), offset=0))
    finally:
        ws.close()


def _try_every_write(qtbot, window) -> None:
    table = window.queue_view.table
    window.focus_review_surface()
    for key in (Qt.Key.Key_P, Qt.Key.Key_F, Qt.Key.Key_U, Qt.Key.Key_1, Qt.Key.Key_X):
        qtbot.keyClick(table, key)
    qtbot.keyClick(table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(table, Qt.Key.Key_C)  # the comment editor is not opened for typing…
    qtbot.keyClicks(window.label_panel.comment_edit, "typed")  # …and takes no typing
    assert window.label_panel.comment_edit.toPlainText() == ""
    window.label_panel.flush_text()
    window.import_paths(demo_files())  # refused even when called directly
    window.label_panel.verdict_buttons["fail"].click()  # disabled: a click does nothing


def _assert_read_only_window(qtbot, window, reason: str) -> None:
    assert window.workspace.read_only
    assert "(read-only)" in window.windowTitle()
    assert window.read_only_banner.isVisible()
    assert reason in window.read_only_banner.text()
    assert window.read_only_banner.textFormat() == Qt.TextFormat.PlainText
    for action_id in WRITE_ACTIONS:
        assert not window.action_map[action_id].isEnabled(), action_id
    assert not window.action_map[ActionId.IMPORT].isEnabled()
    assert window.action_map[ActionId.EXPORT].isEnabled()  # reading and exporting still work
    assert window.action_map[ActionId.INSIGHTS].isEnabled()
    assert window.action_map[ActionId.NEXT].isEnabled()
    assert not window.acceptDrops()
    assert not window.label_panel.verdict_box.isEnabled()
    assert window.label_panel.comment_edit.isReadOnly()
    assert window.model.rowCount() > 0
    assert window.case_view.detail is not None  # cases are still shown


def test_every_write_action_is_declared_as_one() -> None:
    for action_id in (ActionId.IMPORT, ActionId.UNDO, ActionId.REDO, ActionId.PASS, ActionId.FAIL, ActionId.UNSURE,
                      ActionId.ROOT_CAUSE_1, ActionId.MORE_ROOT_CAUSES, ActionId.ESCALATE, ActionId.SCORES,
                      ActionId.EDIT_CORRECTED, ActionId.EDIT_COMMENT, ActionId.EVIDENCE, ActionId.SAVE_NEXT,
                      ActionId.REDACTION, ActionId.RETENTION):  # fmt: skip
        assert SPECS[action_id].writes, action_id


def test_gui_read_only_refuses_every_write(qtbot, demo_workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    """``reviewdesk gui --read-only`` end to end: the window ``run_gui`` builds, driven from the keyboard."""
    from reviewdesk.ui import app

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # run_gui installs its own
    before, events_before = _digest(demo_workspace), _events(demo_workspace)
    checked: list[bool] = []

    def fake_exec() -> int:  # instead of the event loop: drive the shown window, then "quit"
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        qtbot.waitExposed(window)
        try:
            _assert_read_only_window(qtbot, window, "opened read-only")
            _try_every_write(qtbot, window)
            assert not window.runner.writing  # the import was refused before any work started
            assert "read-only" in window.statusBar().currentMessage()
            checked.append(True)
        finally:
            window.close()
        return 0

    monkeypatch.setattr(app.application(), "exec", fake_exec)
    assert main(["gui", "--workspace", str(demo_workspace), "--read-only"]) == 0
    assert checked == [True]
    assert _digest(demo_workspace) == before
    assert _events(demo_workspace) == events_before


def test_a_0444_workspace_opens_read_only_with_the_banner(
    qtbot, make_main_window, demo_workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    os.chmod(demo_workspace, 0o444)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # root may write any file, so os.access says yes; answer as the file's owner would be answered.
        real_access = os.access

        def access(path, mode, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(path).resolve() == demo_workspace.resolve() and mode & os.W_OK:
                return bool(stat.S_IMODE(os.stat(path).st_mode) & 0o200)
            return real_access(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
    before, events_before = _digest(demo_workspace), _events(demo_workspace)
    window = make_main_window(demo_workspace)
    _assert_read_only_window(qtbot, window, "the file is read-only")
    _try_every_write(qtbot, window)
    assert _digest(demo_workspace) == before
    assert _events(demo_workspace) == events_before
    shots = os.environ.get("REVIEWDESK_SCREENSHOT_DIR")
    target = Path(shots) if shots else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    window.case_view.tabs.setCurrentIndex(0)  # the letters typed above toggled the span tree (T)
    window.focus_review_surface()
    qtbot.wait(50)
    assert window.grab().save(str(target / "read-only.png"))
    os.chmod(demo_workspace, 0o600)
