#!/usr/bin/env python
"""PostgreSQL workspaces (issue 11): import against SQLite, the queue and search on a big workspace,
and the two ways PostgreSQL could search (tsvector + GIN, which reviewdesk uses, or pg_trgm).

    python bench/pg_bench.py                          # 20,000 traces; queue and search at 200,000 cases
    python bench/pg_bench.py --cases 1000000          # the issue's size
    python bench/pg_bench.py --traces 5000 --cases 50000 --trgm-cases 50000   # a quick look
    python bench/pg_bench.py --traces 2000 --cases 1000000 --keep-db /work/pg1m   # build once, keep it
    python bench/pg_bench.py --reuse-db /work/pg1m    # measure that build again (upgraded on open)

It starts its own PostgreSQL server (tools/pg_server.py) with PostgreSQL's default durability
(every commit flushed, as SQLite's ``synchronous=FULL`` flushes), in a temporary folder it removes;
with ``--keep-db DIR`` in DIR, which it keeps (the server's data, the trace file, the SQLite
workspace and ``bench.json``: what was built and the import's figures), and ``--reuse-db DIR``
skips steps 1-3 and measures what DIR holds, after the Alembic upgrade of this checkout and ANALYZE.

1. **Import**: the same seeded OTLP file of ``--traces`` traces (bench/import_bench.py's generator)
   imported with ``import_files`` into a new SQLite file and into a new PostgreSQL database, in this
   run; the ratio is PostgreSQL's throughput over SQLite's (target ≥ 0.5).
2. **Big workspace**: the imported cases are copied inside the database until it holds ``--cases``
   cases (new trace and case ids, started times shifted by a day per copy, the search words and the
   filterable columns copied; the copies' case JSON is a stub, which neither the queue nor search
   reads). Then, median of ``--runs``: the first queue page as the window asks for it (the queue
   bar's figures — count and reviewed up to ``review.COUNT_CAP``, the listing order — then the
   first 100 ids and their summaries), and searches for a common word, a rarer one and two words.
3. **tsvector or pg_trgm** at ``--trgm-cases`` cases: index build time and size, and the same
   searches with a trigram GIN index over the folded text (``LIKE '%word%'``).
4. **Save → next case** on the big workspace: one label written (``record_label``) and the next
   case read as the window shows it (``load_detail``), median of ``--runs`` (target ≤ 30 ms).
5. **Reviewers at once**: after ``team init``, ``--reviewers`` logins (role reviewer) each run
   tools/team_labeler.py as their own process, started together, ``--labels`` label writes each on
   the big workspace; the p50/p95 of every write, against one reviewer alone in the same run
   (the baseline; target p95 ≤ 30 ms with 8), and the statements and BEGIN … COMMIT each write
   sent (counted in the reviewer processes).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

if __package__ in (None, ""):  # run as a script: the checkout's bench/ and tools/ are importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.import_bench import generate
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import imports, labels, review, roles
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage import search, search_words
from tools import pg_server

PAGE = 100


def _median_ms(run: Callable[[], Any], runs: int) -> float:
    run()  # warm the cache as a reviewer's second look would
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def timed_import(ws: Workspace, path: Path) -> float:
    started = time.perf_counter()
    result = imports.import_files(ws, [path])
    elapsed = time.perf_counter() - started
    assert all(s.ok for s in result.files), [s.failed for s in result.files]
    return elapsed


_COPIES = "generate_series(CAST(:first AS integer), CAST(:last AS integer))"  # the copy numbers of one statement


def grow(ws: Workspace, target: int) -> int:
    """Copy the workspace's cases inside PostgreSQL until it holds ``target`` cases; the count.

    The copies are made in about ten statements per table, each a range of copy numbers
    (``generate_series``): one hash join per statement instead of one per copy, whose cost grew
    with the table (a first version, one copy per statement, slowed to ~150 cases/s at 300,000).
    """
    with ws.engine.begin() as conn:
        base = int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
        top = int(conn.execute(text("SELECT max(trace_rowid) FROM traces")).scalar_one())
    copies = max(0, -(-target // base) - 1)
    step = max(1, -(-copies // 10))
    with _indexes_rebuilt_after(ws, ("traces", "cases", "case_search")):
        _copy(ws, base, top, copies, step)
    with ws.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        return int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())


@contextlib.contextmanager
def _indexes_rebuilt_after(ws: Workspace, tables: tuple[str, ...]) -> Iterator[None]:
    """Drop the secondary indexes of ``tables`` for the block and build them again from their own
    definitions afterwards (``pg_indexes.indexdef``: the migrations' indexes, exactly).

    Keeping a GIN and a dozen b-trees up to date row by row made the copy to 1,000,000 cases
    take about 25 CPU minutes; one sorted build per index afterwards is a fraction of that.
    Indexes behind a constraint (primary keys, unique ids) stay: the copy's joins use them.
    """
    with ws.engine.begin() as conn:
        kept = conn.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema()"
                " AND i.tablename = ANY(:tables) AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
            ),
            {"tables": list(tables)},
        ).all()
        for name, _ in kept:
            conn.execute(text(f'DROP INDEX "{name}"'))
    yield
    with ws.engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
        for name, definition in kept:
            print(f"  building {name} ...", end="\r", flush=True)
            conn.execute(text(definition))


def _copy(ws: Workspace, base: int, top: int, copies: int, step: int) -> None:
    for first in range(1, copies + 1, step):
        last = min(copies, first + step - 1)
        values = {"first": first, "last": last, "top": top}
        with ws.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO traces (trace_id, span_count) SELECT trace_id || '.' || k, span_count"
                    f" FROM traces, {_COPIES} AS k WHERE trace_rowid <= :top"
                    " ORDER BY k, trace_rowid"
                ),
                values,
            )
            conn.execute(
                text(
                    "INSERT INTO cases (case_id, trace_rowid, workflow, release, session_id, user_id, tenant,"
                    " started_at, latency_ms, status, error_type, model, provider, input_tokens, output_tokens,"
                    " total_tokens, cost_usd, estimated_cost_usd, tool_calls, tool_errors, documents, user_request,"
                    " output, source_format, source_file, data, updated_at)"
                    " SELECT c.case_id || '.' || k, t.trace_rowid, c.workflow, c.release, c.session_id, c.user_id,"
                    " c.tenant, c.started_at + make_interval(days => k), c.latency_ms, c.status, c.error_type,"
                    " c.model, c.provider, c.input_tokens, c.output_tokens, c.total_tokens, c.cost_usd,"
                    " c.estimated_cost_usd, c.tool_calls, c.tool_errors, c.documents, c.user_request, c.output,"
                    " c.source_format, c.source_file, '{}', c.updated_at"
                    " FROM cases c JOIN traces t0 ON t0.trace_rowid = c.trace_rowid"
                    f" CROSS JOIN {_COPIES} AS k"
                    " JOIN traces t ON t.trace_id = t0.trace_id || '.' || k WHERE t0.trace_rowid <= :top"
                ),
                values,
            )
            conn.execute(
                text(
                    "INSERT INTO case_search (rowid, words) SELECT n.case_rowid, s.words FROM case_search s"
                    f" JOIN cases c ON c.case_rowid = s.rowid CROSS JOIN {_COPIES} AS k"
                    " JOIN cases n ON n.case_id = c.case_id || '.' || k WHERE c.trace_rowid <= :top"
                ),
                values,
            )
        print(f"  grown to {base * (last + 1):,} cases", end="\r", flush=True)


def common_words(ws: Workspace) -> tuple[str, str]:
    """A word in about half the cases and one in about 1 %, from the index itself."""
    with ws.engine.connect() as conn:
        total = int(conn.execute(text("SELECT count(*) FROM case_search")).scalar_one())
        rows = conn.execute(
            text(
                "SELECT word, ndoc FROM ts_stat('SELECT words FROM case_search WHERE rowid <= 2000')"
                " WHERE length(word) >= 4 ORDER BY ndoc DESC"
            )
        ).all()
    sample = min(total, 2000)
    common = min(rows, key=lambda r: abs(r[1] / sample - 0.5))[0]
    rare = min(rows, key=lambda r: abs(r[1] / sample - 0.01))[0]
    return str(common), str(rare)


def queue_figures(ws: Workspace, words: tuple[str, str], runs: int) -> dict[str, float]:
    def first_page(flt: CaseFilter) -> Callable[[], Any]:
        def run() -> None:
            # What the window asks for: the queue bar's figures (count and reviewed, up to
            # review.COUNT_CAP; the listing order), the first page's ids and their rows.
            review.queue_info(ws, flt)
            review.summaries(ws, review.queue_page(ws, flt, limit=PAGE))

        return run

    common, rare = words
    return {
        "first queue page (count + 100 rows)": _median_ms(first_page(CaseFilter()), runs),
        "queue page sorted by cost": _median_ms(first_page(CaseFilter(sort="cost", descending=True)), runs),
        f"search common word '{common}'": _median_ms(first_page(CaseFilter(text=common)), runs),
        f"search rarer word '{rare}'": _median_ms(first_page(CaseFilter(text=rare)), runs),
        f"search two words '{common} {rare}'": _median_ms(first_page(CaseFilter(text=f"{common} {rare}")), runs),
    }


def trigram_comparison(ws: Workspace, limit: int, words: tuple[str, str], runs: int) -> dict[str, str]:
    """Build a pg_trgm index over the same folded text, and time both indexes' searches."""
    with ws.engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text("CREATE TABLE bench_trgm (rowid BIGINT PRIMARY KEY, body TEXT NOT NULL)"))
        # The trigram index has to hold the whole folded text (substring search), not the word prefixes.
        full = conn.execute(
            text(
                "SELECT case_rowid, case_id, user_request, output, workflow, session_id, user_id, tenant, data"
                " FROM cases WHERE case_rowid IN (SELECT rowid FROM case_search ORDER BY rowid LIMIT :n)"
            ),
            {"n": limit},
        ).all()
        bodies = []
        for row in full:
            bodies.append({"rowid": row[0], "body": search.fold(search_words.case_text(dict(row._mapping)))})
        conn.execute(text("INSERT INTO bench_trgm (rowid, body) VALUES (:rowid, :body)"), bodies)
        conn.execute(
            text("CREATE TABLE bench_tsv AS SELECT rowid, words FROM case_search ORDER BY rowid LIMIT :n"), {"n": limit}
        )
    timings: dict[str, str] = {}
    with ws.engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(text("CREATE INDEX bench_tsv_gin ON bench_tsv USING gin (words)"))
        tsv_build = time.perf_counter() - started
        started = time.perf_counter()
        conn.execute(text("CREATE INDEX bench_trgm_gin ON bench_trgm USING gin (body gin_trgm_ops)"))
        trgm_build = time.perf_counter() - started
        tsv_size = conn.execute(text("SELECT pg_relation_size('bench_tsv_gin')")).scalar_one()
        trgm_size = conn.execute(text("SELECT pg_relation_size('bench_trgm_gin')")).scalar_one()
        conn.execute(text("ANALYZE bench_tsv"))
        conn.execute(text("ANALYZE bench_trgm"))
    timings["cases"] = f"{len(bodies):,}"
    timings["index build (tsvector / trigram)"] = f"{tsv_build:.1f} s / {trgm_build:.1f} s"
    timings["index size (tsvector / trigram)"] = f"{tsv_size / 1e6:.0f} MB / {trgm_size / 1e6:.0f} MB"
    by_tsv = text("SELECT count(*) FROM bench_tsv WHERE words @@ CAST(:q AS tsquery)")
    by_trgm = text("SELECT count(*) FROM bench_trgm WHERE body LIKE :p")
    for word in words:
        with ws.engine.connect() as conn:
            tsq, pattern = search.ts_query(word), f"%{word}%"

            def tsv(q: str = tsq) -> Any:
                return conn.execute(by_tsv, {"q": q}).scalar()

            def trgm(p: str = pattern) -> Any:
                return conn.execute(by_trgm, {"p": p}).scalar()

            found = (tsv(), trgm())
            timings[f"count '{word}' (tsvector / trigram)"] = (
                f"{_median_ms(tsv, runs):.0f} ms / {_median_ms(trgm, runs):.0f} ms ({found[0]:,} / {found[1]:,} cases)"
            )
    with ws.engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_trgm, bench_tsv"))
    return timings


