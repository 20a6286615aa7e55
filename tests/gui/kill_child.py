"""Child process for ``test_kill``: label a case with the keyboard, say so, then wait to be killed."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from reviewdesk.ui.app import application, open_window


def main() -> None:
    app = application()
    window = open_window(Path(sys.argv[1]))
    window.show()
    window.activateWindow()
    deadline = time.monotonic() + 10
    while not window.isActiveWindow() and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
    window.focus_review_surface()
    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
    table = window.queue_view.table
    QTest.keyClick(table, Qt.Key.Key_F)
    QTest.keyClick(table, Qt.Key.Key_3)
    QTest.keyClick(table, Qt.Key.Key_C)
    focus = QApplication.focusWidget()
    assert focus is not None, "the comment field has the focus after C"
    QTest.keyClicks(focus, "killed right after")
    QTest.keyClick(focus, Qt.Key.Key_Escape)
    panel = window.label_panel
    rc = window.schema.root_causes[2].id
    assert panel.verdict_buttons["fail"].isChecked() and panel.root_cause_checks[rc].isChecked()
    assert panel.label is not None and panel.label.comment == "killed right after"
    # The change is on screen: tell the parent, which kills us with SIGKILL (no cleanup runs).
    print(f"SHOWN {window.current_case_rowid} {rc}", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
