"""The redaction key: the HMAC key that keeps placeholders stable, kept outside the workspace file.

Placeholder numbers are remembered by keyed hashes of the values (``redaction_tokens``). With
the key, anyone holding the workspace could hash guesses of low-entropy values (the phone
numbers of one exchange, the addresses of one /16) and look them up; so the key lives in the
user's data directory, in ``keys/<workspace id>.key`` (0600, in a 0700 folder), and the workspace
holds only its random id (setting ``workspace.id``). Copying, sending or exporting the workspace
never carries the key (docs/adr/0008-redaction-key-outside-the-workspace.md).

Workspaces made before this kept the key in the setting ``redaction.secret``; opening one for
writing moves it out (``move_key_out``): key file first, then the row is deleted with
``secure_delete`` and the write-ahead log emptied, so placeholders continue where they were and
the key is gone from the file's bytes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reviewdesk import paths
from reviewdesk.domain.errors import WorkspaceError
from reviewdesk.storage import governance
from reviewdesk.storage.engine import begin_write, secure_delete, truncate_wal
from reviewdesk.storage.handles import Connection

if TYPE_CHECKING:
    from reviewdesk.services.workspace import Workspace  # which opens workspaces through this module

WORKSPACE_ID = "workspace.id"
LEGACY_KEY = "redaction.secret"
"""Where workspaces of schema 0003 kept the key (migration 0003 still makes it; it is moved out on open)."""


def key_path(workspace_id: str) -> Path:
    return paths.redaction_keys_dir() / f"{workspace_id}.key"


def workspace_id(workspace: Workspace) -> str:
    """The workspace's random id, made on first use (it names the key file; it is no secret)."""
    with workspace.engine.connect() as conn:
        stored = governance.get_setting(conn, WORKSPACE_ID)
    if isinstance(stored, str):
        return stored
    with begin_write(workspace.engine) as conn:
        return _ensure_id(conn)


def _ensure_id(conn: Connection) -> str:
    stored = governance.get_setting(conn, WORKSPACE_ID)
    if isinstance(stored, str):
        return stored
    made = uuid.uuid4().hex
    governance.put_setting(conn, WORKSPACE_ID, made, datetime.now(UTC))
    return made


def load_key(workspace: Workspace) -> bytes:
    """The workspace's key, from its key file; a new key if there is none yet.

    A workspace whose key file is not on this machine (copied from someone else, or the data
    directory lost) gets a new key: values redacted from now on are numbered anew within traces
    that were imported before — a placeholder may then repeat a number for another value of the
    same kind across the two imports. Nothing already stored changes.
    """
    identifier = workspace_id(workspace)
    existing = _read(key_path(identifier))
    if existing is not None:
        return existing
    return _write_once(key_path(identifier), secrets.token_bytes(32))


def move_key_out(workspace: Workspace) -> bool:
    """Move a key kept in the workspace (schema 0003) to its key file; whether there was one.

    Crash-safe in this order: the key file is written (or found holding the same key) before the
    row is deleted, so a kill in between leaves the key in both places and the next open finishes.
    """
    with workspace.engine.connect() as conn:
        legacy = governance.get_setting(conn, LEGACY_KEY)
    if not isinstance(legacy, str):
        return False
    key = bytes.fromhex(legacy)
    identifier = workspace_id(workspace)
    if _write_once(key_path(identifier), key) != key:
        # Another workspace already uses this id (a copy made before either was opened, then
        # given its own key): this one takes a new id for its own key.
        with begin_write(workspace.engine) as conn:
            identifier = uuid.uuid4().hex
            governance.put_setting(conn, WORKSPACE_ID, identifier, datetime.now(UTC))
        _write_once(key_path(identifier), key)
    with begin_write(workspace.engine) as conn:
        secure_delete(conn)  # the freed cell is zeroed, not left in a free page
        governance.delete_setting(conn, LEGACY_KEY)
    truncate_wal(workspace.engine)  # the old page leaves the WAL too
    return True


def _read(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WorkspaceError(f"cannot read the redaction key {path}: {exc.strerror or exc}") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise WorkspaceError(f"the redaction key {path} is damaged (not a hex key)") from None
    if len(key) < 16:
        raise WorkspaceError(f"the redaction key {path} is damaged (too short)")
    return key


def _write_once(path: Path, key: bytes) -> bytes:
    """Create ``path`` holding ``key`` unless it exists; the key the file holds afterwards.

    Written to a temporary file and linked into place, so two processes making the key of one
    workspace at once agree on one (the second link fails and that process reads the first's).
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(key.hex() + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # made by another process: theirs is read below
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    except OSError as exc:
        raise WorkspaceError(f"cannot write the redaction key {path}: {exc.strerror or exc}") from None
    stored = _read(path)
    if stored is None:
        raise WorkspaceError(f"the redaction key {path} vanished while it was written")
    return stored
