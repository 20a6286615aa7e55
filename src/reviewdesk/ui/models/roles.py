"""Custom item data roles shared by models, views and delegates."""

from __future__ import annotations

from PySide6.QtCore import Qt

CASE_ROWID_ROLE = Qt.ItemDataRole.UserRole + 1
"""``int``: the case's row id."""
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 2
"""``CaseSummary``: the whole row object."""
