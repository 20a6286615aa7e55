"""What importing a file did: the import record in the workspace, the summary, and its text.

Shared by both kinds of import behind ``services.imports.import_files`` — trace files (rebuilt
into cases from spans) and reviewdesk's own JSONL export (restored by ``services.restore``) — so
"the same file twice adds nothing", the audit line and the text the CLI prints and the window
shows mean the same thing whichever path a file took.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reviewdesk.domain.changes import Changes
from reviewdesk.domain.errors import RecordError
from reviewdesk.importers.bundles import LeftOut
from reviewdesk.services import redaction
from reviewdesk.services.workspace import Workspace, this_host
from reviewdesk.storage import imports as storage_imports
from reviewdesk.storage import search
from reviewdesk.storage.engine import begin_write

MAX_KEPT_ERRORS = 1000
MAX_MESSAGE = 400
"""A kept message is cut to this many characters, after scrubbing; importers quote up to 2,000 of a value."""


@dataclass(slots=True)
class ImportSummary:
    """What importing one file did."""

    path: Path
    format: str | None = None
    traces: int = 0
    """Traces created or completed."""
    spans: int = 0
    """Spans added."""
    cases_created: int = 0
    cases_updated: int = 0
    skipped: int = 0
    """Records or spans skipped as bad input."""
    errors: list[str] = field(default_factory=list)
    already_imported: bool = False
    cancelled: bool = False
    failed: str | None = None
    """Why nothing of the file could be imported, if so."""
    redactions: dict[str, int] = field(default_factory=dict)
    """Values replaced by placeholders before writing, by kind (``EMAIL``, ``AWS_KEY`` …)."""
    name: str = ""
    """How messages name the file: its name, or ``bundle.zip/member.json`` for an archive member."""
    import_rowid: int | None = None
    """The import record, once the import has begun."""
    audited: bool = False
    """Its closing audit line is written (with the import record's, in one transaction)."""

    def __post_init__(self) -> None:
        if not self.name:
            self.name = self.path.name

    @property
    def ok(self) -> bool:
        return self.failed is None and self.skipped == 0


@dataclass(slots=True)
class RestoreSummary(ImportSummary):
    """What restoring one reviewdesk JSONL export did (the import summary plus label counts)."""

    labels_restored: int = 0
    labels_kept: int = 0
    """Cases that already had a different label in this workspace; that label was kept."""
    label_events: int = 0
    """Label events written: a restored label's whole history, or one event for a version-1 line."""


@dataclass(slots=True)
class ImportResult:
    files: list[ImportSummary]
    changes: Changes
    left_out: list[LeftOut] = field(default_factory=list)
    """Members of the directories and archives given that were passed over (not trace files,
    unreadable), when others of them were imported; a bundle with none imported fails instead."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def imported_before(workspace: Workspace, file_hash: str) -> bool:
    """Whether the same content was imported in full before (``begin_import`` then starts nothing)."""
    with workspace.engine.connect() as conn:
        return storage_imports.done_import_of(conn, file_hash) is not None


def begin_import(
    workspace: Workspace, path: Path, *, format_name: str, file_hash: str, size: int, name: str | None = None
) -> int | None:
    """Record that importing ``path`` starts; ``None`` when the same content was imported in full before.

    Shared by every import path (trace files, restored exports), so "the same file twice adds
    nothing" means the same thing everywhere. ``name`` is the file name recorded when ``path``
    is not what the user named (a member of an archive, read from a temporary copy). Path and
    name are stored redacted (``redaction.scrubber``).
    """
    scrub = redaction.scrubber(workspace)
    with begin_write(workspace.engine) as conn:
        if storage_imports.done_import_of(conn, file_hash) is not None:
            return None
        import_rowid = storage_imports.start_import(
            conn,
            path=scrub(str(path.resolve())),
            file_name=scrub(name or path.name),
            format_name=format_name,
            file_hash=file_hash,
            size=size,
            at=datetime.now(UTC),
        )
        # Who runs it: the next open of the workspace, on any machine, tells a live import from an
        # abandoned one (``workspace.close_abandoned_imports``).
        storage_imports.note_running(conn, import_rowid, pid=os.getpid(), host=this_host(), at=datetime.now(UTC))
        search.tune_for_imports(conn)
        return import_rowid


def running_key(import_rowid: int) -> str:
    """The workspace setting naming the host and process that run an import, while it runs."""
    return storage_imports.running_key(import_rowid)


def finish_import(workspace: Workspace, import_rowid: int, *, status: str, summary: ImportSummary) -> None:
    """Close the import record with its final status and counts, and write its closing audit line."""
    from reviewdesk.services import audit  # audit's own import names ImportSummary

    with begin_write(workspace.engine) as conn:
        storage_imports.forget_running(conn, import_rowid)
        summary.import_rowid = import_rowid
        audit.record_import(workspace, summary, conn=conn)
        storage_imports.close_import(
            conn,
            import_rowid,
            status=status,
            at=datetime.now(UTC),
            traces=summary.traces,
            spans=summary.spans,
            cases=summary.cases_created,
            skipped=summary.skipped,
            errors=summary.errors,
        )


def record_skipped(summary: ImportSummary, scrub: Callable[[str], str] = str) -> Callable[[RecordError], None]:
    """The ``report`` callback of a read: count the skipped record and keep its (scrubbed) message."""

    def report(error: RecordError) -> None:
        summary.skipped += 1
        if len(summary.errors) < MAX_KEPT_ERRORS:
            # Scrubbed whole, then cut: a value cut in half before scrubbing is no longer recognized.
            message = scrub(str(error))
            summary.errors.append(message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…")

    return report


# --- the text of a summary: the same words in `reviewdesk import`, `demo` and the window ----------


def redaction_counts(counts: dict[str, int]) -> str:
    """``EMAIL 3, PHONE 1``: most frequent kind first."""
    return ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def describe_file(summary: ImportSummary) -> str:
    """One line saying what importing one file did, or why it did nothing."""
    name = summary.name
    if summary.already_imported:
        return f"{name}: already imported, nothing added"
    if summary.failed and not summary.spans and not summary.cases_created:
        return summary.failed if name in summary.failed else f"{name}: {summary.failed}"
    restored = summary if isinstance(summary, RestoreSummary) else None
    parts = [
        f"{name} ({summary.format}): {summary.cases_created} new case(s)",
        f"{summary.cases_updated} updated" if summary.cases_updated else None,
        None if restored else f"{summary.spans} span(s) added",
        f"labels: {restored.labels_restored} restored, {restored.labels_kept} kept (already labeled differently here)"
        if restored
        else None,
        f"{summary.skipped} record(s) skipped (first: {summary.errors[0]})"
        if summary.skipped and summary.errors
        else (f"{summary.skipped} record(s) skipped" if summary.skipped else None),
        f"{sum(summary.redactions.values())} value(s) redacted ({redaction_counts(summary.redactions)})"
        if summary.redactions
        else None,
        "cancelled (the batches already read were kept)" if summary.cancelled else None,
    ]
    return ", ".join(p for p in parts if p)


LEFT_OUT_NAMED = 5
"""Members of a bundle named in the summary line; the rest are counted."""


def describe_left_out(result: ImportResult) -> str | None:
    """One line naming what an import passed over in the directories and archives it was given, or ``None``."""
    if not result.left_out:
        return None
    named = ", ".join(f"{o.name} ({o.reason})" for o in result.left_out[:LEFT_OUT_NAMED])
    more = f" and {len(result.left_out) - LEFT_OUT_NAMED} more" if len(result.left_out) > LEFT_OUT_NAMED else ""
    return f"left out {len(result.left_out)} file(s) of the folders and archives given: {named}{more}"


def describe_result(result: ImportResult) -> str:
    """One sentence of totals over every file of an import."""
    created = sum(s.cases_created for s in result.files)
    updated = sum(s.cases_updated for s in result.files)
    text = f"Imported {created} new case(s), {updated} updated."
    labels = sum(s.labels_restored for s in result.files if isinstance(s, RestoreSummary))
    if labels:
        text += f" Restored {labels} label(s)."
    redacted: dict[str, int] = {}
    for s in result.files:
        for kind, count in s.redactions.items():
            redacted[kind] = redacted.get(kind, 0) + count
    if redacted:
        text += f" Redacted {sum(redacted.values())} value(s): {redaction_counts(redacted)}."
    if result.left_out:  # which, and why: ``describe_left_out``
        text += f" Left out {len(result.left_out)} file(s) of the folders and archives given."
    return text
