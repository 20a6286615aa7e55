"""Offline review packages: a reviewer's cases in one file, labeled anywhere, merged back.

A package (``.rdpkg``) is itself a workspace file, so it opens like one (``--workspace
rev1.rdpkg``, File → Open) and everything works offline in it. It holds only: the reviewer's
assigned cases (or the filtered ones) with their raw spans, already redacted as stored; every
label schema version; the reviewer's own earlier label events on those cases and their
assignments; and, as settings, the reviewer's name, the source workspace's id, the blind setting,
the package format, when it was made, the source's latest event id then (the watermark) and a
checksum of all of that. Not the redaction key, imports, audit log or any other case.

Merging (``merge_package``) checks, before writing anything, that the file is a package of
this format or older, made from this workspace, and unchanged but for label events (the
checksum); then, in one transaction, adds the events whose ids are not here yet and rebuilds
the affected cases' labels from all their events. Events are identified by id and folded in
id order, so merging is idempotent and order-independent. A conflict — the package's reviewer
changed a case here too since the package was made — keeps both histories; the fold in time
order decides (the later change of a field wins), and the case is listed.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reviewdesk.domain.errors import ReviewdeskError, WorkspaceError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import audit
from reviewdesk.services.case_rebuild import FORMAT_KEY
from reviewdesk.services.cost_estimates import ESTIMATED_WITH_KEY
from reviewdesk.services.labels import PACKAGE_REVIEWER_KEY
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage import governance, label_log, label_merge, package_store, queries
from reviewdesk.storage.engine import quick_check
from reviewdesk.storage.handles import Connection, DatabaseError
from reviewdesk.storage.label_history import newest_event_id

PACKAGE_FORMAT = 2
FILE_ENDING = ".rdpkg"
WORKSPACE_ID_KEY = "workspace.id"
BLIND_KEY = "team.blind"
_SOURCE = "package.source_workspace_id"
_FORMAT = "package.format"
_CREATED = "package.created_at"
_WATERMARK = "package.watermark"
_CHECKSUM = "package.checksum"
_SOURCE_CHECKSUM = "package.checksum.source"
_DERIVED_WITH = "package.derived_with"
_CHANGES = TypeAdapter(list[LabelChange])


class PackageError(ReviewdeskError):
    """A package that cannot be made or merged; the message says which file and why."""


@dataclass(frozen=True, slots=True)
class PackageInfo:
    path: Path
    reviewer: str
    cases: int
    events: int


def workspace_id(workspace: Workspace) -> str | None:
    with workspace.session() as session:
        value = governance.get_setting(session.connection(), WORKSPACE_ID_KEY)
    return None if value is None else str(value)


def create_package(workspace: Workspace, reviewer: str, out: Path, flt: CaseFilter | None = None) -> PackageInfo:
    """Write ``out``: the reviewer's assigned cases (or, with a filter, the matching ones)."""
    out = out.expanduser().resolve()
    if out.exists():
        raise PackageError(f"{out} exists already; choose another name or remove it")
    with workspace.session() as session:
        conn = session.connection()
        if flt is not None and flt != CaseFilter():
            rowids = [s.case_rowid for s in queries.list_cases(session, flt)]
        else:
            rowids = [rowid for rowid, _, _, _ in label_log.assignments(conn, reviewer=reviewer)]
        if not rowids:
            raise PackageError(f"no cases for {reviewer}: assign some (reviewdesk assign) or give filters")
        source_id = governance.get_setting(conn, WORKSPACE_ID_KEY)
        blind = bool(governance.get_setting(conn, BLIND_KEY))
        watermark = newest_event_id(conn) or ""
        own = label_log.events_of(conn, rowids)
    temporary = out.with_name(out.name + ".part")
    temporary.unlink(missing_ok=True)
    package = open_workspace(temporary)
    events = 0
    try:
        with workspace.session() as source, package.session() as target, target.begin():
            src, dst = source.connection(), target.connection()
            package_store.copy_schemas(src, dst)
            mapping = package_store.copy_cases(src, dst, rowids)
            mine = [
                (mapping[s.case_rowid], s.event)
                for stored in own.values()
                for s in stored
                if s.event.kind == "label" and s.event.label_of == reviewer
            ]
            label_log.append_events(dst, mine)
            label_log.rebuild(dst, sorted({rowid for rowid, _ in mine}))
            label_log.add_assignments(dst, [(mapping[r], reviewer) for r in rowids], datetime.now(UTC))
            events = len(mine)
            # The package's own redaction key and id are not the workspace's: neither goes in.
            package_store.delete_setting(dst, "redaction.secret")
            package_store.delete_setting(dst, WORKSPACE_ID_KEY)
            now = datetime.now(UTC)
            meta = {
                PACKAGE_REVIEWER_KEY: reviewer,
                _SOURCE: source_id,
                _FORMAT: PACKAGE_FORMAT,
                _CREATED: now.isoformat(),
                _WATERMARK: watermark,
                BLIND_KEY: blind,
            }
            for key, value in meta.items():
                governance.put_setting(dst, key, value, now)
            _seal(dst, now)
    finally:
        package.close()
    os.replace(temporary, out)
    for suffix in ("-wal", "-shm"):
        Path(str(temporary) + suffix).unlink(missing_ok=True)
    return PackageInfo(out, reviewer, len(rowids), events)


