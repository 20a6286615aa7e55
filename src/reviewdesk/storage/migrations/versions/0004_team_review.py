"""team review: event ids, labels per reviewer, the resolved label, assignments, a workspace id

Every label event gets a UUIDv7 ``event_id`` (its identity across workspaces, so a merge stores
an event once), a ``kind`` (``label`` or ``adjudication``), ``label_of`` (whose label it changes)
and ``settles`` (an adjudication's reviewers). ``reviewer_labels`` holds each reviewer's current
label; ``labels`` becomes the resolved label with a ``resolution`` state; ``assignments`` the
cases handed to reviewers. The workspace gets a random id, which review packages name.

Existing labels were one label per case, changed by whoever labeled last. Each becomes its
last reviewer's label, with the case's whole history: every existing event of the case belongs
to it (``label_of``), so folding the events gives exactly the label the workspace had. Its
resolution is ``single`` (or none, if it has no verdict). Event ids keep the events' order:
they are made from each event's time, in row order, never going backwards.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_APPEND_ONLY = (
    "CREATE TRIGGER label_events_append_only BEFORE UPDATE ON label_events "
    "BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END"
)
_PG_APPEND_ONLY = (
    "CREATE TRIGGER label_events_append_only BEFORE UPDATE ON label_events FOR EACH ROW"
    " EXECUTE FUNCTION reviewdesk_append_only('label events are append-only')"
)
_JSON = sa.Text().with_variant(postgresql.JSON(), "postgresql")


def _uuid7(at: datetime | None, floor: int) -> int:
    # A copy of domain.ids.uuid7's layout, so this revision does not change if that code does.
    ms = int(at.replace(tzinfo=UTC).timestamp() * 1000) if at is not None else 0
    rand = secrets.randbits(74)
    value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    if value <= floor:
        ms, rand = floor >> 80, ((((floor >> 64) & 0xFFF) << 62) | (floor & ((1 << 62) - 1))) + 1
        value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return value


def _text(value: int) -> str:
    return str(uuid.UUID(int=value))


def _as_datetime(value: object) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.add_column("label_events", sa.Column("event_id", sa.String(length=36), nullable=False, server_default=""))
    op.add_column("label_events", sa.Column("kind", sa.String(length=16), nullable=False, server_default="label"))
    op.add_column("label_events", sa.Column("label_of", sa.String(length=256), nullable=True))
    op.add_column("label_events", sa.Column("settles", _JSON, nullable=True))
    op.add_column("labels", sa.Column("resolution", sa.String(length=16), nullable=True))

    # Whose label each existing event belongs to: its case's current label's reviewer.
    owners = {
        case_rowid: reviewer
        for case_rowid, reviewer in bind.execute(sa.text("SELECT case_rowid, reviewer FROM labels"))
        if reviewer is not None
    }
    events = list(
        bind.execute(
            sa.text("SELECT event_rowid, case_rowid, created_at, reviewer FROM label_events ORDER BY event_rowid")
        )
    )
    last_reviewer: dict[int, str] = {}
    rows: list[dict[str, object]] = []
    floor = 0
    for event_rowid, case_rowid, created_at, reviewer in events:
        floor = _uuid7(_as_datetime(created_at), floor)
        last_reviewer[case_rowid] = reviewer
        rows.append({"rowid": event_rowid, "event_id": _text(floor), "case_rowid": case_rowid, "reviewer": reviewer})
    for row in rows:
        row["label_of"] = owners.get(int(str(row["case_rowid"]))) or last_reviewer[int(str(row["case_rowid"]))]
    # The log refuses updates; filling in the new columns of existing events is the one exception.
    op.execute("DROP TRIGGER IF EXISTS label_events_append_only" + (" ON label_events" if postgres else ""))
    if rows:
        bind.execute(
            sa.text("UPDATE label_events SET event_id = :event_id, label_of = :label_of WHERE event_rowid = :rowid"),
            [{"rowid": r["rowid"], "event_id": r["event_id"], "label_of": r["label_of"]} for r in rows],
        )
    op.execute(_PG_APPEND_ONLY if postgres else _APPEND_ONLY)
    op.create_index("ix_label_events_event_id", "label_events", ["event_id"], unique=True)

    op.create_table(
        "reviewer_labels",
        sa.Column("case_rowid", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=256), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=True),
        sa.Column("labeled_at", sa.DateTime(), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_rowid"], ["cases.case_rowid"], name=op.f("fk_reviewer_labels_case_rowid_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_rowid", "reviewer", name=op.f("pk_reviewer_labels")),
    )
    op.create_index(op.f("ix_reviewer_labels_reviewer"), "reviewer_labels", ["reviewer"], unique=False)
    labels = list(bind.execute(sa.text("SELECT case_rowid, reviewer, verdict, labeled_at, data FROM labels")))
    if labels:
        bind.execute(
            sa.text(
                "INSERT INTO reviewer_labels (case_rowid, reviewer, verdict, labeled_at, data)"
                " VALUES (:case_rowid, :reviewer, :verdict, :labeled_at, :data)"
            ),
            [
                {
                    "case_rowid": case_rowid,
                    "reviewer": reviewer or last_reviewer.get(case_rowid, "unknown"),
                    "verdict": verdict,
                    "labeled_at": labeled_at,
                    "data": data,
                }
                for case_rowid, reviewer, verdict, labeled_at, data in labels
            ],
        )
    op.execute("UPDATE labels SET resolution = 'single' WHERE verdict IS NOT NULL")
    op.create_index(op.f("ix_labels_resolution"), "labels", ["resolution"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("case_rowid", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=256), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_rowid"], ["cases.case_rowid"], name=op.f("fk_assignments_case_rowid_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_rowid", "reviewer", name=op.f("pk_assignments")),
    )
    op.create_index(op.f("ix_assignments_reviewer"), "assignments", ["reviewer"], unique=False)

    bind.execute(
        sa.text("INSERT INTO workspace_settings (key, value, updated_at) VALUES ('workspace.id', :value, :now)"),
        {"value": json.dumps(str(uuid.uuid4())), "now": datetime.now(UTC).replace(tzinfo=None)},
    )


def downgrade() -> None:
    op.execute("DELETE FROM workspace_settings WHERE key = 'workspace.id'")
    op.drop_index(op.f("ix_assignments_reviewer"), table_name="assignments")
    op.drop_table("assignments")
    op.drop_index(op.f("ix_labels_resolution"), table_name="labels")
    op.drop_column("labels", "resolution")
    op.drop_index(op.f("ix_reviewer_labels_reviewer"), table_name="reviewer_labels")
    op.drop_table("reviewer_labels")
    op.drop_index("ix_label_events_event_id", table_name="label_events")
    for name in ("settles", "label_of", "kind", "event_id"):
        op.drop_column("label_events", name)
