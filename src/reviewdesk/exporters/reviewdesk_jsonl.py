"""reviewdesk JSONL: one normalized case per line, labels included — lossless and deterministic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import orjson

from reviewdesk.domain.case import Case
from reviewdesk.progress import Progress


class ReviewdeskJsonlExporter:
    name = "reviewdesk-jsonl"
    title = "reviewdesk JSONL (one case per line, lossless)"
    file_ending = ".jsonl"

    def write(self, cases: Iterable[Case], out: BinaryIO, progress: Progress) -> int:
        count = 0
        for case in cases:
            # Sorted keys at every level (free-form attributes included): the same workspace
            # always gives the same bytes, and diffs between two exports stay readable.
            data = case.model_dump(mode="json")
            out.write(orjson.dumps(data, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE))
            count += 1
            progress.advance(1)
        return count
