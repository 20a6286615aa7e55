"""The one list of input formats, shared by ``reviewdesk import``, the import dialog, drag-and-drop and ``demo``.

Detection is by content, never by file name: the first ``SNIFF_BYTES`` of the file are offered
to each importer in order, and the first that recognises them reads the file. Every entry but
one reads spans (an ``Importer``); reviewdesk's own JSONL export reads cases
(``CaseExportImporter``), and ``services.imports`` routes on which of the two it got.
"""

from __future__ import annotations

from pathlib import Path

from reviewdesk.domain.errors import FormatError, UsageError
from reviewdesk.importers.base import SNIFF_BYTES, Importer
from reviewdesk.importers.langfuse import LangfuseImporter
from reviewdesk.importers.langsmith import LangSmithImporter
from reviewdesk.importers.otlp import OtlpJsonImporter, OtlpJsonLinesImporter
from reviewdesk.importers.reviewdesk_jsonl import CaseExportImporter

MAX_FIRST_LINE = 512 * 1024 * 1024

Format = Importer | CaseExportImporter
"""An entry of the registry: a trace format, or reviewdesk's own export."""

# reviewdesk's export first (its sniffer wants case keys no trace has), then OTLP; the vendor
# sniffers look for their own record keys and never claim an OTLP file.
IMPORTERS: list[Format] = [
    CaseExportImporter(),
    OtlpJsonLinesImporter(),
    OtlpJsonImporter(),
    LangfuseImporter(),
    LangSmithImporter(),
]


def importer_names() -> list[str]:
    return [importer.name for importer in IMPORTERS]


def get_importer(name: str) -> Format:
    for importer in IMPORTERS:
        if importer.name == name:
            return importer
    raise UsageError(f"unknown import format {name!r}; supported: {', '.join(importer_names())}")


def detect(path: Path) -> Format:
    """The importer for ``path``, judged from its content."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            if len(head) == SNIFF_BYTES and b"\n" not in head:
                # One very long first line (a big JSON-lines record): read it whole, so the
                # sniffers can tell a JSON-lines file from one long document.
                head += handle.readline(MAX_FIRST_LINE)
    except OSError as exc:
        raise FormatError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not head.strip():
        raise FormatError(f"{path.name}: the file is empty")
    for importer in IMPORTERS:
        if importer.sniff(head):
            return importer
    supported = "; ".join(f"{i.name} ({i.title})" for i in IMPORTERS)
    raise FormatError(f"{path.name}: not a trace file reviewdesk can read. Supported formats: {supported}")


def file_dialog_filter() -> str:
    """Name filter for a file dialog, built from every importer's endings."""
    endings = sorted({e for i in IMPORTERS for e in i.file_endings})
    return f"Trace files ({' '.join('*' + e for e in endings)});;All files (*)"
