"""The shape most eval formats share: one JSON object per case, one case per line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

from reviewdesk.exporters import mapping
from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.progress import Progress


class JsonLinesExporter:
    """Base of the JSON-lines exporters: a subclass says how one case becomes one record."""

    name: str
    title: str
    file_ending = ".jsonl"

    def skip_reason(self, item: ExportItem) -> str | None:
        return mapping.eval_skip_reason(item)

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        """The line for ``item``; ``None`` leaves the case out."""
        raise NotImplementedError

    def write(self, items: Iterable[ExportItem], out: BinaryIO, options: ExportOptions, progress: Progress) -> int:
        count = 0
        for item in items:
            line = self.record(item, options)
            if line is None:
                continue
            out.write(mapping.dumps_line(line))
            count += 1
            progress.advance(1)
        return count
