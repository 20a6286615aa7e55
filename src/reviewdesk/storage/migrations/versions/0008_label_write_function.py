"""label write function: a reviewer's save locks, checks and writes in one call

On PostgreSQL a label write took its locks, read the case's events, sent its event and then
deleted and inserted the case's reviewer labels, resolved label and root causes: a dozen round
trips to the server, the case's lock held across all of them. Now the app reads the case's
events outside any transaction, folds the labels (``domain.team``) and makes one call of
``reviewdesk_append_label_event``, which takes the workspace's write lock shared and the case's
exclusively (``storage.postgres``), checks that the case has no newer event and the taxonomy no
newer version than the app read — else it writes nothing and returns NULL, and the app reads
again — and stores the event and the labels it is given. One statement: its own transaction.

It is ``SECURITY INVOKER`` (the default, said out loud): it runs with the caller's privileges, so
row-level security still lets a reviewer append events only under their own name, and the
append-only triggers and grants of ``team init`` apply to every statement in it as they did to
the statements it replaces (docs/adr/0012-roles-the-database-enforces.md). SQLite: nothing (its
label writes are local calls, not round trips).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# p_seen_event: the newest event row id of the case as the app read it (NULL: none); p_schema and
# p_schema_at: the taxonomy version it folded with. p_locks: the workspace's and the cases' lock
# keys (storage.postgres), p_wait_ms how long to wait for them, p_busy_ms the lock timeout after.
# The JSON arguments: p_event one object with the label_events columns; p_reviewers an array of
# reviewer_labels rows; p_label the labels row or null (no reviewer label yet); p_causes the
# resolved label's root causes. Timestamps are naive UTC, as the columns hold them. Sub-values
# typed json keep their text as sent (json, not jsonb: stored JSON stays byte for byte what the
# app wrote, as everywhere else in the workspace).
FUNCTION = """
CREATE FUNCTION reviewdesk_append_label_event(
    p_case bigint, p_seen_event bigint, p_schema integer, p_schema_at timestamp,
    p_event json, p_reviewers json, p_label json, p_causes text[],
    p_locks integer[], p_wait_ms integer, p_busy_ms integer
) RETURNS bigint
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
    new_rowid bigint;
BEGIN
    PERFORM set_config('lock_timeout', p_wait_ms || 'ms', true);
    PERFORM pg_advisory_xact_lock_shared(p_locks[1]);
    PERFORM pg_advisory_xact_lock(p_locks[2], (p_case % 2147483648)::integer);
    PERFORM set_config('lock_timeout', p_busy_ms || 'ms', true);

    IF (SELECT max(event_rowid) FROM label_events WHERE case_rowid = p_case) IS DISTINCT FROM p_seen_event
       OR NOT EXISTS (SELECT 1 FROM label_schemas WHERE version = p_schema AND created_at = p_schema_at)
       OR EXISTS (SELECT 1 FROM label_schemas WHERE version > p_schema) THEN
        RETURN NULL;
    END IF;

    INSERT INTO label_events
        (event_id, kind, label_of, settles, case_rowid, created_at, reviewer, change, seconds_spent, schema_version)
    SELECT e.event_id, e.kind, e.label_of, e.settles, p_case, e.created_at, e.reviewer, e.change, e.seconds_spent,
           e.schema_version
    FROM json_to_record(p_event) AS e(event_id varchar, kind varchar, label_of varchar, settles json,
         created_at timestamp, reviewer varchar, change json, seconds_spent double precision, schema_version integer)
    RETURNING event_rowid INTO new_rowid;

    DELETE FROM reviewer_labels WHERE case_rowid = p_case;
    INSERT INTO reviewer_labels (case_rowid, reviewer, verdict, labeled_at, data)
    SELECT p_case, r.reviewer, r.verdict, r.labeled_at, r.data
    FROM json_to_recordset(p_reviewers) AS r(reviewer varchar, verdict varchar, labeled_at timestamp, data json);

    DELETE FROM labels WHERE case_rowid = p_case;
    IF p_label IS NOT NULL THEN
        INSERT INTO labels (case_rowid, verdict, escalate, reviewer, labeled_at, data, last_event_rowid, resolution)
        SELECT p_case, l.verdict, l.escalate, l.reviewer, l.labeled_at, l.data, new_rowid, l.resolution
        FROM json_to_record(p_label) AS l(verdict varchar, escalate boolean, reviewer varchar, labeled_at timestamp,
             data json, resolution varchar);
    END IF;

    DELETE FROM case_root_causes WHERE case_rowid = p_case;
    INSERT INTO case_root_causes (case_rowid, root_cause) SELECT p_case, c FROM unnest(p_causes) AS c;
    RETURN new_rowid;
END
$$
"""

ARGUMENTS = "bigint, bigint, integer, timestamp, json, json, json, text[], integer[], integer, integer"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION reviewdesk_append_label_event({ARGUMENTS})")