def _sealed(conn: Connection) -> dict[str, object]:
    found = package_store.settings(conn)
    return {
        k: v for k, v in found.items() if not k.startswith(_CHECKSUM) and (k.startswith("package.") or k == BLIND_KEY)
    }


def _derived_with(conn: Connection, settings: dict[str, object]) -> dict[str, object]:
    """What the package's case JSON and columns were derived with: schema revision, case format, prices.

    An upgrade or a case rebuild by the reviewer's reviewdesk changes one of these, and rewrites
    the cases from their spans; nothing else in reviewdesk rewrites a case.
    """
    return {
        "revision": package_store.schema_revision(conn),
        FORMAT_KEY: settings.get(FORMAT_KEY),
        ESTIMATED_WITH_KEY: settings.get(ESTIMATED_WITH_KEY),
    }


def _seal(conn: Connection, now: datetime) -> None:
    """Write the package's seal (format 2): what its cases were derived with, then both digests."""
    governance.put_setting(conn, _DERIVED_WITH, _derived_with(conn, package_store.settings(conn)), now)
    source, content = package_store.sealed_digests(conn, _sealed(conn))
    governance.put_setting(conn, _SOURCE_CHECKSUM, source, now)
    governance.put_setting(conn, _CHECKSUM, content, now)


def _seal_holds(conn: Connection, meta: dict[str, object]) -> bool:
    """Whether the package holds what it was sealed with (the rule in docs/team-review.md).

    Format 1 packages: their one digest, over the file as it is at its own revision. Format 2:
    while the cases are as they were derived (same revision, case format and prices), every
    column of every case, trace and span counts; after the reviewer's reviewdesk upgraded or
    rebuilt them, what no upgrade rewrites (settings, schemas, case and trace ids, raw spans).
    """
    sealed = _sealed(conn)
    if int(str(meta[_FORMAT])) < 2:
        return package_store.content_digest(conn, sealed) == meta.get(_CHECKSUM)
    source, content = package_store.sealed_digests(conn, sealed)
    if _derived_with(conn, meta) == meta.get(_DERIVED_WITH):
        return content == meta.get(_CHECKSUM)
    return source == meta.get(_SOURCE_CHECKSUM)


@dataclass(slots=True)
class MergeReport:
    path: Path
    reviewer: str = ""
    added: int = 0
    already_present: int = 0
    cases_not_here: int = 0
    conflicts: list[str] = field(default_factory=list)
    """Case ids the package's reviewer also changed here since the package was made."""

    def summary(self) -> str:
        """One line for the CLI and the window's merge report."""
        conflicts = f"; conflicts: {', '.join(self.conflicts)}" if self.conflicts else ""
        return (
            f"{self.path.name} ({self.reviewer}): {self.added} event(s) added, {self.already_present} already"
            f" present, {self.cases_not_here} case(s) not in this workspace{conflicts}"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "package": str(self.path),
            "reviewer": self.reviewer,
            "added": self.added,
            "already_present": self.already_present,
            "cases_not_here": self.cases_not_here,
            "conflicts": self.conflicts,
        }


