"""Tables of the workspace: every table's SQLAlchemy model, in one module.

Naming: our own integer keys are ``*_rowid``; ids from the trace source are ``*_id``. Raw span
content (attributes, events, resource) is stored as JSON text exactly as imported, so a case can
be rebuilt or replayed from it. Label events are append-only (a trigger refuses updates); the
``labels`` table is the current state derived from them, written in the same transaction.

The data-protection tables (created by migration 0003) are at the end:

* ``workspace_settings``: typed settings the workspace carries with it (redaction rules,
  retention period) as JSON by key, plus the secret that keys the redaction hashes.
* ``redaction_tokens``: per trace, a keyed hash (HMAC) of each redacted value → its placeholder
  number, so that a trace arriving over several files keeps ``[EMAIL_1]`` for the same address.
  The values themselves are never stored.
* ``import_redactions``: how many values of each kind each import replaced (the redaction report).
* ``audit_log``: imports, exports, purges and settings changes; append-only (triggers refuse
  updates and deletes). Label changes are audited by ``label_events`` (ADR 0004).

Queries live beside this module, in ``storage/`` modules named after their feature; this one
holds only the tables, so every one of them can import it without a cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

# A fixed naming convention gives every constraint a stable name, which Alembic needs to alter
# or drop it later (SQLite's batch mode recreates tables by these names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JsonText(TypeDecorator[Any]):
    """JSON stored as TEXT on SQLite, encoded with orjson (several times faster than ``json`` on
    import); PostgreSQL's ``json`` type there, which the driver encodes (with the engine's
    ``dump_json``) and decodes. Not ``jsonb``: it rewrites what it stores (``1.1805916207174113e21``
    comes back as an integer, keys are reordered, ``\u0000`` is refused), and raw spans are kept
    exactly as imported (docs/adr/0010-postgresql-workspaces.md)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(JSON())
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return orjson.loads(value)


# SQLite's INTEGER is 64 bits; PostgreSQL's is 32: nanosecond times, byte sizes, token counts and
# the row ids of the big tables are BIGINT there (the same SQLite DDL as before).
BigInt = Integer().with_variant(BigInteger(), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes (SQLite has no timezone type: we store naive UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ImportRecord(Base):
    """One import of one file: what it was, what it added, what it skipped."""

    __tablename__ = "imports"
    __table_args__ = (CheckConstraint("status IN ('running', 'done', 'cancelled', 'failed')", name="status"),)

    import_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(512))
    format: Mapped[str] = mapped_column(String(64))
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInt)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16))
    traces: Mapped[int] = mapped_column(Integer, default=0)
    """Traces created or completed by this import."""
    spans: Mapped[int] = mapped_column(Integer, default=0)
    """Spans added (spans already in the workspace are not counted)."""
    cases: Mapped[int] = mapped_column(Integer, default=0)
    """Cases created."""
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[str]] = mapped_column(JsonText, default=list)
    """Messages of skipped records (the first 1000)."""


class TraceRow(Base):
    """A trace: the spans sharing one trace id, from however many files they came."""

    __tablename__ = "traces"

    trace_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    trace_id: Mapped[str] = mapped_column(String(128), unique=True)
    span_count: Mapped[int] = mapped_column(Integer, default=0)
    first_import_rowid: Mapped[int | None] = mapped_column(ForeignKey("imports.import_rowid", ondelete="SET NULL"))
    last_import_rowid: Mapped[int | None] = mapped_column(ForeignKey("imports.import_rowid", ondelete="SET NULL"))


class SpanRow(Base):
    """One span with every raw attribute and event, so a bad answer can be replayed."""

    __tablename__ = "spans"
    __table_args__ = (UniqueConstraint("trace_rowid", "span_id", name="uq_spans_trace_span"),)

    span_rowid: Mapped[int] = mapped_column(BigInt, primary_key=True)
    trace_rowid: Mapped[int] = mapped_column(ForeignKey("traces.trace_rowid", ondelete="CASCADE"))
    span_id: Mapped[str] = mapped_column(String(128))
    parent_span_id: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(Text)
    otel_kind: Mapped[int] = mapped_column(Integer, default=0)
    start_ns: Mapped[int | None] = mapped_column(BigInt)
    end_ns: Mapped[int | None] = mapped_column(BigInt)
    status_code: Mapped[int] = mapped_column(Integer, default=0)
    status_message: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(JsonText)
    events: Mapped[list[Any]] = mapped_column(JsonText)
    resource: Mapped[dict[str, Any]] = mapped_column(JsonText)
    scope: Mapped[dict[str, Any]] = mapped_column(JsonText)
    links: Mapped[list[Any]] = mapped_column(JsonText)
    import_rowid: Mapped[int | None] = mapped_column(ForeignKey("imports.import_rowid", ondelete="SET NULL"))


