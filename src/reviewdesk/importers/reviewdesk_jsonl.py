"""Reading reviewdesk's own JSONL export back: one normalized case (with its label) per line.

This is not a trace format: the file holds cases, not spans. It sits in ``importers.registry``
with the trace formats, so detection and ``--format`` treat every file alike, but it reads cases
(``read_cases``) where they read spans, and ``services.imports`` hands its files to
``services.restore`` instead of rebuilding cases from spans. Like every importer it only parses. Each line is validated
against the public case model (``domain.case.Case``, ``extra="forbid"``); a line that is not a
case is reported with its line number and skipped, and the rest of the file still restores.
Version 2 lines carry the case's label log (``label_history``); version 1 lines, without it,
read the same as before. Whether a history is consistent with its label is ``services.restore``'s
question: it needs the workspace's label schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from reviewdesk.domain.case import CASE_FORMAT_VERSION, Case
from reviewdesk.domain.errors import RecordError
from reviewdesk.importers.base import ReadContext
from reviewdesk.importers.jsonfile import first_json_line, read_json_lines

NAME = "reviewdesk-jsonl"
TITLE = "reviewdesk JSONL export (cases with labels)"
FILE_ENDINGS = (".jsonl",)


@dataclass(slots=True)
class CaseRecord:
    """One case read from one line."""

    case: Case
    where: str
    """``line N``, for messages."""
    offset: int
    """Bytes of the file consumed once this line is read; drives progress."""


class CaseExportImporter:
    """The registry's entry for reviewdesk's own export: detected like a trace format, restored, not rebuilt."""

    name = NAME
    title = TITLE
    file_endings: tuple[str, ...] = FILE_ENDINGS

    def sniff(self, head: bytes) -> bool:
        return sniff(head)

    def read_cases(self, context: ReadContext) -> Iterator[CaseRecord]:
        return read(context)


def sniff(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a reviewdesk JSONL export (judged by content only).

    The first line must be a JSON object with the case identity keys; trace formats never have
    ``format_version`` and ``case_id`` side by side.
    """
    first = first_json_line(head)
    return isinstance(first, dict) and "format_version" in first and "case_id" in first and "trace_id" in first


def _problem(exc: ValidationError) -> str:
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "(line)"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"not a reviewdesk case: {where}: {first['msg']}{more}"


def read(context: ReadContext) -> Iterator[CaseRecord]:
    """Yield the file's cases line by line (bounded memory); report bad lines through ``context``."""
    for record in read_json_lines(context):
        data, where = record.value, record.where
        if not isinstance(data, dict):
            context.report(RecordError(context.display_name, where, "expected a JSON object (one case)"))
            continue
        version = data.get("format_version")
        if isinstance(version, int) and version > CASE_FORMAT_VERSION:
            context.report(
                RecordError(
                    context.display_name,
                    where,
                    f"case format version {version} was written by a newer reviewdesk (this one reads up to "
                    f"{CASE_FORMAT_VERSION}); upgrade reviewdesk",
                )
            )
            continue
        try:
            case = Case.model_validate(data)
        except ValidationError as exc:
            context.report(RecordError(context.display_name, where, _problem(exc)))
            continue
        yield CaseRecord(case=case, where=where, offset=record.offset)