def save_next_ms(ws: Workspace, runs: int) -> float:
    """Median of: label one imported case, then read the next one as the window shows it."""
    with ws.engine.connect() as conn:
        rowids = [
            int(r)
            for r in conn.execute(
                text("SELECT case_rowid FROM cases WHERE position('.' in case_id) = 0 ORDER BY case_rowid LIMIT :n"),
                {"n": runs + 2},
            ).scalars()
        ]
        ids = dict(
            conn.execute(text("SELECT case_rowid, case_id FROM cases WHERE case_rowid = ANY(:r)"), {"r": rowids}).all()
        )
    verdicts = ("pass", "fail", "unsure")
    step = iter(range(10**6))

    def save_then_next() -> None:
        n = next(step) % (len(rowids) - 1)
        labels.record_label(ws, ids[rowids[n]], LabelChange(verdict=verdicts[n % 3]), reviewer="bench")
        review.load_detail(ws, rowids[n + 1])

    return _median_ms(save_then_next, runs)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Writes:
    """What ``reviewers_at_once`` measured: every write's time, and what the writes sent to the server."""

    latencies_ms: list[float]
    statements: float
    """Statements per label write (the reviewer processes' ``before_cursor_execute`` events)."""
    transactions: float
    """Transactions per label write that the server sees begin and commit (two more round trips each)."""