class CaseRow(Base):
    """A normalized case: the filterable fields as columns, the whole case as JSON."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("status IN ('ok', 'error')", name="status"),
        Index("ix_cases_workflow_started", "workflow", "started_at"),
        # Sorting by cost: the recorded cost, else the estimate (storage.queries.COST_ORDER).
        Index("ix_cases_cost", text("coalesce(cost_usd, estimated_cost_usd)")),
        # A workflow's median cost and latency: the middle entry of these, an index walk, not a sort.
        Index("ix_cases_workflow_latency", "workflow", "latency_ms"),
        Index("ix_cases_workflow_cost", "workflow", text("coalesce(cost_usd, estimated_cost_usd)")),
    )

    case_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(64), unique=True)
    trace_rowid: Mapped[int] = mapped_column(ForeignKey("traces.trace_rowid", ondelete="CASCADE"), unique=True)
    workflow: Mapped[str | None] = mapped_column(String(256))
    release: Mapped[str | None] = mapped_column(String(256), index=True)
    session_id: Mapped[str | None] = mapped_column(String(256), index=True)
    user_id: Mapped[str | None] = mapped_column(String(256))
    tenant: Mapped[str | None] = mapped_column(String(256), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, index=True)
    status: Mapped[str] = mapped_column(String(8), index=True)
    error_type: Mapped[str | None] = mapped_column(String(256))
    model: Mapped[str | None] = mapped_column(String(256), index=True)
    provider: Mapped[str | None] = mapped_column(String(128))
    input_tokens: Mapped[int | None] = mapped_column(BigInt)
    output_tokens: Mapped[int | None] = mapped_column(BigInt)
    total_tokens: Mapped[int | None] = mapped_column(BigInt)
    cost_usd: Mapped[float | None] = mapped_column(Float, index=True)
    """The cost the trace recorded."""
    estimated_cost_usd: Mapped[float | None] = mapped_column(Float)
    """The estimate from list prices (``usage.cost_estimate.usd``), set only when the trace records no cost."""
    tool_calls: Mapped[int] = mapped_column(Integer, default=0)
    tool_errors: Mapped[int] = mapped_column(Integer, default=0)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    user_request: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    source_format: Mapped[str] = mapped_column(String(64))
    source_file: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JsonText)
    """The whole case (without labels) in its public JSON form."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


DOCUMENT_KEY_LENGTH = 255
"""Longer document keys are stored as their SHA-256 (``storage.writes.stored_document_key``)."""


