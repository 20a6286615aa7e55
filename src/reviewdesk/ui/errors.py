"""Showing errors: a plain message for expected ones, a traceback dialog for bugs.

``ReviewdeskError`` messages are written for users (which file, which line, what to do) and are
shown as they are. Anything else is a bug: the user gets a short apology with the traceback under
"Show Details…", and it is logged. Messages may quote trace content, so they are plain text.
"""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from reviewdesk.domain.errors import ReviewdeskError

log = logging.getLogger(__name__)


def message_box(
    parent: QWidget | None,
    title: str,
    text: str,
    *,
    details: str = "",
    icon: QMessageBox.Icon = QMessageBox.Icon.Warning,
) -> QMessageBox:
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    if details:
        box.setDetailedText(details)
    return box


def show_error(parent: QWidget | None, exc: BaseException, details: str = "", *, title: str = "reviewdesk") -> None:
    """Tell the user what went wrong; ``details`` (a traceback or a list of skipped records) is expandable."""
    if isinstance(exc, ReviewdeskError):
        box = message_box(parent, title, str(exc), details=details if details and "Traceback" not in details else "")
    else:
        details = details or "".join(traceback.format_exception(exc))
        log.error("unexpected error: %s\n%s", exc, details)
        box = message_box(
            parent,
            title,
            f"Something went wrong that reviewdesk did not expect:\n{type(exc).__name__}: {exc}\n\n"
            "Labels the window showed as saved are in the workspace; what was being done when this"
            " happened may not have been saved.",
            details=details,
            icon=QMessageBox.Icon.Critical,
        )
    box.exec()
