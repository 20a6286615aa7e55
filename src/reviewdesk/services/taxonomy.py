"""Editing a workspace's taxonomy and rubric (``reviewdesk taxonomy``, Edit → Taxonomy…).

Every edit adds a label-schema version (``domain.taxonomy`` says what each edit means). Labels
keep the version they were made under; a rename rebuilds the labels of the cases whose events
name the old id, so filters, insights and exports read the new one at once, while the event log
keeps what was written. Each change is one transaction with its audit entry.

The rubric is the workspace's review guideline, plain text shown beside the label form; it is a
workspace setting (``review.rubric``), not part of the schema, so rewording it makes no version.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reviewdesk.domain.errors import FormatError, UsageError
from reviewdesk.domain.labels import RootCause
from reviewdesk.domain.taxonomy import Taxonomy, default_cause
from reviewdesk.services import audit
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import governance, label_log, label_schemas
from reviewdesk.storage.engine import begin_write

RUBRIC_KEY = "review.rubric"
RUBRIC_MAX_CHARS = 20_000
"""A guideline, not a manual: long enough for a page of criteria, short enough to read beside a case."""


@dataclass(frozen=True, slots=True)
class TaxonomyChange:
    """What an edit made: the new version, in words, and how many cases' labels were re-read."""

    taxonomy: Taxonomy
    summary: str
    relabeled_cases: int


@dataclass(frozen=True, slots=True)
class VersionInfo:
    taxonomy: Taxonomy
    created_at: datetime
    label_events: int


def current(workspace: Workspace) -> Taxonomy:
    with workspace.engine.connect() as conn:
        return label_schemas.latest(conn)


def versions(workspace: Workspace) -> list[VersionInfo]:
    """Every version, oldest first, with how many label events were made under it."""
    with workspace.engine.connect() as conn:
        counts = label_schemas.labels_by_version(conn)
        return [VersionInfo(t, at, counts.get(t.version, 0)) for t, at in label_schemas.all_versions(conn)]


def _change(
    workspace: Workspace, edit: Callable[[Taxonomy], Taxonomy], summary: str, *, actor: str | None
) -> TaxonomyChange:
    if workspace.read_only:
        raise UsageError(f"taxonomy not changed: the workspace is read-only ({workspace.read_only_reason})")
    with begin_write(workspace.engine) as conn:
        before = label_schemas.latest(conn)
        after = edit(before)
        label_schemas.add(conn, after, datetime.now(UTC))
        # A rename changes how stored events read: refold the cases whose events name an old id.
        rebuilt = label_schemas.cases_mentioning(conn, sorted(after.former_names() - before.former_names()))
        if rebuilt:
            label_log.rebuild(conn, rebuilt)
        audit.record(
            workspace,
            "taxonomy",
            f"label schema v{after.version}",
            {"summary": summary, "before": before.to_json(), "after": after.to_json()},
            conn=conn,
            actor=actor,
        )
    return TaxonomyChange(after, summary, len(rebuilt))


def add_root_cause(
    workspace: Workspace,
    root_cause_id: str,
    *,
    title: str | None = None,
    layer: str | None = None,
    description: str | None = None,
    after: str | None = None,
    actor: str | None = None,
) -> TaxonomyChange:
    """A new root cause; an id of the default taxonomy (``provider_error``) needs nothing more."""
    known = default_cause(root_cause_id)
    if title is None and known is None:
        raise UsageError(f"taxonomy not changed: give {root_cause_id!r} a title (--title)")
    cause = RootCause(
        id=root_cause_id,
        layer=(layer or (known.layer if known else "Other")).strip(),
        title=(title or (known.title if known else "")).strip(),
        description=(description if description is not None else (known.description if known else "")).strip(),
    )
    return _change(workspace, lambda t: t.add(cause, after=after), f"added root cause {root_cause_id}", actor=actor)


def add_score(workspace: Workspace, name: str, *, actor: str | None = None) -> TaxonomyChange:
    return _change(workspace, lambda t: t.add_score(name), f"added score {name}", actor=actor)


