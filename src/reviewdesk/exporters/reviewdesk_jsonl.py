"""reviewdesk JSONL: one normalized case per line, labels included — lossless and deterministic.

Each line is the public case JSON (``reviewdesk show --json``, ``reviewdesk schema case``) with its
current label under ``labels`` and, filled by the export service for this format only, its whole
label log under ``label_history`` (``[]`` for a case never labeled). ``reviewdesk import`` restores
cases, labels and label events from it into another workspace (see ``services/restore.py``).
Every line says the current ``format_version``, whatever version the stored case was built with:
the line is written in this version's format, and an older reviewdesk must refuse it as newer
rather than trip over ``label_history``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import orjson

from reviewdesk.domain.case import CASE_FORMAT_VERSION
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
            data["format_version"] = CASE_FORMAT_VERSION
            out.write(orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
            count += 1
            progress.advance(1)
        return count
