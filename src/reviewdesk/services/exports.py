"""Exporting cases through the exporter registry (the CLI and the export dialog share it)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.exporters import registry
from reviewdesk.progress import NullProgress, Progress
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import queries


@dataclass(slots=True)
class ExportResult:
    path: Path
    format: str
    cases: int


def export_cases(
    workspace: Workspace,
    format_name: str,
    out: Path,
    *,
    flt: CaseFilter | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the matching cases to ``out``; the file appears whole or not at all."""
    exporter = registry.get_exporter(format_name)
    progress = progress or NullProgress()
    flt = flt or CaseFilter()
    out = out.expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    with workspace.session() as session:
        progress.set_total(queries.count_cases(session, flt))
        progress.set_status(f"Exporting {exporter.name}")
        # Write beside the target and rename, so a failure never leaves half a file behind.
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                count = exporter.write(queries.iter_cases(session, flt), handle, progress)
            os.replace(tmp_name, out)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
    return ExportResult(path=out, format=exporter.name, cases=count)
