#!/usr/bin/env python
"""Team review at scale: merging review packages, and agreement over doubly-labeled cases.

    python bench/team_bench.py                         # 100,000 cases, 3 packages x 10,000 events
    python bench/team_bench.py --cases 20000 --events 2000

Setup (not timed): a workspace of ``--cases`` cases (rows written straight through the storage
layer, no spans), every case labeled by two reviewers (so agreement has 2 x cases ratings), and
three packages made with ``package create``, each holding ``--events`` new label events of its
reviewer. Timed: ``merge_package`` of the three in turn (target <= 3 s in all) and
``workspace_agreement`` over every case (target <= 2 s). Baseline, in the same run: reading
every label event row of the workspace once (what any rebuild-from-the-log has to pay). Each
figure is printed as wall and CPU seconds of this process: on a machine shared with other work,
the CPU seconds and the ratios are the figures to compare between runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from reviewdesk.domain.case import Case, Source
from reviewdesk.domain.ids import uuid7
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.team import LabelEvent
from reviewdesk.services import agreement, packages
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage import label_log, search, writes
from reviewdesk.storage.rows import case_columns
from reviewdesk.storage.tables import CaseRow, LabelEventRow

T0 = datetime(2026, 6, 1, tzinfo=UTC)
VERDICTS = ("pass", "fail", "unsure")


def build(path: Path, cases: int) -> Workspace:
    ws = open_workspace(path)
    now = datetime.now(UTC)
    with ws.session() as session, session.begin():
        conn = session.connection()
        import_rowid = None
        for start in range(0, cases, 5000):
            ids = [f"{n:032x}" for n in range(start, min(start + 5000, cases))]
            traces = writes.insert_traces(conn, ids, import_rowid)  # type: ignore[arg-type]
            rows = []
            for n, trace_id in enumerate(ids, start=start):
                case = Case(
                    case_id=f"c{n:011d}",
                    trace_id=trace_id,
                    source=Source(format="otlp-jsonl", file="bench.jsonl"),
                    workflow=f"wf{n % 7}",
                )
                rows.append(case_columns(case, traces[trace_id], now))
            writes.upsert_cases(conn, rows)
            search.index_cases(conn, rows)
        rowids = list(conn.execute(select(CaseRow.case_rowid).order_by(CaseRow.case_rowid)).scalars())
        events: list[tuple[int, LabelEvent]] = []
        for n, rowid in enumerate(rowids):
            for k, who in enumerate(("ana", "bo")):
                verdict = VERDICTS[(n * (k + 1)) % 3] if n % 4 else "fail"
                change = LabelChange(verdict=verdict, root_causes=["hallucination"] if verdict == "fail" else [])  # type: ignore[arg-type]
                at = T0 + timedelta(seconds=n, milliseconds=k)
                events.append((rowid, LabelEvent(uuid7(at), at, who, change, 1, label_of=who)))
        label_log.append_events(conn, events)
        label_log.rebuild(conn, rowids)
    return ws


def make_packages(ws: Workspace, out: Path, events: int) -> list[Path]:
    made = []
    with ws.session() as session:
        rowids = list(session.execute(select(CaseRow.case_rowid).order_by(CaseRow.case_rowid)).scalars())
    for k, who in enumerate(("cy", "dee", "eli")):
        mine = rowids[k * events : (k + 1) * events]
        with ws.session() as session, session.begin():
            label_log.add_assignments(session.connection(), [(r, who) for r in mine], datetime.now(UTC))
        path = packages.create_package(ws, who, out / f"{who}.rdpkg").path
        package = open_workspace(path)
        with package.session() as session, session.begin():
            conn = session.connection()
            ids = list(conn.execute(select(CaseRow.case_rowid)).scalars())
            at = datetime.now(UTC)
            new = [(rowid, LabelEvent(uuid7(), at, who, LabelChange(verdict="pass"), 1, label_of=who)) for rowid in ids]
            label_log.append_events(conn, new)
            label_log.rebuild(conn, ids)
        package.close()
        made.append(path)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        started = time.perf_counter()
        ws = build(base / "team.reviewdesk", args.cases)
        made = make_packages(ws, base, args.events)
        print(
            f"setup: {args.cases:,} cases x 2 reviewers, 3 packages of {args.events:,}:"
            f" {time.perf_counter() - started:.1f} s"
        )

        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        started, cpu = time.perf_counter(), time.process_time()
        with ws.session() as session:
            rows = len(session.execute(select(LabelEventRow.event_id, LabelEventRow.change)).all())
        baseline, baseline_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"baseline: read {rows:,} label event rows: {baseline:.3f} s (cpu {baseline_cpu:.3f} s)")

        started, cpu = time.perf_counter(), time.process_time()
        reports = [packages.merge_package(ws, path) for path in made]
        merge, merge_cpu = time.perf_counter() - started, time.process_time() - cpu
        added = sum(r.added for r in reports)
        print(
            f"merge 3 packages ({added:,} events added): {merge:.3f} s (cpu {merge_cpu:.3f} s)"
            f" (target <= 3 s; {merge / baseline:.1f}x baseline, cpu {merge_cpu / baseline_cpu:.1f}x)"
        )

        started, cpu = time.perf_counter(), time.process_time()
        result = agreement.workspace_agreement(ws)
        took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"agreement over {result.verdict.cases:,} cases ({result.verdict.reviewers} reviewers):"
            f" {took:.3f} s (cpu {took_cpu:.3f} s) (target <= 2 s; {took / baseline:.1f}x baseline,"
            f" cpu {took_cpu / baseline_cpu:.1f}x); verdict alpha {result.verdict.krippendorff_alpha:.3f}"
        )
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        ws.close()


if __name__ == "__main__":
    main()