def _read_package(path: Path, expected_source: str | None) -> tuple[str, str, list[tuple[Any, ...]]]:
    """``(reviewer, watermark, [(case_id, *event columns)])`` of a package, or ``PackageError`` saying why not."""
    if not path.is_file():
        raise PackageError(f"{path}: no such file")
    try:
        with package_store.reading(path) as conn:
            check = quick_check(conn)
            if check != "ok":
                raise PackageError(f"{path.name}: the file is damaged or truncated ({check})")
            meta = package_store.settings(conn)
            if _FORMAT not in meta:
                raise PackageError(
                    f"{path.name}: a workspace, not a review package (reviewdesk package create makes one)"
                )
            if int(meta[_FORMAT]) > PACKAGE_FORMAT:
                raise PackageError(
                    f"{path.name}: package format {meta[_FORMAT]} is newer than this reviewdesk's ({PACKAGE_FORMAT})"
                )
            if meta.get(_SOURCE) != expected_source:
                raise PackageError(
                    f"{path.name}: made from another workspace (id {meta.get(_SOURCE)}; this one is {expected_source})"
                )
            if not _seal_holds(conn, meta):
                raise PackageError(
                    f"{path.name}: tampered with: its cases, spans, schema or settings changed after it was made"
                )
            events = _validated(path, package_store.events(conn))
    except WorkspaceError as exc:
        text = str(exc)
        if "newer" in text:
            raise PackageError(f"{path.name}: made by a newer reviewdesk ({text}); upgrade to merge it") from None
        raise PackageError(f"{path.name}: not a readable review package: damaged or truncated ({text})") from None
    except DatabaseError as exc:
        raise PackageError(f"{path.name}: the file is damaged or truncated ({exc.orig})") from None
    return str(meta[PACKAGE_REVIEWER_KEY]), str(meta.get(_WATERMARK) or ""), events


def _validated(path: Path, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The package's events with their changes validated, once, and in the form the log stores.

    What a reviewer's reviewdesk wrote is checked like any input before it reaches the log; the
    merge then works on these plain rows (no model per event on its hot path).
    """
    try:
        changes = _CHANGES.validate_python([row[4] for row in rows])
    except ValidationError as exc:
        raise PackageError(f"{path.name}: a label event is not valid ({exc.errors()[0]['msg']})") from None
    stored = _CHANGES.dump_python(changes, mode="json", exclude_unset=True)
    valid = []
    for row, change in zip(rows, stored, strict=True):
        case_id, event_id, at, who, _, version, seconds, kind, label_of, settles = row
        if kind not in {"label", "adjudication"} or not event_id or not who:
            raise PackageError(f"{path.name}: label event {event_id} of case {case_id} is not valid")
        label = kind == "label"
        valid.append(
            (
                case_id,
                event_id,
                at,
                who,
                change,
                version,
                seconds,
                kind,
                label_of if label else None,
                None if label else list(settles or ()),
            )
        )
    return valid


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one merge.

    A merge holds a package's rows and builds about a million short-lived tuples and dicts; every
    burst of allocations started a collection that walked all live objects, a third of a
    full-size merge's CPU (bench/team_bench.py). The merge makes no reference cycles (reference
    counting frees what it builds), and the collector runs again as soon as it ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def merge_package(workspace: Workspace, path: Path) -> MergeReport:
    """Merge one package's label events into the workspace, in one transaction (or refuse it whole)."""
    path = path.expanduser().resolve()
    with _collector_paused():
        reviewer, watermark, events = _read_package(path, workspace_id(workspace))
        with workspace.session() as session, session.begin():
            merged = label_merge.merge_events(session.connection(), events, reviewer, watermark)
    return MergeReport(
        path=path,
        reviewer=reviewer,
        added=merged.added,
        already_present=merged.already_present,
        cases_not_here=merged.cases_not_here,
        conflicts=merged.conflicts,
    )


def merge_packages(workspace: Workspace, paths: list[Path]) -> list[MergeReport | PackageError]:
    """Merge each package in turn; one refused does not stop the others."""
    results: list[MergeReport | PackageError] = []
    for path in paths:
        try:
            results.append(merge_package(workspace, path))
        except PackageError as exc:
            results.append(exc)
    return results


def is_blind(workspace: Workspace) -> bool:
    """The workspace's blind-review setting (a package carries its source's)."""
    with workspace.session() as session:
        return bool(governance.get_setting(session.connection(), BLIND_KEY))


def set_blind(workspace: Workspace, on: bool, *, actor: str | None = None) -> None:
    """Turn blind review on or off (``reviewdesk team blind``, Edit → Preferences); audited."""
    with workspace.session() as session, session.begin():
        conn = session.connection()
        governance.put_setting(conn, BLIND_KEY, on, datetime.now(UTC))
        audit.record(workspace, "settings", BLIND_KEY, {"blind": on}, conn=conn, actor=actor)
