"""Import through the file dialog and by drag and drop; bad files give a readable error."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from reviewdesk.cli.main import main
from reviewdesk.services import cases, labels
from tests.conftest import DATA
from tests.gui.conftest import demo_files, wait_idle

EXPORT_V1 = DATA / "exports" / "reviewdesk_v1.jsonl"


def test_import_through_the_dialog(qtbot, make_main_window, tmp_path, monkeypatch, messages):
    window = make_main_window(tmp_path / "empty.reviewdesk")
    assert window.model.rowCount() == 0
    assert "no cases yet" in window.case_view.header.text() and "Ctrl+O" in window.case_view.header.text()
    asked = {}

    def fake_dialog(parent, caption, directory, name_filter):
        asked["filter"] = name_filter
        return [str(p) for p in demo_files()], name_filter

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", fake_dialog)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, window)
    assert ".jsonl" in asked["filter"]
    assert window.model.rowCount() > 0
    assert window.case_view.detail is not None
    assert "new case" in window.statusBar().currentMessage()
    assert messages == []
    assert window.queue_view.workflow_combo.count() > 1  # facets reloaded after the import


def test_drop_files_on_the_window(qtbot, make_main_window, tmp_path):
    window = make_main_window(tmp_path / "empty.reviewdesk")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in demo_files()])
    event = QDropEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(event)
    wait_idle(qtbot, window)
    assert window.model.rowCount() > 0


def test_bad_file_gives_a_readable_error(qtbot, make_main_window, tmp_path, monkeypatch, messages):
    window = make_main_window(tmp_path / "empty.reviewdesk")
    bad = tmp_path / "notes.json"
    bad.write_text("this is not a trace export\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a: ([str(bad)], ""))
    window.choose_import()
    wait_idle(qtbot, window)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert "notes.json" in text
    assert "Traceback" not in text and "Traceback" not in messages[0]["details"]
    assert window.model.rowCount() == 0


def test_bad_record_names_the_line(qtbot, make_main_window, tmp_path, monkeypatch, messages):
    window = make_main_window(tmp_path / "empty.reviewdesk")
    good = demo_files()[0]
    lines = Path(good).read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([lines[0], '{"resourceSpans": [ {"broken', *lines[1:]]) + "\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a: ([str(broken)], ""))
    window.choose_import()
    wait_idle(qtbot, window)
    assert len(messages) == 1
    box = messages[0]
    assert "broken.jsonl" in box["text"]
    assert "line 2" in box["text"]
    assert box["details"].startswith("broken.jsonl: line 2")
    assert window.model.rowCount() > 0  # the good records were imported


def _drop(window, files: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in files])
    event = QDropEvent(
        QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(event)


def test_dropping_a_reviewdesk_export_restores_cases_and_labels(qtbot, make_main_window, tmp_path, messages):
    """The window takes the same path as ``reviewdesk import``: an export is restored, not refused."""
    window = make_main_window(tmp_path / "empty.reviewdesk")
    _drop(window, [EXPORT_V1])
    wait_idle(qtbot, window)
    assert messages == []
    assert window.model.rowCount() == 3
    assert "Restored 2 label(s)" in window.statusBar().currentMessage()
    assert "reviewdesk_v1.jsonl (reviewdesk-jsonl): 3 new case(s)" in window.last_import_summary
    assert "labels: 2 restored" in window.last_import_summary
    assert sorted(bool(case.verdict) for case in cases.list_cases(window.workspace)) == [False, True, True]
    assert all(
        labels.label_history(window.workspace, c.case_id) for c in cases.list_cases(window.workspace) if c.verdict
    )


def test_import_summary_text_is_the_cli_text(qtbot, make_main_window, tmp_path, capsys):
    """One text for both: the window's lines are what ``reviewdesk import`` prints for the same file."""
    window = make_main_window(tmp_path / "gui.reviewdesk")
    _drop(window, [EXPORT_V1])
    wait_idle(qtbot, window)
    assert main(["--workspace", str(tmp_path / "cli.reviewdesk"), "import", str(EXPORT_V1)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed == window.last_import_summary.splitlines()[1:]


def test_dropping_a_folder_and_a_zip_imports_their_trace_files(qtbot, make_main_window, tmp_path, messages):
    import shutil
    import zipfile

    folder = tmp_path / "runs"
    (folder / "day1").mkdir(parents=True)
    shutil.copy(DATA / "instrumented" / "openinference_openai.json", folder / "day1" / "oi.json")
    (folder / "README.md").write_text("# not a trace\n")
    bundle = tmp_path / "more.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(DATA / "formats" / "otel_console_agent.txt", "console.txt")
    window = make_main_window(tmp_path / "empty.reviewdesk")
    _drop(window, [folder, bundle])
    wait_idle(qtbot, window)
    assert messages == []  # not an error: no dialog interrupts the reviewer
    assert window.model.rowCount() == 3
    assert window.statusBar().currentMessage() == (
        "Imported 3 new case(s), 0 updated. Left out 1 file(s) of the folders and archives given."
        " File ▸ Import report names them."
    )
    # The report, from the File menu, says which file was left out and why.
    from reviewdesk.ui.actions import ActionId

    report = window.action_map[ActionId.IMPORT_REPORT]
    assert report in window.menuBar().actions()[0].menu().actions()
    report.trigger()
    assert [m["title"] for m in messages] == ["Import report"]
    assert messages[0]["text"].splitlines()[:2] == [window.last_import_summary.splitlines()[0], ""]
    assert messages[0]["text"].splitlines()[2:] == [
        "runs/day1/oi.json (otlp-json): 2 new case(s), 9 span(s) added",
        "more.zip/console.txt (otel-console): 1 new case(s), 3 span(s) added",
        "left out 1 file(s) of the folders and archives given: runs/README.md"
        " (not a trace file: it looks like text that is not JSON (it starts with '# not a trace'))",
    ]


def test_import_report_before_any_import_says_so(qtbot, make_main_window, tmp_path, messages):
    from reviewdesk.ui.actions import ActionId

    window = make_main_window(tmp_path / "empty.reviewdesk")
    window.action_map[ActionId.IMPORT_REPORT].trigger()
    assert messages == [{"title": "Import report", "text": "No import yet in this window.", "details": ""}]


def test_import_folder_action_and_a_gz_through_the_dialog(qtbot, make_main_window, tmp_path, monkeypatch, messages):
    import gzip

    from reviewdesk.ui.actions import ActionId

    folder = tmp_path / "phoenix"
    folder.mkdir()
    (folder / "spans.json").write_bytes((DATA / "formats" / "phoenix_rest_spans.json").read_bytes())
    packed = tmp_path / "jaeger.json.gz"
    packed.write_bytes(gzip.compress((DATA / "formats" / "jaeger_ui_agent.json").read_bytes()))
    window = make_main_window(tmp_path / "empty.reviewdesk")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a: str(folder))
    window.action_map[ActionId.IMPORT_FOLDER].trigger()
    wait_idle(qtbot, window)
    assert window.model.rowCount() == 2
    asked = {}

    def fake_dialog(parent, caption, directory, name_filter):
        asked["filter"] = name_filter
        return [str(packed)], name_filter

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", fake_dialog)
    window.choose_import()
    wait_idle(qtbot, window)
    assert "*.gz" in asked["filter"] and "*.zip" in asked["filter"]
    assert window.model.rowCount() == 3
    assert "jaeger.json.gz (jaeger-ui): 1 new case(s)" in window.last_import_summary
    assert messages == []
