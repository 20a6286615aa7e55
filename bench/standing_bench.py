#!/usr/bin/env python
"""What the workspace-relative case facts cost when a case is opened, on a workspace of 1,000,000 cases.

    python bench/standing_bench.py                     # 1,000,000 cases (workspace cached in /tmp)
    python bench/standing_bench.py --cases 100000      # smaller
    python bench/standing_bench.py --regenerate        # rebuild the cached workspace

Opening a case in the window is ``services.review.load_detail``: the case, its spans and label
history, and since issue 15 its *standing* (``services.standing``: stale documents — the threshold,
and the newest version of each document among every case's retrievals — and cost and latency
against the workflow's median). This measures, in the same run and on the same cases:

* ``detail without standing`` — the reads load_detail made before (case, spans, history): the baseline;
* ``standing, warm``          — ``standing.standing`` with the workflow medians cached (every case
                                but the first of a workflow after the cases change);
* ``load_detail``             — the whole open as the window does it, standing included;
* ``medians, cold``           — one workflow's median cost and latency from the indexes (what the
                                first case of a workflow pays after an import), per workflow.

The workspace is written directly with sqlite3 into the real schema (``open_workspace``'s
migrations): each case a valid case JSON of the current format with two dated documents (120
distinct documents in two versions each), its row in ``case_documents``, four spans, and the
settings that mark the workspace's cases as rebuilt and listed — so opening it runs no upgrade.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

DEFAULT_PATH = Path(tempfile.gettempdir()) / "reviewdesk-bench" / "standing_bench_{n}.reviewdesk"
WORKFLOWS = ["order_status", "refund_request", "account_help", "exchange", "warranty_claim", "shipping_change"]
DOCUMENTS = 120


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def generate(path: Path, n: int, seed: int = 11) -> None:
    from reviewdesk.domain.case import CASE_FORMAT_VERSION, Case
    from reviewdesk.services.case_rebuild import DOCUMENTS_KEY, FORMAT_KEY
    from reviewdesk.services.workspace import open_workspace

    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    open_workspace(path).close()
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-400000")
    now = _ts(datetime.now(UTC))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    db.execute(
        "INSERT INTO imports (import_rowid, path, file_name, format, content_sha256, size_bytes, started_at,"
        " finished_at, status, traces, spans, cases, skipped, errors)"
        " VALUES (1, 'generated', 'generated', 'otlp-jsonl', 'x', 0, ?, ?, 'done', ?, ?, ?, 0, '[]')",
        (now, now, n, 4 * n, n),
    )
    t0 = time.perf_counter()
    batch = 20_000
    for base in range(0, n, batch):
        traces, spans, cases, documents = [], [], [], []
        for i in range(base, min(base + batch, n)):
            rowid = i + 1
            trace_id = f"{rowid:032x}"
            started = start + timedelta(seconds=i * 25)
            workflow = WORKFLOWS[i % len(WORKFLOWS)]
            latency = round(rng.lognormvariate(8.2, 0.5), 1)
            cost = round(rng.lognormvariate(-6, 1), 5)
            root, retriever, llm, tool = (f"{rowid:012x}{s:04x}" for s in range(4))
            docs = []
            for position, number in enumerate(rng.sample(range(DOCUMENTS), 2)):
                # Two versions of every document: the old one retrieved by about half of the cases.
                updated = datetime(2025 if rng.random() < 0.5 else 2026, 1, 1 + number % 28, tzinfo=UTC)
                docs.append(
                    {
                        "id": f"doc-{number}",
                        "content": "Returns are accepted within 30 days of delivery.",
                        "score": 0.8,
                        "source": f"kb://policies/{number}",
                        "metadata": {"updated_at": _iso(updated)},
                        "rank": position + 1,
                        "span_id": retriever,
                        "updated_at": _iso(updated),
                        "age_days": (started - updated).total_seconds() / 86400,
                        "cited": position == 0,
                    }
                )
                documents.append((rowid, position, f"kb://policies/{number}", _ts(updated)))
            data = {
                "format_version": CASE_FORMAT_VERSION,
                "case_id": f"{rowid:012x}",
                "trace_id": trace_id,
                "root_span_id": root,
                "source": {"format": "otlp-jsonl", "file": "generated.jsonl"},
                "workflow": workflow,
                "started_at": _iso(started),
                "latency_ms": latency,
                "status": "ok",
                "input": {"user_request": "Where is my order?", "messages": []},
                "retrieval": {"query": "order status", "documents": docs},
                "generation": {"model": "gpt-4o-mini", "output": "It ships Monday.", "span_id": llm},
                "tool_calls": [{"name": "lookup_order", "arguments": {"id": i}, "result": {"ok": True}}],
                "usage": {"input_tokens": 900, "output_tokens": 60, "total_tokens": 960, "cost_usd": cost},
                "span_count": 4,
            }
            if i == 0:
                Case.model_validate(data)  # the generated shape is a valid case of today's format
            traces.append((rowid, trace_id, 4, 1, 1))
            base_ns = int(started.timestamp() * 1e9)
            for s, (sid, name) in enumerate(
                zip((root, retriever, llm, tool), (workflow, "retrieve", "chat", "lookup"), strict=True)
            ):
                spans.append(
                    (rowid, sid, None if s == 0 else root, name, 0, base_ns + s, base_ns + int(latency * 1e6), 1)
                )
            cases.append(
                (rowid, f"{rowid:012x}", rowid, workflow, _ts(started), latency, cost, orjson.dumps(data).decode(), now)
            )
        db.executemany("INSERT INTO traces VALUES (?,?,?,?,?)", traces)
        db.executemany(
            "INSERT INTO spans (trace_rowid, span_id, parent_span_id, name, otel_kind, start_ns, end_ns, status_code,"
            " status_message, attributes, events, resource, scope, links, import_rowid)"
            " VALUES (?,?,?,?,?,?,?,?,NULL,'{}','[]','{}','{}','[]',1)",
            spans,
        )
        db.executemany(
            "INSERT INTO cases (case_rowid, case_id, trace_rowid, workflow, started_at, latency_ms, status, model,"
            " cost_usd, tool_calls, tool_errors, documents, user_request, output, source_format, source_file, data,"
            " updated_at) VALUES (?,?,?,?,?,?,'ok','gpt-4o-mini',?,1,0,2,'Where is my order?','It ships Monday.',"
            " 'otlp-jsonl','generated.jsonl',?,?)",
            cases,
        )
        db.executemany("INSERT INTO case_documents VALUES (?,?,?,?)", documents)
        db.commit()
        print(f"\r  generated {min(base + batch, n):,}/{n:,} cases ({time.perf_counter() - t0:.0f} s)", end="")
    print()
    for key, value in ((FORMAT_KEY, str(CASE_FORMAT_VERSION)), (DOCUMENTS_KEY, "1")):
        db.execute(
            "INSERT OR REPLACE INTO workspace_settings (key, value, updated_at) VALUES (?, ?, ?)", (key, value, now)
        )
    db.execute("ANALYZE")
    db.commit()
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    print(f"  file {path.stat().st_size / 1e9:.2f} GB")


class Timer:
    """Wall-clock and CPU seconds of each timed block: on a shared machine the CPU time is the steadier."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.wall.append(time.perf_counter() - self._wall)
        self.cpu.append(time.process_time() - self._cpu)

    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def line(self) -> str:
        ordered = sorted(self.wall)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        return (
            f"cpu median {statistics.median(self.cpu) * 1000:6.2f} ms   "
            f"wall median {statistics.median(self.wall) * 1000:6.2f} ms, p95 {p95 * 1000:6.2f} ms"
        )


