"""claims and kept events: the claim pool reviewers pull work from; label events are never deleted

``case_claims`` holds the places of the claim pool (issue 11 item 3): ``overlap`` places per case,
each free, reserved by one reviewer until ``expires_at``, or done once that reviewer's own label
has a verdict (``storage.claims``). On PostgreSQL reviewers take places with ``FOR UPDATE SKIP
LOCKED``, so two of them pulling work at once never get the same place.

On PostgreSQL, label events also refuse DELETE and TRUNCATE, for the tables' owner too (issue 11
item 4): an event leaves only with its case, when a purge deletes the case (the cascade from
``cases``). SQLite keeps its UPDATE trigger only; a file's owner can edit the file anyway.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BIG = sa.Integer().with_variant(sa.BigInteger(), "postgresql")

# A deleted event whose case is still there was deleted by hand: refused. One whose case is gone
# goes with it (the cascade of a purge runs after the case's row is deleted).
_PG_KEEP_EVENTS = (
    "CREATE OR REPLACE FUNCTION reviewdesk_keep_label_events() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN"
    "   IF TG_OP = 'TRUNCATE' OR EXISTS (SELECT 1 FROM cases WHERE case_rowid = OLD.case_rowid) THEN"
    "     RAISE EXCEPTION 'label events are append-only' USING ERRCODE = 'restrict_violation';"
    "   END IF;"
    "   RETURN OLD;"
    " END $$"
)


def upgrade() -> None:
    op.create_table(
        "case_claims",
        sa.Column("case_rowid", _BIG, nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("position", _BIG, nullable=False),
        sa.Column("reviewer", sa.String(length=256), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_rowid"], ["cases.case_rowid"], name=op.f("fk_case_claims_case_rowid_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_rowid", "place", name=op.f("pk_case_claims")),
    )
    with op.batch_alter_table("case_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_claims_position"), ["position"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_claims_reviewer"), ["reviewer"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_KEEP_EVENTS)
        op.execute(
            "CREATE TRIGGER label_events_keep BEFORE DELETE ON label_events FOR EACH ROW"
            " EXECUTE FUNCTION reviewdesk_keep_label_events()"
        )
        op.execute(
            "CREATE TRIGGER label_events_keep_truncate BEFORE TRUNCATE ON label_events FOR EACH STATEMENT"
            " EXECUTE FUNCTION reviewdesk_keep_label_events()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS label_events_keep_truncate ON label_events")
        op.execute("DROP TRIGGER IF EXISTS label_events_keep ON label_events")
        op.execute("DROP FUNCTION IF EXISTS reviewdesk_keep_label_events()")
    with op.batch_alter_table("case_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_claims_reviewer"))
        batch_op.drop_index(batch_op.f("ix_case_claims_position"))
    op.drop_table("case_claims")
