"""Small helpers shared by the exporter tests."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from reviewdesk.exporters import registry
from reviewdesk.services import exports
from reviewdesk.services.exports import ExportResult, ExportSelection
from tests.consumers.labeled import LabeledWorkspace


def export(
    labeled: LabeledWorkspace, fmt: str, out_dir: Path, selection: ExportSelection | None = None, name: str = "set"
) -> ExportResult:
    ws = labeled.open()
    try:
        ending = registry.get_exporter(fmt).file_ending
        return exports.export_cases(ws, fmt, out_dir / f"{name}{ending}", selection=selection)
    finally:
        ws.close()


def records(path: Path) -> list[Any]:
    """The records of an export file, whatever its format (Parquet excepted)."""
    # Bytes, decoded: read_text would turn a CRLF inside a CSV cell into LF, and str.splitlines
    # would split JSON lines at a U+2028 inside a string.
    text = path.read_bytes().decode("utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.split("\n") if line.strip()]
    if path.suffix == ".json":
        return list(json.loads(text))
    if path.suffix == ".csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    if path.suffix == ".yaml":
        import yaml

        return list(yaml.safe_load(text))
    raise AssertionError(f"no reader for {path}")