def reviewers_at_once(server: pg_server.Server, database: str, reviewers: int, count: int) -> Writes:
    """Every label write's time (ms) of ``reviewers`` processes labeling at once, ``count`` each."""
    repo = Path(__file__).resolve().parent.parent
    password = "bench-Reviewer-pw"
    logins = [f"bench_rev{n}" for n in range(reviewers)]
    owner = open_workspace(server.url(database))
    try:
        roles.set_up(owner)
        for login in logins:
            roles.add_user(owner, login, "reviewer", password)
    finally:
        owner.close()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tools.team_labeler", server.url(database, user=login, password=password),
             str(count), "--cases", "200"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=repo,
            env={**os.environ, "PYTHONPATH": str(repo)},
        )
        for login in logins
    ]  # fmt: skip
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "READY"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    latencies: list[float] = []
    statements = transactions = 0
    for child in children:
        out, _ = child.communicate()
        report = json.loads(out.strip().splitlines()[-1])
        assert not report["errors"], report["errors"][:3]
        latencies.extend(report["latencies_ms"])
        statements += report["statements"]
        transactions += report["transactions"]
    return Writes(latencies, statements / len(latencies), transactions / len(latencies))


def print_writes(alone: Writes, together: Writes, reviewers: int, what: str) -> None:
    a, t = alone.latencies_ms, together.latencies_ms
    print(f"\nlabel writes, {what} (target p95 <= 30 ms with {reviewers}):")
    print(
        f"  sent per write: {together.statements:.1f} statements, {together.transactions:.1f} BEGIN...COMMIT"
        " (before the write path of issue 11 item 3: 15 statements + 3 pings, 3 BEGIN...COMMIT)"
    )
    print(f"  1 reviewer alone (baseline):   p50 {_p(a, 0.5):6.1f} ms   p95 {_p(a, 0.95):6.1f} ms")
    print(
        f"  {reviewers} reviewers at once:         p50 {_p(t, 0.5):6.1f} ms   p95 {_p(t, 0.95):6.1f} ms"
        f"   ({_p(t, 0.95) / _p(a, 0.95):.1f}x the baseline p95; {len(t):,} writes)"
    )


