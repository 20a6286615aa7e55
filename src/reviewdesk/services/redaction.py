"""Redaction on import, and the workspace's redaction settings and report.

The import service hands each batch to ``BatchRedactor.redact`` inside the transaction that will
write it, before anything of it is written: the spans are redacted in place, the placeholder
numbering of each trace is loaded from and saved to ``redaction_tokens`` in that same transaction
(so a crash keeps numbering and spans in step), and the counts by kind are added to the import's
row in ``import_redactions``. Cases, the search index and every export are built from the
redacted spans, so nothing downstream ever sees a raw value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from reviewdesk.domain.case import Case
from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.privacy import RedactionSettings

if TYPE_CHECKING:
    from reviewdesk.privacy.redactor import Redactor
    from reviewdesk.services.import_records import ImportSummary
    from reviewdesk.services.workspace import Workspace
    from reviewdesk.storage.handles import Connection

# The import's worker processes use ``BatchRedactor`` without a workspace (``services.import_worker``):
# what reads or writes one (SQLAlchemy, about a second of a worker's start-up) is imported where it is used.

SETTINGS_KEY = "redaction"


def get_settings(workspace: Workspace) -> RedactionSettings:
    """The workspace's redaction settings (the defaults until someone changes them)."""
    with workspace.engine.connect() as conn:
        return _settings(conn)


def _settings(conn: Connection) -> RedactionSettings:
    from reviewdesk.storage import governance

    stored = governance.get_setting(conn, SETTINGS_KEY)
    return RedactionSettings.model_validate(stored) if stored is not None else RedactionSettings()


def update_settings(
    workspace: Workspace, change: Callable[[RedactionSettings], dict[str, Any]], *, actor: str | None = None
) -> RedactionSettings:
    """Apply ``change`` (current settings → fields to set) and log the change in the audit log.

    Invalid values (a bad regular expression, an unknown region) are refused with the reason,
    before anything is written.
    """
    from reviewdesk.services import audit
    from reviewdesk.storage import governance
    from reviewdesk.storage.engine import begin_write

    with begin_write(workspace.engine) as conn:
        before = _settings(conn)
        try:
            after = RedactionSettings.model_validate({**before.model_dump(), **change(before)})
        except ValidationError as exc:
            reasons = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
            raise UsageError(f"redaction settings not changed: {reasons}") from None
        if after == before:
            return after
        governance.put_setting(conn, SETTINGS_KEY, after.model_dump(mode="json"), datetime.now(UTC))
        audit.record(
            workspace,
            "settings",
            SETTINGS_KEY,
            {"before": before.model_dump(mode="json"), "after": after.model_dump(mode="json")},
            conn=conn,
            actor=actor,
        )
    return after


@dataclass(slots=True)
class BatchRedactions:
    """What redacting one batch added: placeholder numbers to remember and replacements by kind."""

    numbering: list[tuple[str, str, bytes, int]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True, slots=True)
class RedactionRules:
    """What a redactor is made of: the settings and the numbering key (plain values, they pickle)."""

    settings: RedactionSettings
    key: bytes = b""


