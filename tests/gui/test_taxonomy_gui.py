"""Guidelines beside the form (G) and Edit → Taxonomy… (issue 15 item 6): each change in the dialog is
a new label-schema version made by ``services.taxonomy`` (audited), and the label form, its keys and
the guidelines follow at once. Keys and clicks go to the real widgets, offscreen."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import audit, review
from reviewdesk.services import taxonomy as taxonomy_service
from reviewdesk.services.labels import record_label
from reviewdesk.services.workspace import open_workspace
from reviewdesk.ui.actions import ActionId
from reviewdesk.ui.views.taxonomy_dialog import TaxonomyDialog

RUBRIC = "Fail when the answer states a policy the documents do not support.\nEscalate refunds over $500."


def _key(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)


def _click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _type(qtbot, edit, text):
    edit.clear()
    qtbot.keyClicks(edit, text)


def test_g_shows_the_rubric_and_every_definition_beside_the_form(qtbot, make_main_window, demo_workspace):
    ws = open_workspace(demo_workspace)
    try:
        taxonomy_service.set_rubric(ws, RUBRIC, actor="lead")
    finally:
        ws.close()
    window = make_main_window(demo_workspace)
    guide = window.guide
    assert not guide.isVisible()
    case_width = window.case_view.width()
    label_before = window.label_panel.label

    _key(qtbot, Qt.Key.Key_G)
    assert guide.isVisible()
    text = guide.toPlainText()
    assert "Escalate refunds over $500." in text
    for rc in window.schema.root_causes:
        assert rc.title in text and rc.description in text, rc.id
    assert "0 3  Tool error" in text  # the key that toggles it, beside its definition
    assert window.case_view.width() < case_width  # the case area gave up the room, the form did not
    assert window.label_panel.width() >= window.label_panel.minimumSizeHint().width()
    assert window.queue_view.table.hasFocus()
    assert window.label_panel.label == label_before  # reading the guide labels nothing
    assert window.action_map[ActionId.GUIDELINES].isChecked()

    _key(qtbot, Qt.Key.Key_G)
    assert not guide.isVisible()
    assert not window.action_map[ActionId.GUIDELINES].isChecked()


def test_the_guide_shows_workspace_text_as_text(qtbot, make_main_window, demo_workspace):
    ws = open_workspace(demo_workspace)
    try:
        taxonomy_service.set_rubric(ws, "<b>bold</b> <a href='http://x'>link</a>", actor="lead")
    finally:
        ws.close()
    window = make_main_window(demo_workspace)
    _key(qtbot, Qt.Key.Key_G)
    assert "<b>bold</b> <a href='http://x'>link</a>" in window.guide.toPlainText()
    assert "<a href" not in window.guide.toHtml()  # escaped: no link, no bold, the characters as written


def _dialog(qtbot, window) -> TaxonomyDialog:
    dialog = window.taxonomy_dialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_adding_a_root_cause_is_a_new_version_the_form_offers_at_once(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    dialog = _dialog(qtbot, window)
    assert dialog.version_label.text().startswith("Label schema v1:")
    _type(qtbot, dialog.id_edit, "refund_policy")
    _type(qtbot, dialog.title_edit, "Refund policy misread")
    dialog.layer_edit.setCurrentText("Generation")
    _type(qtbot, dialog.description_edit, "The answer misstates the refund policy it cites.")
    _click(qtbot, dialog.add_button)

    assert dialog.message.text().startswith("Saved as label schema v2: added root cause refund_policy")
    assert dialog.version_label.text().startswith("Label schema v2:")
    assert window.schema.version == 2
    check = window.label_panel.root_cause_checks["refund_policy"]
    assert "Refund policy misread" in check.text()
    ws = open_workspace(demo_workspace)
    try:
        assert [v.taxonomy.version for v in taxonomy_service.versions(ws)] == [1, 2]
        logged = [e for e in audit.entries(ws, labels=False) if e.action == "taxonomy"]
        assert logged[-1].subject == "label schema v2" and logged[-1].actor == "tester"
    finally:
        ws.close()

    # Refused: the id is taken. Nothing changes, the dialog says why.
    _click(qtbot, dialog.add_button)
    assert "already" in dialog.message.text()
    assert window.schema.version == 2


def test_rename_retire_and_restore_in_the_dialog(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    rowid, case_id = window.current_case_rowid, window.case_view.detail.case.case_id
    ws = open_workspace(demo_workspace)
    try:
        record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["tool_error"]), reviewer="tester")
    finally:
        ws.close()
    dialog = _dialog(qtbot, window)

    dialog.select("tool_error")
    _type(qtbot, dialog.id_edit, "tool_failure")
    _type(qtbot, dialog.title_edit, "Tool failure")
    _click(qtbot, dialog.save_button)
    assert "renamed root cause tool_error" in dialog.message.text()
    assert "tool_failure" in window.label_panel.root_cause_checks
    assert "tool_error" not in window.label_panel.root_cause_checks
    # The stored label reads under the new name, in the panel of the shown case as in the workspace.
    assert window.label_panel.label.root_causes == ["tool_failure"]
    assert window.label_panel.root_cause_checks["tool_failure"].isChecked()
    ws = open_workspace(demo_workspace)
    try:
        assert review.load_detail(ws, rowid).case.labels.root_causes == ["tool_failure"]
    finally:
        ws.close()

    first = window.schema.root_causes[0].id
    dialog.select(first)
    _click(qtbot, dialog.retire_button)
    assert first not in window.label_panel.root_cause_checks
    assert window.label_panel.root_cause_at(1) != first  # key 1 now toggles the next cause
    assert "retired" in dialog.causes.currentItem().text(3)
    _click(qtbot, dialog.restore_button)
    assert window.label_panel.root_cause_at(1) == first
    assert window.schema.version == 4


def test_import_a_taxonomy_file_and_save_the_rubric(qtbot, make_main_window, demo_workspace, tmp_path, monkeypatch):
    window = make_main_window(demo_workspace)
    _key(qtbot, Qt.Key.Key_G)
    dialog = _dialog(qtbot, window)
    data = dialog.taxonomy.to_json()
    dropped = data["root_causes"].pop()["id"]  # a file that leaves a cause out retires it
    path = tmp_path / "taxonomy.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(
        "reviewdesk.ui.views.taxonomy_dialog.QFileDialog.getOpenFileName", lambda *a, **k: (str(path), "")
    )
    _click(qtbot, dialog.import_button)
    assert "imported taxonomy from taxonomy.json" in dialog.message.text()
    assert dropped not in window.label_panel.root_cause_checks
    assert dropped in [rc.id for rc in window.schema.retired]

    _type(qtbot, dialog.rubric_edit, "Pass only what a customer could act on.")
    _click(qtbot, dialog.findChild(type(dialog.add_button), "taxonomy_save_rubric"))
    assert dialog.message.text() == "Rubric saved."
    assert "Pass only what a customer could act on." in window.guide.toPlainText()


def test_broken_taxonomy_file_is_refused_by_name(qtbot, make_main_window, demo_workspace, tmp_path):
    window = make_main_window(demo_workspace)
    dialog = _dialog(qtbot, window)
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    assert not dialog.import_file(path)
    assert str(path) in dialog.message.text()
    assert window.schema.version == 1


def test_edit_menu_opens_the_dialog_and_gives_the_keyboard_back(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace)
    seen: list[str] = []

    def drive() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, TaxonomyDialog)
        seen.append(dialog.version_label.text())
        dialog.reject()

    QTimer.singleShot(200, drive)
    window.action_map[ActionId.TAXONOMY].trigger()
    assert seen and seen[0].startswith("Label schema v1")
    qtbot.waitUntil(window.queue_view.table.hasFocus)
    _key(qtbot, Qt.Key.Key_P)
    assert window.label_panel.label.verdict == "pass"