def rename_root_cause(
    workspace: Workspace,
    root_cause_id: str,
    *,
    new_id: str | None = None,
    title: str | None = None,
    description: str | None = None,
    layer: str | None = None,
    actor: str | None = None,
) -> TaxonomyChange:
    parts = [f"id → {new_id}" if new_id and new_id != root_cause_id else ""]
    parts += [f"title → {title!r}" if title is not None else "", "description" if description is not None else ""]
    parts += [f"layer → {layer!r}" if layer else ""]
    summary = f"renamed root cause {root_cause_id}: " + ", ".join(p for p in parts if p)
    return _change(
        workspace,
        lambda t: t.rename(root_cause_id, new_id=new_id, title=title, description=description, layer=layer),
        summary,
        actor=actor,
    )


def rename_score(workspace: Workspace, name: str, new_name: str, *, actor: str | None = None) -> TaxonomyChange:
    return _change(
        workspace, lambda t: t.rename_score(name, new_name), f"renamed score {name} → {new_name}", actor=actor
    )


def retire_root_cause(workspace: Workspace, root_cause_id: str, *, actor: str | None = None) -> TaxonomyChange:
    return _change(workspace, lambda t: t.retire(root_cause_id), f"retired root cause {root_cause_id}", actor=actor)


def restore_root_cause(workspace: Workspace, root_cause_id: str, *, actor: str | None = None) -> TaxonomyChange:
    return _change(
        workspace, lambda t: t.restore(root_cause_id), f"offered root cause {root_cause_id} again", actor=actor
    )


def retire_score(workspace: Workspace, name: str, *, actor: str | None = None) -> TaxonomyChange:
    return _change(workspace, lambda t: t.retire_score(name), f"retired score {name}", actor=actor)


def read_taxonomy_file(path: Path) -> dict[str, Any]:
    """A taxonomy file: JSON (what ``taxonomy show --json`` prints) or TOML; refused by name."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        if path.suffix.lower() == ".toml":
            data: Any = tomllib.loads(raw.decode("utf-8"))
        else:
            data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        kind = "TOML" if path.suffix.lower() == ".toml" else "JSON"
        raise FormatError(f"{path}: not a taxonomy file ({kind}: {exc})") from None
    if not isinstance(data, dict):
        raise FormatError(f"{path}: a taxonomy file is an object with root_causes and scores")
    return data


def import_taxonomy(workspace: Workspace, path: Path, *, actor: str | None = None) -> TaxonomyChange:
    """The taxonomy a file describes becomes the next version (causes it leaves out are retired)."""
    data = read_taxonomy_file(path)
    return _change(
        workspace, lambda t: t.imported(data, source=str(path)), f"imported taxonomy from {path.name}", actor=actor
    )


def import_data(workspace: Workspace, data: dict[str, Any], *, source: str, actor: str | None = None) -> TaxonomyChange:
    """As ``import_taxonomy``, from data already read (the dialog's edited table)."""
    return _change(workspace, lambda t: t.imported(data, source=source), f"edited taxonomy ({source})", actor=actor)


# --- rubric ---------------------------------------------------------------------------------------


def rubric(workspace: Workspace) -> str:
    """The workspace's review guideline ('' when none is set)."""
    with workspace.engine.connect() as conn:
        value = governance.get_setting(conn, RUBRIC_KEY)
    return str(value.get("text", "")) if isinstance(value, dict) else ""


def set_rubric(workspace: Workspace, text: str, *, actor: str | None = None) -> str:
    """Store the rubric ('' removes it); audited like every setting."""
    if workspace.read_only:
        raise UsageError(f"rubric not changed: the workspace is read-only ({workspace.read_only_reason})")
    clean = text.replace("\r\n", "\n").strip()
    if len(clean) > RUBRIC_MAX_CHARS:
        raise UsageError(f"rubric not changed: {len(clean):,} characters, at most {RUBRIC_MAX_CHARS:,}")
    with begin_write(workspace.engine) as conn:
        before = governance.get_setting(conn, RUBRIC_KEY)
        now = datetime.now(UTC)
        if clean:
            governance.put_setting(conn, RUBRIC_KEY, {"text": clean}, now)
        else:
            governance.delete_setting(conn, RUBRIC_KEY)
        audit.record(
            workspace,
            "settings",
            RUBRIC_KEY,
            {"before": before, "after": {"text": clean} if clean else None},
            conn=conn,
            actor=actor,
        )
    return clean