class CaseDocumentRow(Base):
    """A dated document a case retrieved, by what makes it one document in several versions.

    The index behind "a newer version of this document is in the workspace" (docs/CONTEXT.md,
    *Stale document*): the newest ``updated_at`` of a key is one index seek. Written with the case
    (``writes.upsert_cases``); documents without an update time are not listed.
    """

    __tablename__ = "case_documents"
    __table_args__ = (Index("ix_case_documents_key_updated", "doc_key", "updated_at"),)

    case_rowid: Mapped[int] = mapped_column(ForeignKey("cases.case_rowid", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """Index of the document in the case's ``retrieval.documents``."""
    doc_key: Mapped[str] = mapped_column(String(DOCUMENT_KEY_LENGTH))
    """``domain.case.document_key`` (its SHA-256 when longer than ``DOCUMENT_KEY_LENGTH``)."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LabelSchemaRow(Base):
    """A version of the label schema: root-cause taxonomy and score names. Never edited, only added."""

    __tablename__ = "label_schemas"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    root_causes: Mapped[list[dict[str, str]]] = mapped_column(JsonText)
    scores: Mapped[list[str]] = mapped_column(JsonText)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LabelEventRow(Base):
    """One label change: the append-only audit log from which the current labels are derived."""

    __tablename__ = "label_events"
    # A unique index rather than a constraint: migration 0004 adds the column to existing
    # workspaces, and SQLite can add an index to a table but not a constraint.
    __table_args__ = (Index("ix_label_events_event_id", "event_id", unique=True),)

    event_rowid: Mapped[int] = mapped_column(BigInt, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    """UUIDv7: the event's identity in every workspace (merges store an event once) and its order."""
    kind: Mapped[str] = mapped_column(String(16))
    """``label`` (a change to ``label_of``'s label) or ``adjudication`` (a decision on the case)."""
    label_of: Mapped[str | None] = mapped_column(String(256))
    """Whose label a ``label`` event changes (its reviewer's own, or for events from before team
    review, the label's last reviewer); ``None`` for an adjudication."""
    settles: Mapped[list[str] | None] = mapped_column(JsonText)
    """For an adjudication: the reviewers whose labels it settled."""
    case_rowid: Mapped[int] = mapped_column(ForeignKey("cases.case_rowid", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    reviewer: Mapped[str] = mapped_column(String(256), index=True)
    change: Mapped[dict[str, Any]] = mapped_column(JsonText)
    """The fields this event set (a ``LabelChange``)."""
    seconds_spent: Mapped[float | None] = mapped_column(Float)
    schema_version: Mapped[int] = mapped_column(ForeignKey("label_schemas.version"))


class LabelRow(Base):
    """The resolved label of a case (derived from ``label_events``; rebuilt from them if in doubt).

    With one reviewer it is that reviewer's label; with several, ``resolution`` says how it was
    reached (``domain.team``). Every reader of "the case's label" reads this table.
    """

    __tablename__ = "labels"
    __table_args__ = (CheckConstraint("verdict IS NULL OR verdict IN ('pass', 'fail', 'unsure')", name="verdict"),)

    case_rowid: Mapped[int] = mapped_column(ForeignKey("cases.case_rowid", ondelete="CASCADE"), primary_key=True)
    verdict: Mapped[str | None] = mapped_column(String(8), index=True)
    escalate: Mapped[bool] = mapped_column(default=False)
    reviewer: Mapped[str | None] = mapped_column(String(256))
    labeled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonText)
    """The whole current label (a ``Label``)."""
    last_event_rowid: Mapped[int] = mapped_column(BigInt, ForeignKey("label_events.event_rowid"))
    resolution: Mapped[str | None] = mapped_column(String(16), index=True)
    """``single``, ``consensus``, ``disputed`` or ``adjudicated``; ``None`` while no reviewer gave a verdict."""


class ReviewerLabelRow(Base):
    """One reviewer's current label of a case, folded from the events that belong to it."""

    __tablename__ = "reviewer_labels"

    case_rowid: Mapped[int] = mapped_column(ForeignKey("cases.case_rowid", ondelete="CASCADE"), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(256), primary_key=True, index=True)
    verdict: Mapped[str | None] = mapped_column(String(8))
    labeled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JsonText)
    """The reviewer's whole current label (a ``Label``)."""


class AssignmentRow(Base):
    """A case handed to a reviewer (``reviewdesk assign``)."""

    __tablename__ = "assignments"

    case_rowid: Mapped[int] = mapped_column(ForeignKey("cases.case_rowid", ondelete="CASCADE"), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(256), primary_key=True, index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseRootCauseRow(Base):
    """One row per (case, current root cause), so cases can be filtered by root cause with an index."""

    __tablename__ = "case_root_causes"

    case_rowid: Mapped[int] = mapped_column(ForeignKey("cases.case_rowid", ondelete="CASCADE"), primary_key=True)
    root_cause: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class WorkspaceSettingRow(Base):
    """One setting of the workspace, by key (``redaction``, ``retention``, ``redaction.secret``)."""

    __tablename__ = "workspace_settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JsonText)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RedactionTokenRow(Base):
    """The placeholder number a redacted value has in one trace, known by its keyed hash only."""

    __tablename__ = "redaction_tokens"

    trace_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)


class ImportRedactionRow(Base):
    """How many values of one kind one import replaced."""

    __tablename__ = "import_redactions"

    import_rowid: Mapped[int] = mapped_column(ForeignKey("imports.import_rowid", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class AuditRow(Base):
    """One operation on the workspace other than a label change: who did what, when, to what."""

    __tablename__ = "audit_log"

    audit_rowid: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(32), index=True)
    """``import``, ``export``, ``purge`` or ``settings``."""
    subject: Mapped[str] = mapped_column(Text)
    """What it acted on: a file name, an export target, a settings key."""
    details: Mapped[dict[str, Any]] = mapped_column(JsonText)


class CaseClaimRow(Base):
    """One place of a case in the claim pool: free (no reviewer), reserved, or done (``storage.claims``)."""

    __tablename__ = "case_claims"

    case_rowid: Mapped[int] = mapped_column(
        BigInt, ForeignKey("cases.case_rowid", ondelete="CASCADE"), primary_key=True
    )
    place: Mapped[int] = mapped_column(Integer, primary_key=True)
    """1 … overlap: how many reviewers the case is to have."""
    position: Mapped[int] = mapped_column(BigInt, index=True)
    """Pool order: cases added earlier (and, within one addition, in its order) come first."""
    reviewer: Mapped[str | None] = mapped_column(String(256), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