class BatchRedactor:
    """Redacts one import's batches with the settings in force when the import started."""

    def __init__(self, workspace: Workspace | None, import_rowid: int, *, rules: RedactionRules | None = None) -> None:
        """With the workspace's settings and key; or with ``rules`` (the import's worker process has no workspace)."""
        self.import_rowid = import_rowid
        if rules is None:
            from reviewdesk.services import redaction_key

            assert workspace is not None
            with workspace.engine.connect() as conn:
                settings = _settings(conn)
            # The key is in the user's data directory, never in the workspace (services.redaction_key).
            rules = RedactionRules(settings, redaction_key.load_key(workspace) if settings.enabled else b"")
        self.rules = rules
        settings, key = rules.settings, rules.key
        self.settings = settings
        self.redactor: Redactor | None = None
        if settings.enabled:
            from reviewdesk.privacy.redactor import Redactor

            self.redactor = Redactor(settings, key=key)

    def redact(
        self, conn: Connection, batch: dict[str, dict[str, RawSpan]], summary: ImportSummary
    ) -> dict[str, dict[str, RawSpan]]:
        """Redact ``batch`` in place (and return it), inside the transaction that writes it."""
        if self.redactor is None:
            return batch
        done = self.redact_spans(batch, self.known_numbering(conn, list(batch)))
        self.store(conn, done, summary)
        return batch

    def known_numbering(self, conn: Connection, trace_ids: list[str]) -> dict[str, dict[tuple[str, bytes], int]]:
        """The placeholder numbers earlier batches gave these traces (nothing when redaction is off)."""
        from reviewdesk.storage import governance

        return governance.load_numbering(conn, trace_ids) if self.redactor is not None else {}

    def redact_spans(
        self, batch: dict[str, dict[str, RawSpan]], known: dict[str, dict[tuple[str, bytes], int]]
    ) -> BatchRedactions:
        """Redact ``batch`` in place without touching the workspace; ``store`` writes what it added.

        Split from ``store`` so the import can redact the next batch while the last one is written.
        """
        done = BatchRedactions()
        if self.redactor is None:
            return done
        from reviewdesk.privacy.redactor import TraceNumbering

        for trace_id, spans in batch.items():
            numbering = TraceNumbering(known.get(trace_id))
            shared: dict[int, Any] = {}
            for span in spans.values():
                self.redactor.redact_span(span, numbering, shared)
            done.counts.update(numbering.counts)
            done.numbering += [(trace_id, kind, digest, number) for kind, digest, number in numbering.new]
        return done

    def store(self, conn: Connection, done: BatchRedactions, summary: ImportSummary) -> None:
        """Write a batch's new placeholder numbers and counts, in the transaction that writes its spans."""
        from reviewdesk.storage import governance

        governance.add_numbering(conn, done.numbering)
        governance.add_import_redactions(conn, self.import_rowid, done.counts)
        for kind, count in done.counts.items():
            summary.redactions[kind] = summary.redactions.get(kind, 0) + count

    def redact_cases(self, conn: Connection, cases: list[Case], summary: ImportSummary) -> list[Case]:
        """Cases restored from an export, redacted like spans (labels and corrections included).

        An export from a workspace with other rules (or redaction off) must not bring in what
        this workspace would have removed; placeholders share the trace's numbering with spans.
        The whole case JSON is walked, so the label history (``Case.label_history``: earlier
        comments, corrected outputs and evidence refs) is redacted with the same numbering as the
        current label — the same value gets the same placeholder in both, so the history still
        folds into the label.
        """
        if self.redactor is None:
            return cases
        from reviewdesk.privacy.redactor import TraceNumbering
        from reviewdesk.storage import governance

        known = governance.load_numbering(conn, list(dict.fromkeys(c.trace_id for c in cases)))
        counts: Counter[str] = Counter()
        new_rows: list[tuple[str, str, bytes, int]] = []
        redacted: list[Case] = []
        for case in cases:
            numbering = TraceNumbering(known.get(case.trace_id))
            data = case.model_dump(mode="json")
            identity = {key: data.pop(key) for key in ("case_id", "trace_id")}  # ids stay as exported
            clean = self.redactor.redact_value(data, numbering)
            if clean is data:
                redacted.append(case)
            else:
                restored = Case.model_validate({**clean, **identity})
                # Event ids are identity too: a digit run in a UUID must not become a placeholder.
                for event, original in zip(restored.label_history or [], case.label_history or [], strict=True):
                    event.id = original.id
                redacted.append(restored)
            counts.update(numbering.counts)
            new_rows += [(case.trace_id, kind, digest, number) for kind, digest, number in numbering.new]
            known[case.trace_id] = {**known.get(case.trace_id, {}), **{(k, d): n for k, d, n in numbering.new}}
        governance.add_numbering(conn, new_rows)
        governance.add_import_redactions(conn, self.import_rowid, counts)
        for kind, count in counts.items():
            summary.redactions[kind] = summary.redactions.get(kind, 0) + count
        return redacted

    def scrub(self, message: str) -> str:
        """A skipped record's message (or a file name) with any sensitive value replaced, unnumbered."""
        if self.redactor is None:
            return message
        return self.redactor.redact_text(message, None)

    def redact_ids(self, span: RawSpan) -> RawSpan:
        """``span`` with values in its trace, span and parent ids replaced (``Redactor.redact_id``).

        Called as each span is read, before spans are grouped by trace: the redacted trace id is the
        trace's id everywhere (cases, exports, numbering), the same for every file of the trace.
        """
        if self.redactor is None:
            return span
        redact = self.redactor.redact_id
        span.trace_id = redact(span.trace_id)
        span.span_id = redact(span.span_id)
        if span.parent_span_id:
            span.parent_span_id = redact(span.parent_span_id)
        return span


def scrubber(workspace: Workspace, conn: Connection | None = None) -> Callable[[str], str]:
    """Unnumbered redaction with the workspace's rules, for text outside spans: file paths, messages.

    The imported file's path and name are stored with the import and carried by every case (and so
    every export row) as provenance; a name like ``export-ana@x.example.jsonl`` must not be.
    With ``conn``, the settings are read in that transaction (a second connection opened inside a
    write would wait for the write lock its own caller holds).
    """
    if conn is not None:
        settings = _settings(conn)
    else:
        with workspace.engine.connect() as own:
            settings = _settings(own)
    if not settings.enabled:
        return str
    from reviewdesk.privacy.redactor import Redactor

    redactor = Redactor(settings, key=b"")  # unnumbered placeholders use no key
    return lambda text: redactor.redact_text(text, None)


@dataclass(slots=True)
class FileRedactions:
    """What one import replaced."""

    import_rowid: int
    file_name: str
    started_at: datetime
    status: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(slots=True)
class RedactionReport:
    """Per file and in total, how many values of each kind imports replaced."""

    settings: RedactionSettings
    files: list[FileRedactions]

    @property
    def totals(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for item in self.files:
            totals.update(item.counts)
        return dict(sorted(totals.items()))


def report(workspace: Workspace) -> RedactionReport:
    from reviewdesk.storage import governance
    from reviewdesk.storage import imports as storage_imports

    with workspace.engine.connect() as conn:
        settings = _settings(conn)
        counts = governance.import_redactions(conn)
        records = storage_imports.imports(conn)
    files = [
        FileRedactions(
            import_rowid=record.import_rowid,
            file_name=record.file_name,
            started_at=record.started_at,
            status=record.status,
            counts=dict(sorted(counts.get(record.import_rowid, {}).items())),
        )
        for record in records
    ]
    return RedactionReport(settings=settings, files=files)
