"""Privacy in the window: the case's audit trail, redaction counts after an import, the redaction
rules and retention/purge dialogs (applied through the services, logged in the audit log)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from reviewdesk.services import audit, purge, redaction
from reviewdesk.ui.actions import ActionId
from reviewdesk.ui.views import privacy_dialogs
from tests.gui.conftest import wait_idle
from tests.otlp_builder import span, write_json

OLD_TRACE = "1234567890abcdef1234567890abcdef"  # otlp_builder dates its spans in November 2023


def _personal_trace(tmp_path: Path) -> Path:
    attributes = {
        "openinference.span.kind": "LLM",
        "input.value": "Please write to ana@shop.example or call +44 20 7946 0958 about my order",
        "output.value": "I will write to ana@shop.example today.",
    }
    return write_json(tmp_path / "personal.json", [span("llm", trace_id=OLD_TRACE, span_id="00000000000000a1",
                                                        attributes=attributes)])  # fmt: skip


def _import(qtbot, window, files: list[Path]) -> None:
    window.import_paths(files)
    wait_idle(qtbot, window)


def test_history_tab_is_the_cases_audit_trail(qtbot, make_main_window, demo_workspace):
    window = make_main_window(demo_workspace, reviewer="dana")
    table = window.queue_view.table
    qtbot.keyClick(table, Qt.Key.Key_F)
    qtbot.keyClick(table, Qt.Key.Key_1)
    case_id = window.case_view.detail.case.case_id
    trail = audit.entries(window.workspace, case_ref=case_id)
    tree = window.label_panel.history_tree
    assert tree.topLevelItemCount() == len(trail) == 2
    newest = tree.topLevelItem(0)
    assert newest.text(1) == "dana"
    assert "root causes" in newest.text(2)
    assert trail[-1].entry in newest.toolTip(0)  # the audit entry it comes from (label_event:N)
    assert "verdict fail" in tree.topLevelItem(1).text(2)


def test_import_result_names_redactions_by_kind(qtbot, make_main_window, demo_workspace, tmp_path):
    window = make_main_window(demo_workspace)
    _import(qtbot, window, [_personal_trace(tmp_path)])
    summary = window.last_import_summary
    assert "EMAIL 2" in summary and "PHONE 1" in summary, summary
    assert "value(s) redacted" in summary
    assert "Redacted 3 value(s)" in window.statusBar().currentMessage()


def test_redaction_rules_dialog_changes_the_workspace_settings(
    qtbot, make_main_window, demo_workspace, messages, monkeypatch: pytest.MonkeyPatch
):
    window = make_main_window(demo_workspace)
    shown: list[privacy_dialogs.RedactionDialog] = []

    def fill(dialog: privacy_dialogs.RedactionDialog) -> int:
        shown.append(dialog)
        assert dialog.enabled.isChecked()
        dialog.rules.setPlainText("CUSTOMER_ID CUST-\\d{6}")
        dialog.disabled_kinds.setText("ip_address")
        dialog.allow.setPlainText("support@northwind.example")
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(privacy_dialogs.RedactionDialog, "exec", fill)
    window.action_map[ActionId.REDACTION].trigger()
    settings = redaction.get_settings(window.workspace)
    assert [(r.kind, r.pattern) for r in settings.rules] == [("CUSTOMER_ID", "CUST-\\d{6}")]
    assert settings.disabled_kinds == ["IP_ADDRESS"]
    assert settings.allow == ["support@northwind.example"]
    assert any(e.action == "settings" and e.subject == "redaction" for e in audit.entries(window.workspace))

    def broken(dialog: privacy_dialogs.RedactionDialog) -> int:
        dialog.rules.setPlainText("BAD (unclosed")
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(privacy_dialogs.RedactionDialog, "exec", broken)
    window.action_map[ActionId.REDACTION].trigger()
    assert "not a valid regular expression" in messages[-1]["text"]
    assert redaction.get_settings(window.workspace) == settings  # nothing written


def test_retention_dialog_purges_after_a_confirmation_naming_what_goes(
    qtbot, make_main_window, demo_workspace, messages, monkeypatch: pytest.MonkeyPatch, tmp_path
):
    window = make_main_window(demo_workspace)
    _import(qtbot, window, [_personal_trace(tmp_path)])
    window.queue_view.select_queue("all")
    cases_before = window.model.rowCount()

    def choose(dialog: privacy_dialogs.RetentionDialog) -> int:
        dialog.days.setValue(365)
        dialog.keep_labeled.setChecked(True)
        dialog.purge_now.setChecked(True)
        return int(QDialog.DialogCode.Accepted.value)

    monkeypatch.setattr(privacy_dialogs.RetentionDialog, "exec", choose)
    window.action_map[ActionId.RETENTION].trigger()
    confirm = messages[-1]
    assert confirm["title"] == "Purge cases for good?"
    assert "deletes 1 case(s)" in confirm["text"] and "1 span(s)" in confirm["text"], confirm["text"]
    assert "cannot be undone" in confirm["text"]
    wait_idle(qtbot, window)
    assert window.model.rowCount() == cases_before - 1
    assert OLD_TRACE not in {window.model.summary(r).trace_id for r in range(window.model.rowCount())}
    settings = purge.get_retention(window.workspace)
    assert settings.older_than_days == 365 and settings.keep_labeled
    assert any(e.action == "purge" for e in audit.entries(window.workspace))
    assert "Purged 1 case(s)" in window.statusBar().currentMessage()