BUILT = "bench.json"
"""What ``--keep-db`` built, in its folder: the sizes and the import figures of that run."""


def build(server: pg_server.Server, folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Import into SQLite and PostgreSQL (files in ``folder``), then grow the PostgreSQL workspace."""
    data = folder / f"traces-{args.traces}.jsonl"
    print(f"generating {args.traces:,} traces ...", flush=True)
    generate({args.traces: data}, args.seed)
    print(f"file: {data.stat().st_size / 1e6:.0f} MB")
    sqlite_ws = open_workspace(folder / "bench.reviewdesk")
    sqlite_s = timed_import(sqlite_ws, data)
    sqlite_ws.close()
    print(f"SQLite import:     {sqlite_s:6.1f} s  ({args.traces / sqlite_s:,.0f} traces/s)", flush=True)
    server.execute("CREATE DATABASE bench")
    pg_ws = open_workspace(server.url("bench"))
    try:
        pg_s = timed_import(pg_ws, data)
        print(f"PostgreSQL import: {pg_s:6.1f} s  ({args.traces / pg_s:,.0f} traces/s)")
        print(f"PostgreSQL / SQLite throughput: {sqlite_s / pg_s:.2f}x (target >= 0.5x)\n", flush=True)
        if args.trgm_cases:
            # On the imported cases (whole case JSON), before the copies with stub JSON are added.
            limit = min(args.trgm_cases, args.traces)
            print(f"tsvector + GIN (reviewdesk) against pg_trgm, on {limit:,} imported cases:")
            for name, value in trigram_comparison(pg_ws, limit, common_words(pg_ws), args.runs).items():
                print(f"  {name:<45} {value}")
        started = time.perf_counter()
        size = grow(pg_ws, args.cases)
        print(f"grown to {size:,} cases in {time.perf_counter() - started:.0f} s" + " " * 20)
    finally:
        pg_ws.close()
    return {
        "traces": args.traces,
        "cases": size,
        "seed": args.seed,
        "sqlite_import_s": round(sqlite_s, 2),
        "pg_import_s": round(pg_s, 2),
        "built": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def reopen(server: pg_server.Server, folder: Path) -> dict[str, Any]:
    """A workspace built by ``--keep-db``: opening it upgrades it to this checkout's schema."""
    built = folder / BUILT
    if not built.exists():
        raise SystemExit(f"{folder}: no {BUILT} (a --keep-db run makes it when its build finishes): build it first")
    facts: dict[str, Any] = json.loads(built.read_text())
    for location in (folder / "bench.reviewdesk", server.url("bench")):
        open_workspace(location).close()  # the Alembic upgrade of each, when this checkout has new revisions
    with psycopg_autocommit(server) as conn:
        conn.execute(b"ANALYZE")  # what an upgrade's new indexes need before the planner trusts them
    print(
        f"reusing {folder} (built {facts['built']}: {facts['cases']:,} cases from {facts['traces']:,} traces);"
        f" its import: SQLite {facts['sqlite_import_s']:.1f} s, PostgreSQL {facts['pg_import_s']:.1f} s,"
        f" PostgreSQL / SQLite throughput {facts['sqlite_import_s'] / facts['pg_import_s']:.2f}x (target >= 0.5x)\n"
    )
    return facts


@contextlib.contextmanager
def psycopg_autocommit(server: pg_server.Server) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(server.dsn("bench"), autocommit=True) as conn:
        yield conn


def measure(server: pg_server.Server, folder: Path, size: int, args: argparse.Namespace) -> None:
    """Queue, search and save → next on the big workspace; the small SQLite one for scale."""
    pg_ws = open_workspace(server.url("bench"))
    words = common_words(pg_ws)
    sqlite_ws = open_workspace(folder / "bench.reviewdesk")
    small = queue_figures(sqlite_ws, words, args.runs)
    sqlite_ws.close()
    print(f"queue and search, median of {args.runs}, on PostgreSQL with {size:,} cases (target <= 150 ms):")
    big = queue_figures(pg_ws, words, args.runs)
    for name, ms in big.items():
        print(f"  {name:<45} {ms:8.1f} ms")
    print(
        f"(the same on the {args.traces:,}-case SQLite workspace, for scale:"
        f" {', '.join(f'{ms:.0f}' for ms in small.values())} ms)"
    )
    print(f"  {'save -> next case (label + read the next)':<45} {save_next_ms(pg_ws, args.runs * 4):8.1f} ms")
    pg_ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--traces", type=int, default=20_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--trgm-cases", type=int, default=20_000, help="at most --traces (imported cases only)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reviewers", type=int, default=8, help="reviewer processes labeling at once")
    parser.add_argument("--labels", type=int, default=300, help="label writes per reviewer")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument(
        "--keep-db", type=Path, metavar="DIR", help="build in a server whose data stays in DIR, for --reuse-db"
    )
    kept.add_argument(
        "--reuse-db",
        type=Path,
        metavar="DIR",
        help="measure the workspace a --keep-db DIR run built (upgraded on open): no import, no copy;"
        " --traces and --cases are the build's",
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        folder = args.keep_db or args.reuse_db
        if folder is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rd-pgbench-")))
            server = stack.enter_context(pg_server.running_server(durable=True))
        else:
            server = stack.enter_context(pg_server.kept_server(folder))
        if args.reuse_db:
            facts = reopen(server, folder)
            args.traces = facts["traces"]
        else:
            if (folder / BUILT).exists() or (folder / "bench.reviewdesk").exists():
                raise SystemExit(f"{folder} already holds a build: measure it with --reuse-db {folder}")
            facts = build(server, folder, args)
            if args.keep_db:
                (folder / BUILT).write_text(json.dumps(facts, indent=2) + "\n")
        measure(server, folder, facts["cases"], args)
        size = facts["cases"]

        if args.reviewers:
            print_writes(
                reviewers_at_once(server, "bench", 1, args.labels),
                reviewers_at_once(server, "bench", args.reviewers, args.labels),
                args.reviewers,
                f"{args.labels} per reviewer, on {size:,} cases",
            )


if __name__ == "__main__":
    main()
