"""reviewdesk JSONL: one normalized case per line, labels included — lossless and deterministic.

Each line is exactly the public case JSON (``reviewdesk show --json``, ``reviewdesk schema case``)
with its current label, so ``reviewdesk import`` can restore cases and labels from it into another
workspace (see ``services/restore.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import orjson

from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.progress import Progress


class ReviewdeskJsonlExporter:
    name = "reviewdesk-jsonl"
    title = "reviewdesk JSONL (one case per line, lossless)"
    file_ending = ".jsonl"

    def skip_reason(self, item: ExportItem) -> str | None:
        return None  # every case, labeled or not: this is the lossless format

    def write(self, items: Iterable[ExportItem], out: BinaryIO, options: ExportOptions, progress: Progress) -> int:
        count = 0
        for item in items:
            # Sorted keys at every level (free-form attributes included): the same workspace
            # always gives the same bytes, and diffs between two exports stay readable.
            data = item.case.model_dump(mode="json")
            out.write(orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
            count += 1
            progress.advance(1)
        return count
