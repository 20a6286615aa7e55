#!/usr/bin/env python
"""Review-desk benchmark on a generated workspace of 1,000,000 cases.

    python bench/ui_bench.py                        # 1,000,000 cases, workspace cached in /tmp
    python bench/ui_bench.py --cases 100000         # smaller
    python bench/ui_bench.py --regenerate           # rebuild the cached workspace

What it measures (median and p95 of each; targets from issue 3):

* open      — open the workspace and the main window until the first case of the queue is on
              screen: in-process (warm: Python and Qt already loaded), and in a fresh process
              from ``python`` start (cold: imports included).                target ≤ 1.5 s
* search    — type a query in the search box and apply it, until the queue shows the first page
              of matches and the first match is on screen; rare, medium and common words, and
              two-word queries.                                                target ≤ 100 ms
* save→next — the keyboard review loop on the "Unreviewed" queue: F (verdict, one event
              written), 5 (a root cause, one event written), Ctrl+Enter (pending text flushed,
              next case shown). Each keystroke is timed from the key event to the end of the
              event processing it caused (repaint included).                  target ≤ 30 ms

The workspace is built directly with sqlite3 (a real import of a million traces takes far longer
and is ``bench/import_bench.py``'s subject): the schema comes from ``open_workspace`` (the real
migrations), every case row carries a complete, valid case JSON, each trace has 4 spans, 10 % of
cases are labeled, and the full-text index is built by ``storage.search.rebuild_index`` — the
same SQL the import path uses.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEFAULT_PATH = Path(tempfile.gettempdir()) / "reviewdesk-bench" / "ui_bench_{n}.reviewdesk"

WORKFLOWS = ["order_status", "refund_request", "account_help", "exchange", "warranty_claim", "shipping_change"]
RELEASES = ["2026.09.2", "2026.10.1", "2026.11.0", "2026.11.1"]
MODELS = ["gpt-4o-2024-08-06", "gpt-4.1-mini-2025-04-14", "claude-sonnet-4", "o3-2025-04-16"]
TENANTS = ["acme-eu", "globex-us", "initech-uk"]
PRODUCTS = [
    "Alpine Trek jacket",
    "Kestrel backpack",
    "Granite softshell",
    "Stormline rain shell",
    "Switchback hiking boots",
    "Fjellgard fleece",
    "Ridgeline tent",
    "Vantage sleeping bag",
    "Summit gloves",
    "Cascade water bottle",
    "Trailhead trail runners",
    "Glacier beanie",
    "Timberline trousers",
    "Aurora headlamp",
    "Basecamp stove",
]
ASKS = [
    "Where is my order {order}? It was supposed to arrive {days} days ago.",
    "I want to return the {product} from order {order}, it does not fit.",
    "Can I exchange my {product} for a bigger size? Order {order}.",
    "My {product} broke after {days} days, is it covered by the warranty?",
    "Please change the shipping address for order {order} to my office.",
    "I was charged twice for order {order}, can you refund one payment?",
    "How do I reset the password of my Trailclub account?",
    "Does the {product} come in green, and when is it back in stock?",
]
ANSWERS = [
    "Your order {order} left our warehouse and should arrive within {days} business days.",
    "You can return the {product} within 14 days of delivery; print the label from your order page.",
    "I created an exchange for the {product}; a courier will pick up the parcel tomorrow.",
    "The {product} has a two-year warranty, so I opened warranty ticket W-{order} for you.",
    "I updated the address of order {order}; the carrier will deliver to the new address.",
    "I refunded the duplicate charge on order {order}; it takes 5-10 business days to appear.",
    "Open Account > Security and choose Reset password; the link is valid for one hour.",
    "The {product} is sold out in green; I can notify you when it is back in stock.",
]
DOCS = [
    (
        "policy-returns-2026-03",
        "sharepoint://cx/policies/returns-2026.docx",
        "Returns are accepted within 14 days of delivery for unworn items with tags attached.",
    ),
    (
        "policy-returns-2024-01",
        "sharepoint://cx/archive/returns-2024.docx",
        "Returns are accepted within 30 days of delivery and return shipping is free.",
    ),
    (
        "kb-order-tracking",
        "zendesk://articles/order-tracking",
        "Orders ship within two business days; tracking numbers are e-mailed at dispatch.",
    ),
    (
        "kb-warranty",
        "zendesk://articles/warranty",
        "Outerwear and footwear carry a two-year warranty against manufacturing defects.",
    ),
    (
        "kb-exchanges",
        "zendesk://articles/exchanges",
        "Exchanges are handled as a return plus a new order; the courier picks up the parcel.",
    ),
    (
        "kb-account-security",
        "zendesk://articles/account-security",
        "Passwords are reset from Account > Security; support never asks for passwords.",
    ),
]
TOOLS = ["lookup_order", "lookup_customer", "issue_refund", "create_ticket", "update_address"]
ERRORS = [
    ("TimeoutError", "CRM did not answer within 10 s"),
    ("HTTPError", "429 Too Many Requests"),
    ("PermissionError", "403 amount above limit"),
]
ROOT_CAUSES = ["stale_source", "hallucination", "tool_error", "wrong_tool", "weak_prompt", "missing_context"]


def _ts(value: datetime) -> str:
    # SQLAlchemy's SQLite DateTime storage format (naive UTC).
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


CASE_COLUMNS = (
    "case_rowid, case_id, trace_rowid, workflow, release, session_id, user_id, tenant, started_at, latency_ms,"
    " status, error_type, model, provider, input_tokens, output_tokens, total_tokens, cost_usd, tool_calls,"
    " tool_errors, documents, user_request, output, source_format, source_file, data, updated_at"
)
"""Named, so a column added later (``estimated_cost_usd``) does not break the generator."""


def generate(path: Path, n: int, seed: int = 7) -> None:
    """Build a workspace of ``n`` cases at ``path`` (see the module docstring)."""
    from reviewdesk.domain.case import Case
    from reviewdesk.domain.ids import uuid7
    from reviewdesk.services.workspace import open_workspace
    from reviewdesk.storage import search

    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    ws = open_workspace(path)  # the real schema, migrations and label schema
    ws.close()
    rng = random.Random(seed)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-400000")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = _ts(datetime.now(UTC))
    db.execute(
        "INSERT INTO imports (import_rowid, path, file_name, format, content_sha256, size_bytes, started_at,"
        " finished_at, status, traces, spans, cases, skipped, errors)"
        " VALUES (1, 'generated', 'generated', 'otlp-jsonl', 'x', 0, ?, ?,"
        " 'done', ?, ?, ?, 0, '[]')",
        (now, now, n, 4 * n, n),
    )
    t0 = time.perf_counter()
    batch = 20000
    for base in range(0, n, batch):
        traces, spans, cases, events, labels, rcs = [], [], [], [], [], []
        for i in range(base, min(base + batch, n)):
            rowid = i + 1
            trace_id = f"{rng.getrandbits(128):032x}"
            case_id = f"{rowid:012x}"
            started = start + timedelta(seconds=i * 25 + rng.randint(0, 20))
            kind = rng.randrange(len(ASKS))
            order = f"NW-{rng.randint(1000000, 9999999)}"
            product = rng.choice(PRODUCTS)
            days = rng.randint(2, 40)
            request = ASKS[kind].format(order=order, product=product, days=days)
            output = ANSWERS[kind].format(order=order, product=product, days=rng.randint(2, 9))
            error = rng.random() < 0.05
            err_type, err_msg = rng.choice(ERRORS)
            model = rng.choice(MODELS)
            latency = round(rng.lognormvariate(8.2, 0.5), 1)
            cost = None if rng.random() < 0.2 else round(rng.lognormvariate(-6, 1), 5)
            tin, tout = rng.randint(800, 6000), rng.randint(40, 400)
            docs = rng.sample(DOCS, 2)
            tool = rng.choice(TOOLS)
            root = f"{rng.getrandbits(64):016x}"
            span_ids = [root] + [f"{rng.getrandbits(64):016x}" for _ in range(3)]
            data = {
                "format_version": 1,
                "case_id": case_id,
                "trace_id": trace_id,
                "source": {"format": "otlp-jsonl", "file": "generated.jsonl"},
                "workflow": WORKFLOWS[kind % len(WORKFLOWS)],
                "release": RELEASES[i * len(RELEASES) // n],
                "session_id": f"sess_{rng.getrandbits(40):010x}",
                "user_id": f"cus_{rng.randint(1, 200000)}",
                "tenant": rng.choice(TENANTS),
                "started_at": started.isoformat().replace("+00:00", "Z"),
                "latency_ms": latency,
                "status": "error" if error else "ok",
                "error": {"type": err_type, "message": err_msg, "span_id": span_ids[3]} if error else None,
                "input": {
                    "user_request": request,
                    "system_instructions": "You are Northwind Assist. Answer from the policies and tool results only.",
                    "prompt_template": None,
                    "messages": [
                        {
                            "role": "system",
                            "content": "You are Northwind Assist.",
                            "tool_calls": None,
                            "tool_call_id": None,
                            "name": None,
                        },
                        {"role": "user", "content": request, "tool_calls": None, "tool_call_id": None, "name": None},
                    ],
                },
                "retrieval": {
                    "query": request,
                    "documents": [
                        {
                            "id": d[0],
                            "content": d[2],
                            "score": round(0.9 - 0.1 * r, 3),
                            "source": d[1],
                            "metadata": {"updated": "2026-03-01"},
                            "rank": r + 1,
                            "span_id": span_ids[1],
                        }
                        for r, d in enumerate(docs)
                    ],
                },
                "generation": {
                    "model": model,
                    "request_model": model,
                    "provider": "openai",
                    "parameters": {"temperature": 0.2},
                    "output": output,
                    "finish_reason": "stop",
                    "refusal": None,
                },
                "tool_calls": [
                    {
                        "name": tool,
                        "arguments": {"order_id": order},
                        "result": None if error else {"order_id": order, "status": "ok"},
                        "error": f"{err_type}: {err_msg}" if error else None,
                        "duration_ms": 180.0,
                        "span_id": span_ids[3],
                        "call_id": None,
                    }
                ],
                "usage": {
                    "input_tokens": tin,
                    "output_tokens": tout,
                    "total_tokens": tin + tout,
                    "cost_usd": cost,
                    "llm_calls": 2,
                },
                "outcome": {"feedback": []},
                "span_count": 4,
                "labels": None,
            }
            if i == 0:
                Case.model_validate(data)  # the generated shape is the real public case shape
            del data["labels"]
            traces.append((rowid, trace_id, 4, 1, 1))
            base_ns = int(started.timestamp() * 1e9)
            for s, (sid, name) in enumerate(
                zip(span_ids, (WORKFLOWS[kind % 6], "retrieve", "ChatCompletion", tool), strict=True)
            ):
                spans.append(
                    (
                        rowid,
                        sid,
                        None if s == 0 else root,
                        name,
                        0,
                        base_ns + s * 1_000_000,
                        base_ns + int(latency * 1e6) - s,
                        2 if error and s == 3 else 1,
                        err_msg if error and s == 3 else None,
                        orjson.dumps({"openinference.span.kind": "CHAIN", "step": s}).decode(),
                        "[]",
                        '{"service.name": "northwind-assist"}',
                        '{"name": "bench"}',
                        "[]",
                        1,
                    )
                )
            cases.append(
                (
                    rowid,
                    case_id,
                    rowid,
                    data["workflow"],
                    data["release"],
                    data["session_id"],
                    data["user_id"],
                    data["tenant"],
                    _ts(started),
                    latency,
                    data["status"],
                    err_type if error else None,
                    model,
                    "openai",
                    tin,
                    tout,
                    tin + tout,
                    cost,
                    1,
                    1 if error else 0,
                    2,
                    request,
                    output,
                    "otlp-jsonl",
                    "generated.jsonl",
                    orjson.dumps(data).decode(),
                    now,
                )
            )
            if rng.random() < 0.10:
                verdict = rng.choice(["pass", "pass", "fail", "unsure"])
                rc = [rng.choice(ROOT_CAUSES)] if verdict == "fail" else []
                label = {
                    "verdict": verdict,
                    "root_causes": rc,
                    "scores": {},
                    "corrected_output": None,
                    "comment": None,
                    "escalate": False,
                    "evidence": [],
                    "reviewer": "bench",
                    "labeled_at": _ts(started),
                    "schema_version": 1,
                }
                events.append(
                    (
                        rowid,
                        rowid,
                        now,
                        "bench",
                        orjson.dumps({"verdict": verdict, "root_causes": rc}).decode(),
                        12.0,
                        1,
                        uuid7(started),
                        "label",
                        "bench",
                    )
                )
                labels.append((rowid, verdict, 0, "bench", now, orjson.dumps(label).decode(), rowid))
                rcs.extend((rowid, r) for r in rc)
        db.executemany("INSERT INTO traces VALUES (?,?,?,?,?)", traces)
        db.executemany(
            "INSERT INTO spans (trace_rowid, span_id, parent_span_id, name, otel_kind, start_ns, end_ns, status_code,"
            " status_message, attributes, events, resource, scope, links, import_rowid)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            spans,
        )
        db.executemany(f"INSERT INTO cases ({CASE_COLUMNS}) VALUES ({','.join('?' * 27)})", cases)
        db.executemany(
            "INSERT INTO label_events (event_rowid, case_rowid, created_at, reviewer, change, seconds_spent,"
            " schema_version, event_id, kind, label_of) VALUES (?,?,?,?,?,?,?,?,?,?)",
            events,
        )
        db.executemany(
            "INSERT INTO labels (case_rowid, verdict, escalate, reviewer, labeled_at, data, last_event_rowid)"
            " VALUES (?,?,?,?,?,?,?)",
            labels,
        )
        db.executemany("INSERT INTO case_root_causes VALUES (?,?)", rcs)
        db.commit()
        done = min(base + batch, n)
        print(f"\r  generated {done:,}/{n:,} cases ({time.perf_counter() - t0:.0f} s)", end="", flush=True)
    print()
    db.close()
    from sqlalchemy import create_engine

    t1 = time.perf_counter()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        search.rebuild_index(conn)
    engine.dispose()
    db = sqlite3.connect(path)
    db.execute("INSERT INTO case_search(case_search) VALUES ('optimize')")
    db.execute("ANALYZE")
    db.commit()
    db.execute("PRAGMA journal_mode=WAL")
    db.close()
    print(f"  full-text index built in {time.perf_counter() - t1:.0f} s; file {path.stat().st_size / 1e9:.2f} GB")


def pump(app: object) -> None:
    """Process pending events. Never the bare ``processEvents()``: under Python < 3.12, PySide6
    (6.11 and 6.12 at least) drops a reference to ``None`` on every such call, and a benchmark
    loop of thousands of them ends in "deallocating None". With explicit flags it does not."""
    from PySide6.QtCore import QEventLoop

    app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)  # type: ignore[attr-defined]


def _stats(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return statistics.median(ordered), p95


def _row(name: str, values_s: list[float], target_ms: float) -> str:
    median, p95 = _stats(values_s)
    ok = "ok" if p95 * 1000 <= target_ms else "OVER"
    figures = f"median {median * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms"
    return f"{name:<40} n={len(values_s):<4} {figures}   target {target_ms:>6.0f} ms  {ok}"


COLD_SCRIPT = r"""
import os, sys, time
t0 = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from PySide6.QtCore import QEventLoop
from reviewdesk.ui.app import application, open_window
app = application()
window = open_window(Path(sys.argv[1]))
window.show()
app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)
assert window.case_view.detail is not None
print(time.perf_counter() - t0)
"""


def measure(path: Path, *, opens: int, searches: int, reviews: int) -> list[str]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from reviewdesk.ui.app import application, open_window

    app = application()
    lines: list[str] = []

    # --- open ------------------------------------------------------------------------------------
    warm: list[float] = []
    background: list[float] = []
    window = None
    for _ in range(opens):
        if window is not None:
            window.close()
            window.workspace.close()
        t0 = time.perf_counter()
        window = open_window(path)
        window.show()
        pump(app)
        assert window.case_view.detail is not None, "no case shown after open"
        warm.append(time.perf_counter() - t0)
        # The queue's total and the facet lists are counted off the GUI thread after the window
        # shows; wait for them so they neither overlap the next run nor go unmeasured.
        while not window.runner.idle:
            pump(app)
            time.sleep(0.002)
        background.append(time.perf_counter() - t0)
    cold = []
    for _ in range(max(2, opens // 2)):
        out = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT, str(path)], capture_output=True, text=True, check=True, env=os.environ
        )
        cold.append(float(out.stdout.strip().splitlines()[-1]))
    lines.append(_row("open window (warm, in process)", warm, 1500))
    lines.append(_row("open window (cold, new process)", cold, 1500))
    lines.append(_row("  … queue total + facets (background)", background, 5000))
    assert window is not None
    window.resize(1366, 768)
    pump(app)

    # --- search ----------------------------------------------------------------------------------
    queries = {
        "rare (an order number)": lambda rng: f"NW-{rng.randint(1000000, 9999999)}",
        "medium (a product)": lambda rng: rng.choice(PRODUCTS).split()[0],
        "common (a frequent word)": lambda rng: rng.choice(["order", "return", "refund", "warranty", "delivery"]),
        "two words": lambda rng: f"{rng.choice(['return', 'exchange', 'warranty'])} {rng.choice(PRODUCTS).split()[0]}",
        "prefix while typing (3 letters)": lambda rng: rng.choice(["ret", "war", "del", "ref", "pas"]),
    }
    rng = random.Random(11)
    view = window.queue_view
    view.select_queue("all")
    all_search: list[float] = []
    for label, make in queries.items():
        times = []
        for _ in range(searches):
            text = make(rng)
            view.search.setText(text)
            t0 = time.perf_counter()
            view.apply()
            pump(app)
            times.append(time.perf_counter() - t0)
            view.search.setText("")
            view.apply()
            pump(app)
            # A reviewer reads the results before the next search: let the background count of
            # this one finish, so it is not billed to the next.
            while not window.runner.idle:
                pump(app)
                time.sleep(0.002)
        all_search += times
        lines.append(_row(f"search: {label}", times, 100))
    lines.append(_row("search: all queries", all_search, 100))
    # Let the background count finish so it does not overlap the review loop.
    deadline = time.monotonic() + 30
    while not window.runner.idle and time.monotonic() < deadline:
        pump(app)
        time.sleep(0.005)

    # --- review loop -------------------------------------------------------------------------------
    view.search.setText("")
    view.select_queue("unreviewed")
    pump(app)
    window.activateWindow()
    window.focus_review_surface()
    pump(app)
    verdict_t, root_t, next_t, total_t = [], [], [], []
    ctrl = Qt.KeyboardModifier.ControlModifier
    for _ in range(reviews):
        start_rowid = window.current_case_rowid
        steps = []
        for key, modifier in (
            (Qt.Key.Key_F, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_5, Qt.KeyboardModifier.NoModifier),
            (Qt.Key.Key_Return, ctrl),
        ):
            target = QApplication.focusWidget() or window.queue_view.table
            t0 = time.perf_counter()
            QTest.keyClick(target, key, modifier)
            pump(app)
            steps.append(time.perf_counter() - t0)
        assert window.current_case_rowid != start_rowid, "Ctrl+Enter did not move to the next case"
        verdict_t.append(steps[0])
        root_t.append(steps[1])
        next_t.append(steps[2])
        total_t.append(sum(steps))
    shown = window.label_panel.label
    assert shown is None or shown.verdict is None, "next case should be unlabeled"
    lines.append(_row("F (verdict written)", verdict_t, 30))
    lines.append(_row("5 (root cause written)", root_t, 30))
    lines.append(_row("Ctrl+Enter (save → next case shown)", next_t, 30))
    lines.append(_row("whole review: F, 5, Ctrl+Enter", total_t, 90))
    window.close()
    window.workspace.close()
    window.deleteLater()
    pump(app)
    return lines


def _count(path: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(db.execute("SELECT count(*) FROM cases").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return -1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--workspace", type=Path, help="where to build / reuse the workspace")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--opens", type=int, default=6)
    parser.add_argument("--searches", type=int, default=12, help="queries per kind")
    parser.add_argument("--reviews", type=int, default=200, help="cases reviewed in the save→next loop")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    path = args.workspace or Path(str(DEFAULT_PATH).format(n=args.cases))
    os.environ.setdefault("REVIEWDESK_CONFIG_DIR", str(path.parent / "config"))
    # Each run labels the next --reviews unreviewed cases of the cached workspace, as a reviewer would.
    if args.regenerate or _count(path) != args.cases:
        print(f"building a workspace of {args.cases:,} cases at {path}")
        generate(path, args.cases)
    print(f"workspace: {path} ({_count(path):,} cases, {path.stat().st_size / 1e9:.2f} GB)")
    lines = measure(path, opens=args.opens, searches=args.searches, reviews=args.reviews)
    print()
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps(lines, indent=2), encoding="utf-8")
    sys.stdout.flush()
    # The figures are out. PySide6 6.12 can crash while the interpreter finalizes after many
    # windows were built and destroyed in one process (the app itself exits cleanly); skip that.
    os._exit(0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
