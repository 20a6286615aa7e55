"""The one list of export formats, shared by ``reviewdesk export`` and the export dialog."""

from __future__ import annotations

from reviewdesk.domain.errors import UsageError
from reviewdesk.exporters.base import Exporter
from reviewdesk.exporters.reviewdesk_jsonl import ReviewdeskJsonlExporter

EXPORTERS: list[Exporter] = [ReviewdeskJsonlExporter()]


def exporter_names() -> list[str]:
    return [exporter.name for exporter in EXPORTERS]


def get_exporter(name: str) -> Exporter:
    for exporter in EXPORTERS:
        if exporter.name == name:
            return exporter
    raise UsageError(f"unknown export format {name!r}; supported: {', '.join(exporter_names())}")
