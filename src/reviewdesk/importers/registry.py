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
from reviewdesk.importers.jaeger import JaegerUiImporter
from reviewdesk.importers.langfuse import LangfuseImporter
from reviewdesk.importers.langsmith import LangSmithImporter
from reviewdesk.importers.looks_like import looks_like
from reviewdesk.importers.otel_console import OtelConsoleImporter
from reviewdesk.importers.otlp import OtlpJsonImporter, OtlpJsonLinesImporter
from reviewdesk.importers.otlp_variants import JaegerApiV3Importer, OtlpSpansImporter, TempoImporter
from reviewdesk.importers.phoenix import PhoenixImporter
from reviewdesk.importers.reviewdesk_jsonl import CaseExportImporter

MAX_FIRST_LINE = 512 * 1024 * 1024

Format = Importer | CaseExportImporter
"""An entry of the registry: a trace format, or reviewdesk's own export."""

# reviewdesk's export first (its sniffer wants case keys no trace has), then OTLP — Jaeger's
# API v3 wraps OTLP in "result", which the OTLP document sniffer would take for its own — then
# the formats whose records have keys no other has (Phoenix's span_kind next to context,
# the console exporter's SpanKind.*, Jaeger's traceID with processes); the vendor sniffers
# look for their own record keys and never claim any of those; bare OTLP spans last.
IMPORTERS: list[Format] = [
    CaseExportImporter(),
    OtlpJsonLinesImporter(),
    JaegerApiV3Importer(),
    TempoImporter(),
    OtlpJsonImporter(),
    PhoenixImporter(),
    OtelConsoleImporter(),
    JaegerUiImporter(),
    LangfuseImporter(),
    LangSmithImporter(),
    OtlpSpansImporter(),
]


def importer_names() -> list[str]:
    return [importer.name for importer in IMPORTERS]


def get_importer(name: str) -> Format:
    for importer in IMPORTERS:
        if importer.name == name:
            return importer
    raise UsageError(f"unknown import format {name!r}; supported: {', '.join(importer_names())}")


def _head(path: Path) -> bytes:
    """What the sniffers judge a file by (``OSError`` when it cannot be read)."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
        if len(head) == SNIFF_BYTES and b"\n" not in head:
            # One very long first line (a big JSON-lines record): read it whole, so the
            # sniffers can tell a JSON-lines file from one long document.
            head += handle.readline(MAX_FIRST_LINE)
    return head


def detect(path: Path, name: str | None = None) -> Format:
    """The importer for ``path``, judged from its content; ``name`` is how messages call the file."""
    try:
        head = _head(path)
    except OSError as exc:
        raise FormatError(f"{name or path}: cannot read: {exc.strerror or exc}") from None
    if not head.strip():
        raise FormatError(f"{name or path.name}: the file is empty")
    for importer in IMPORTERS:
        if importer.sniff(head):
            return importer
    raise FormatError(not_a_trace_file(name or path.name, head))


def not_a_trace_file(name: str, head: bytes) -> str:
    """The refusal: what the file looks like, and every format that is read."""
    supported = "; ".join(f"{i.name} ({i.title})" for i in IMPORTERS)
    return (
        f"{name}: not a trace file reviewdesk can read: it looks like {looks_like(head)}. "
        f"Supported formats: {supported}; and .gz, .zip or a directory of these"
    )


def refusal(path: Path) -> str | None:
    """``None`` when some importer recognises ``path`` (a directory's or an archive's member is
    imported then), else why not, in a few words: ``empty``, ``not a trace file: it looks like …``."""
    try:
        head = _head(path)
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if not head.strip():
        return "empty"
    if any(importer.sniff(head) for importer in IMPORTERS):
        return None
    return f"not a trace file: it looks like {looks_like(head)}"


def file_dialog_filter() -> str:
    """Name filter for a file dialog, built from every importer's endings (and the bundles')."""
    endings = sorted({e for i in IMPORTERS for e in i.file_endings} | {".gz", ".zip"})
    return f"Trace files ({' '.join('*' + e for e in endings)});;All files (*)"
