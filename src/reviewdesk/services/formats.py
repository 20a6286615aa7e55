"""The import and export format lists, as the GUI's file dialogs need them."""

from __future__ import annotations

from reviewdesk.exporters import registry as export_registry
from reviewdesk.importers import registry as import_registry


def import_file_filter() -> str:
    """Name filter for the import file dialog, from every importer's file endings."""
    return import_registry.file_dialog_filter()


def export_formats() -> list[tuple[str, str]]:
    """``(name, title)`` of every export format, in registry order."""
    return [(exporter.name, exporter.title) for exporter in export_registry.EXPORTERS]
