"""The label-schema versions of a workspace (``label_schemas``): read, add, and what mentions a name.

A version is never edited; each taxonomy change adds the next one (``domain.taxonomy``). So the
parsed newest version is kept per open workspace and read again only when a newer version (or,
after a restore, another row under the same number) is there: a label write asks for the
taxonomy twice, and parsing it each time was a fifth of a write's time.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, Text, cast, func, insert, or_, select

from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.storage.tables import LabelEventRow, LabelSchemaRow


@dataclass(frozen=True, slots=True)
class SchemaKey:
    """Which row the newest version is: its number and when it was made (a restore may reuse a number)."""

    version: int
    created_at: datetime


_NEWEST = select(LabelSchemaRow.version, LabelSchemaRow.created_at).order_by(LabelSchemaRow.version.desc()).limit(1)
_PARSED: weakref.WeakKeyDictionary[Engine, tuple[SchemaKey, Taxonomy]] = weakref.WeakKeyDictionary()


def newest_key(conn: Connection) -> SchemaKey | None:
    row = conn.execute(_NEWEST).first()
    return None if row is None else SchemaKey(int(row.version), row.created_at)


def taxonomy_of(conn: Connection, key: SchemaKey) -> Taxonomy:
    """The version ``key`` names, parsed once per open workspace (read again when the key changes)."""
    kept = _PARSED.get(conn.engine)
    if kept is not None and kept[0] == key:
        return kept[1]
    row = conn.execute(
        select(LabelSchemaRow.root_causes, LabelSchemaRow.scores).where(LabelSchemaRow.version == key.version)
    ).one()
    taxonomy = Taxonomy.from_stored(key.version, row.root_causes, row.scores)
    _PARSED[conn.engine] = (key, taxonomy)
    return taxonomy


def latest(conn: Connection) -> Taxonomy:
    key = newest_key(conn)
    if key is None:
        raise LookupError("the workspace has no label schema")
    return taxonomy_of(conn, key)


def latest_or_none(conn: Connection) -> Taxonomy | None:
    """The newest version, or ``None`` in a workspace that has none yet (being created)."""
    key = newest_key(conn)
    return None if key is None else taxonomy_of(conn, key)


def all_versions(conn: Connection) -> list[tuple[Taxonomy, datetime]]:
    """Every version, oldest first, with the time it was made."""
    rows = conn.execute(
        select(
            LabelSchemaRow.version, LabelSchemaRow.root_causes, LabelSchemaRow.scores, LabelSchemaRow.created_at
        ).order_by(LabelSchemaRow.version)
    )
    return [(Taxonomy.from_stored(r.version, r.root_causes, r.scores), r.created_at) for r in rows]


def add(conn: Connection, taxonomy: Taxonomy, at: datetime) -> None:
    """Store ``taxonomy`` as a new version (its number must be the next one: two writers cannot both win)."""
    conn.execute(
        insert(LabelSchemaRow).values(
            version=taxonomy.version,
            root_causes=taxonomy.stored_root_causes(),
            scores=taxonomy.stored_scores(),
            created_at=at,
        )
    )


def labels_by_version(conn: Connection) -> dict[int, int]:
    """How many label events each schema version holds."""
    rows = conn.execute(select(LabelEventRow.schema_version, func.count()).group_by(LabelEventRow.schema_version))
    return {int(version): int(count) for version, count in rows}


def cases_mentioning(conn: Connection, names: Iterable[str]) -> list[int]:
    """Cases with a label event whose stored change names one of these ids or score names.

    A text match on the JSON (``"tool_error"`` in quotes): it may find a comment quoting the name
    too, which only costs that case a rebuild that changes nothing.
    """
    wanted = [f'%"{name}"%' for name in names]
    if not wanted:
        return []
    rows = conn.execute(
        select(LabelEventRow.case_rowid)
        # CAST, not type_coerce: PostgreSQL has no LIKE on its json type (SQLite stores text anyway).
        .where(or_(*(cast(LabelEventRow.change, Text).like(p) for p in wanted)))
        .distinct()
    )
    return [int(r) for r in rows.scalars()]
