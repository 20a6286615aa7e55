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

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reviewdesk.domain.errors import ReviewdeskError, WorkspaceError
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.domain.team import LabelEvent
from reviewdesk.services import audit
from reviewdesk.services.labels import PACKAGE_REVIEWER_KEY
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage import governance, label_log, package_store, queries
from reviewdesk.storage.engine import quick_check
from reviewdesk.storage.handles import Connection, DatabaseError
from reviewdesk.storage.label_history import newest_event_id

PACKAGE_FORMAT = 1
FILE_ENDING = ".rdpkg"
WORKSPACE_ID_KEY = "workspace.id"
BLIND_KEY = "team.blind"
_SOURCE = "package.source_workspace_id"
_FORMAT = "package.format"
_CREATED = "package.created_at"
_WATERMARK = "package.watermark"
_CHECKSUM = "package.checksum"


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
            governance.put_setting(dst, _CHECKSUM, package_store.content_digest(dst, _sealed(dst)), now)
    finally:
        package.close()
    os.replace(temporary, out)
    for suffix in ("-wal", "-shm"):
        Path(str(temporary) + suffix).unlink(missing_ok=True)
    return PackageInfo(out, reviewer, len(rowids), events)


def _sealed(conn: Connection) -> dict[str, object]:
    found = package_store.settings(conn)
    return {k: v for k, v in found.items() if k != _CHECKSUM and (k.startswith("package.") or k == BLIND_KEY)}


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


def _read_package(path: Path, expected_source: str | None) -> tuple[str, str, list[tuple[str, LabelEvent]]]:
    """``(reviewer, watermark, [(case_id, event)])`` of a package, or ``PackageError`` saying why not."""
    if not path.is_file():
        raise PackageError(f"{path}: no such file")
    try:
        package = open_workspace(path, read_only=True)
    except WorkspaceError as exc:
        text = str(exc)
        if "newer" in text:
            raise PackageError(f"{path.name}: made by a newer reviewdesk ({text}); upgrade to merge it") from None
        raise PackageError(f"{path.name}: not a readable review package: damaged or truncated ({text})") from None
    try:
        with package.session() as session:
            conn = session.connection()
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
            if package_store.content_digest(conn, _sealed(conn)) != meta.get(_CHECKSUM):
                raise PackageError(
                    f"{path.name}: tampered with: its cases, spans, schema or settings changed after it was made"
                )
            stored = label_log.events_of(conn, package_store.all_case_rowids(conn))
            names = package_store.case_ids_of(conn, list(stored))
            events = [(names[rowid], s.event) for rowid, items in stored.items() for s in items]
    except DatabaseError as exc:
        raise PackageError(f"{path.name}: the file is damaged or truncated ({exc.orig})") from None
    finally:
        package.close()
    return str(meta[PACKAGE_REVIEWER_KEY]), str(meta.get(_WATERMARK) or ""), events


def merge_package(workspace: Workspace, path: Path) -> MergeReport:
    """Merge one package's label events into the workspace, in one transaction (or refuse it whole)."""
    path = path.expanduser().resolve()
    reviewer, watermark, events = _read_package(path, workspace_id(workspace))
    report = MergeReport(path=path, reviewer=reviewer)
    with workspace.session() as session, session.begin():
        conn = session.connection()
        rowids = label_log.case_rowids_by_id(conn, sorted({case_id for case_id, _ in events}))
        here = [(rowids[case_id], event) for case_id, event in events if case_id in rowids]
        report.cases_not_here = len({case_id for case_id, _ in events if case_id not in rowids})
        added = label_log.append_events(conn, here)
        report.added = len(added)
        report.already_present = len(here) - len(added)
        changed: dict[int, set[str | None]] = {}
        for rowid, event in added:
            changed.setdefault(rowid, set()).add(
                None if event.kind == "adjudication" else event.label_of or event.reviewer
            )
        if changed:
            package_ids = [event.event_id for _, event in here]
            conflicted = label_log.cases_changed_since(conn, sorted(changed), reviewer, watermark, exclude=package_ids)
            names = package_store.case_ids_of(conn, sorted(conflicted))
            report.conflicts = sorted(names[rowid] for rowid in conflicted)
            label_log.rebuild_changed(conn, changed)
    return report


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
