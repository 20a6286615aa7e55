"""Edit → Redaction rules… and Retention / purge…: the workspace's data-protection settings.

Both dialogs only collect values; the main window applies them through
``services.redaction.update_settings`` and ``services.purge`` (which validate and log every
change in the audit log), so the rules a GUI user sets are the rules ``reviewdesk redaction``
shows. A purge is confirmed with a message that says what will be deleted, counted first by a
dry run (see ``MainWindow.edit_retention``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from reviewdesk.privacy import RedactionSettings, RetentionSettings


def _lines(editor: QPlainTextEdit) -> list[str]:
    return [line.strip() for line in editor.toPlainText().splitlines() if line.strip()]


def _words(edit: QLineEdit) -> list[str]:
    return [word.strip() for word in edit.text().replace(";", ",").split(",") if word.strip()]


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class RedactionDialog(QDialog):
    """The redaction settings as plain fields; ``changes()`` is what ``update_settings`` applies."""

    def __init__(self, settings: RedactionSettings, totals: dict[str, int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("redaction_dialog")
        self.setWindowTitle("Redaction rules")
        self.resize(560, 480)
        form = QFormLayout(self)
        form.addRow(
            _note(
                "Imports into this workspace replace secrets and personal data by placeholders such as "
                "[EMAIL_1] before anything is written. Changes apply to later imports; what is stored stays "
                "as it is. Every change is recorded in the audit log."
            )
        )
        self.enabled = QCheckBox("Redact on import")
        self.enabled.setObjectName("redaction_enabled")
        self.enabled.setChecked(settings.enabled)
        form.addRow("", self.enabled)
        self.disabled_kinds = QLineEdit(", ".join(settings.disabled_kinds))
        self.disabled_kinds.setObjectName("disabled_kinds")
        self.disabled_kinds.setPlaceholderText("e.g. IP_ADDRESS, PHONE")
        form.addRow("Kinds not redacted", self.disabled_kinds)
        self.rules = QPlainTextEdit("\n".join(f"{rule.kind} {rule.pattern}" for rule in settings.rules))
        self.rules.setObjectName("custom_rules")
        self.rules.setPlaceholderText("One per line: KIND pattern, e.g.  CUSTOMER_ID CUST-\\d{6}")
        self.rules.setTabChangesFocus(True)
        form.addRow("Your own rules", self.rules)
        self.allow = QPlainTextEdit("\n".join(settings.allow))
        self.allow.setObjectName("allow_values")
        self.allow.setPlaceholderText("One value per line, never redacted, e.g. support@northwind.example")
        self.allow.setTabChangesFocus(True)
        form.addRow("Values kept", self.allow)
        self.allow_patterns = QPlainTextEdit("\n".join(settings.allow_patterns))
        self.allow_patterns.setObjectName("allow_patterns")
        self.allow_patterns.setPlaceholderText("One regular expression per line, e.g. .*@northwind\\.example")
        self.allow_patterns.setTabChangesFocus(True)
        form.addRow("Patterns kept", self.allow_patterns)
        self.phone_regions = QLineEdit(", ".join(settings.phone_regions))
        self.phone_regions.setObjectName("phone_regions")
        self.phone_regions.setToolTip("Where numbers written without +country code are read from (ISO 3166)")
        form.addRow("Phone regions", self.phone_regions)
        redacted = ", ".join(
            f"{kind} {count}" for kind, count in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        form.addRow("Redacted so far", _note(redacted or "nothing"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def changes(self) -> dict[str, Any]:
        """The fields to set (validated by the service, which names what is wrong)."""
        rules = []
        for line in _lines(self.rules):
            kind, _, pattern = line.partition(" ")
            rules.append({"kind": kind, "pattern": pattern.strip()})
        return {
            "enabled": self.enabled.isChecked(),
            "disabled_kinds": _words(self.disabled_kinds),
            "rules": rules,
            "allow": _lines(self.allow),
            "allow_patterns": _lines(self.allow_patterns),
            "phone_regions": [region.upper() for region in _words(self.phone_regions)],
        }


class RetentionDialog(QDialog):
    """The retention period, whether labeled cases are kept, and "purge now"."""

    def __init__(self, settings: RetentionSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retention_dialog")
        self.setWindowTitle("Retention and purge")
        form = QFormLayout(self)
        form.addRow(
            _note(
                "Cases whose trace started longer ago than the retention period can be purged: deleted with "
                "their spans, labels, label history and search entries, and the file rewritten so the text is "
                "gone from disk. `reviewdesk purge` applies the same period (e.g. from cron)."
            )
        )
        self.days = QSpinBox()
        self.days.setObjectName("retention_days")
        self.days.setRange(0, 36500)
        self.days.setSuffix(" days")
        self.days.setSpecialValueText("forever (no retention period)")
        self.days.setValue(settings.older_than_days or 0)
        form.addRow("Keep cases for", self.days)
        self.keep_labeled = QCheckBox("Keep cases a reviewer has labeled, however old")
        self.keep_labeled.setObjectName("keep_labeled")
        self.keep_labeled.setChecked(settings.keep_labeled)
        form.addRow("", self.keep_labeled)
        self.purge_now = QCheckBox("Purge now: delete the cases older than this (you confirm what is deleted)")
        self.purge_now.setObjectName("purge_now")
        self.days.valueChanged.connect(lambda value: self.purge_now.setEnabled(value > 0))
        self.purge_now.setEnabled(self.days.value() > 0)
        form.addRow("", self.purge_now)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def older_than_days(self) -> int | None:
        return self.days.value() or None