def measure(path: Path, samples: int) -> list[str]:
    from reviewdesk.domain.queries import CaseFilter
    from reviewdesk.services import review, standing
    from reviewdesk.services.workspace import open_workspace
    from reviewdesk.storage import queries, workspace_facts

    rng = random.Random(3)
    t_open = time.perf_counter()
    ws = open_workspace(path)
    opened = time.perf_counter() - t_open
    try:
        with ws.session() as session:
            total = queries.count_cases(session, CaseFilter())
        rowids = [rng.randint(1, total) for _ in range(samples)]
        cold = Timer()
        for workflow in WORKFLOWS:
            with ws.session() as session, cold:
                workspace_facts.workflow_medians(session, workflow)
        for workflow_row in range(1, len(WORKFLOWS) + 1):
            review.load_detail(ws, workflow_row)  # the medians of every workflow are cached from here
        baseline, warm, whole = Timer(), Timer(), Timer()
        for rowid in rowids:
            with baseline, ws.session() as session:
                case = queries.load_case(session, rowid)
                queries.case_spans(session, rowid)
                review._events(session, rowid)
            with warm:
                standing.standing(ws, case)
            with whole:
                review.load_detail(ws, rowid)
    finally:
        ws.close()
    extra = (whole.median_cpu() - baseline.median_cpu()) * 1000
    ratio = whole.median_cpu() / baseline.median_cpu()
    return [
        f"workspace: {total:,} cases; open {opened:.2f} s (no upgrade ran); {samples} random cases",
        f"detail without standing  {baseline.line()}   (baseline)",
        f"standing (own session)   {warm.line()}",
        f"load_detail              {whole.line()}",
        f"   = {ratio:.2f}x the baseline's CPU time, {extra:+.2f} ms a case",
        f"medians, cold            {cold.line()}   (per workflow, {total // len(WORKFLOWS):,} cases each)",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    path = args.path or Path(str(DEFAULT_PATH).format(n=args.cases))
    if args.regenerate or not path.exists():
        print(f"generating {args.cases:,} cases into {path}")
        generate(path, args.cases)
    for line in measure(path, args.samples):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
