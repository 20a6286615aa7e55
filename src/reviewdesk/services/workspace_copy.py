"""``reviewdesk workspace copy SRC DST``: a workspace moved between files and servers, losslessly.

Either side is a file (SQLite) or a ``postgresql://`` URL. The destination is created (or
upgraded) to this version's schema and must hold no imports, traces, cases, label events,
audit lines or assignments: a copy never merges. Everything is copied in one transaction of the
destination — a failed copy leaves it as empty as it was — and then checked: row counts per table
and a checksum over every label and label event (``storage.copy.checksum``), computed from what
each side stores, must be equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewdesk.domain.errors import ReviewdeskError, WorkspaceError
from reviewdesk.paths import WorkspaceLocation
from reviewdesk.progress import NullProgress, Progress
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import copy, search
from reviewdesk.storage.engine import begin_write


@dataclass
class CopyResult:
    source: str
    destination: str
    counts: dict[str, int] = field(default_factory=dict)
    """Rows per table in the source (and, checked equal, in the destination)."""
    source_checksum: str = ""
    destination_checksum: str = ""


def copy_workspace(
    source: WorkspaceLocation, destination: WorkspaceLocation, progress: Progress | None = None
) -> CopyResult:
    """Copy every row of ``source`` into the new or empty workspace ``destination``."""
    progress = progress or NullProgress()
    src = open_workspace(source)
    try:
        dst = open_workspace(destination, read_only=False)
    except BaseException:
        src.close()
        raise
    try:
        if src.location == dst.location:
            raise WorkspaceError(f"{src.location}: source and destination are the same workspace")
        result = CopyResult(source=src.location, destination=dst.location)
        with dst.engine.connect() as conn:
            present = copy.content_rows(conn)
        if present:
            held = ", ".join(f"{n} {table}" for table, n in present.items())
            raise WorkspaceError(
                f"{dst.location} is not empty ({held}): a copy goes into a new or empty workspace only, so"
                " nothing was copied. Give another destination, or empty this one first."
            )
        with src.engine.connect() as source_conn, begin_write(dst.engine) as dest_conn:
            result.counts = copy.counts(source_conn)
            progress.set_total(sum(result.counts.values()))
            done_before: dict[str, int] = {}

            def moved(table: str, done: int) -> None:
                progress.set_status(f"copying {table}")
                progress.advance(done - done_before.get(table, 0))
                done_before[table] = done

            copied = copy.copy_rows(source_conn, dest_conn, moved)
            progress.set_status("rebuilding the search index")
            search.rebuild_index(dest_conn)
            result.source_checksum = copy.checksum(source_conn)
            result.destination_checksum = copy.checksum(dest_conn)
            after = copy.counts(dest_conn)
            if (
                copied != result.counts
                or after != result.counts
                or result.source_checksum != result.destination_checksum
            ):
                raise ReviewdeskError(
                    f"the copy into {dst.location} does not match {src.location} (counts {after} against"
                    f" {result.counts}); nothing was kept"
                )
        return result
    finally:
        src.close()
        dst.close()
