#!/usr/bin/env python
"""Import benchmark: reviewdesk's OTLP JSON-lines import against a raw JSON + SQLite floor.

    python bench/import_bench.py                      # default: 5,000 and 20,000 traces
    python bench/import_bench.py --traces 20000       # N = 20,000, memory check at N and 4N
    python bench/import_bench.py --sizes 5000,20000   # explicit sizes (the smallest gets the floor)
    python bench/import_bench.py --profile            # + cProfile of the import at the smallest size

What it does (see bench/README.md for how to read the output):

1. Generates seeded, realistic OpenInference traces (CHAIN root → RETRIEVER, LLM, TOOL, LLM;
   5 spans a trace) as OTLP JSON lines, ~50 traces a line, into a temp directory. The files
   for the smaller sizes are prefixes of the largest one, so every size has the same content mix.
2. Imports the file of each size into a fresh workspace through the real service
   (``open_workspace`` + ``import_files``), each in its own subprocess, so each has its own
   peak RSS (``ru_maxrss``).
3. At the smallest size, measures the floor in two more subprocesses: line-by-line JSON parse
   (stdlib ``json``, then ``orjson``) + flattening of the OTLP attribute lists to dicts +
   re-serialization to JSON text + stdlib ``sqlite3`` ``executemany`` into a spans-like table
   (WAL, one transaction per ~5,000 spans).
4. Prints a final table: spans/s, traces/s, MB/s, reviewdesk/floor ratio, peak RSS per size.

Each phase can also be run alone, e.g. ``--phase import --file F.jsonl --workdir D``; a phase
prints one JSON object (its measurements) as the last line of its stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TRACES_PER_LINE = 50
LONG_SPANS_PER_LINE = 250
SPANS_PER_TRACE = 5
FLOOR_BATCH_SPANS = 5000
DEFAULT_TRACES = 5000
MB = 1_000_000

# ---------------------------------------------------------------------------------------------
# Data generation
# ---------------------------------------------------------------------------------------------

# fmt: off
_ONSETS = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
           "br", "cl", "dr", "fl", "gr", "pl", "pr", "sh", "st", "th", "tr", "ch"]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "io", "ou", "y"]
_CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "ng", "st", "ck", "rt", "ss"]
_COMMON = ["the", "a", "of", "to", "and", "in", "is", "for", "that", "on", "with", "as", "it", "by", "this", "be",
           "are", "from", "or", "an", "at", "not", "your", "we", "can", "you", "will", "if", "has", "have", "which",
           "was", "but", "all", "more", "when", "our", "also", "may", "should"]
# fmt: on


def _vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """Common words first, then made-up words in random order (the order sets their frequency)."""
    words = list(_COMMON)
    seen = set(words)
    while len(words) < size:
        syllables = rng.choice((1, 1, 1, 2, 2, 2, 2, 3))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables))
        if word not in seen:
            seen.add(word)
            words.append(word)
    rest = words[len(_COMMON) :]
    rng.shuffle(rest)
    return words[: len(_COMMON)] + rest


class TextGen:
    """Seeded pseudo-English: Zipf-like word frequencies, sentences of 5-20 words."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words = _vocabulary(rng)
        self.cum_weights: list[float] = []
        total = 0.0
        mean_len = 0.0
        for rank, word in enumerate(self.words):
            weight = 1.0 / (rank + 2.0)
            total += weight
            mean_len += weight * (len(word) + 1)
            self.cum_weights.append(total)
        self.mean_len = mean_len / total

    def text(self, low: int, high: int) -> str:
        """Text of about ``low``-``high`` characters."""
        rng = self.rng
        target = rng.randint(low, high)
        words = rng.choices(self.words, cum_weights=self.cum_weights, k=max(3, int(target / self.mean_len) + 2))
        sentences = []
        i = 0
        while i < len(words):
            n = rng.randint(5, 20)
            sentence = " ".join(words[i : i + n])
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
            i += n
        return " ".join(sentences)[:high]

    def words_(self, n: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cum_weights, k=n))


def _s(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def _i(key: str, value: int) -> dict[str, Any]:
    return {"key": key, "value": {"intValue": str(value)}}  # OTLP JSON: 64-bit ints as strings


def _d(key: str, value: float) -> dict[str, Any]:
    return {"key": key, "value": {"doubleValue": value}}


_MODELS = [
    ("gpt-4o-mini", "openai", "openai"),
    ("gpt-4.1", "openai", "azure"),
    ("claude-3-5-sonnet-20241022", "anthropic", "anthropic"),
    ("mistral-large-latest", "mistralai", "mistralai"),
]
_TOOLS = ["search_orders", "lookup_account", "get_shipping_status", "create_ticket", "get_weather"]
_WORKFLOWS = ["support-bot", "docs-qa", "sales-assistant"]


class TraceGen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.text = TextGen(self.rng)
        self.t0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in ns

    def _hex(self, nbytes: int) -> str:
        return f"{self.rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"

    def _span(
        self,
        trace_id: str,
        span_id: str,
        parent: str | None,
        name: str,
        kind: int,
        start: int,
        end: int,
        attrs: list[dict[str, Any]],
        error: bool = False,
        events: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        span: dict[str, Any] = {
            "traceId": trace_id,
            "spanId": span_id,
            "name": name,
            "kind": kind,
            "startTimeUnixNano": str(start),
            "endTimeUnixNano": str(end),
            "attributes": attrs,
            "status": {"code": 2, "message": "tool failed"} if error else {"code": 1},
        }
        if parent:
            span["parentSpanId"] = parent
        if events:
            span["events"] = events
        return span

    def _messages(self, prefix: str, messages: list[tuple[str, str]]) -> list[dict[str, Any]]:
        attrs = []
        for n, (role, content) in enumerate(messages):
            attrs.append(_s(f"{prefix}.{n}.message.role", role))
            attrs.append(_s(f"{prefix}.{n}.message.content", content))
        return attrs

    def trace(self, index: int) -> list[dict[str, Any]]:
        """The five spans of one trace, in the order an exporter emits them (children first)."""
        rng, text = self.rng, self.text
        trace_id = self._hex(16)
        root_id, ret_id, llm1_id, tool_id, llm2_id = (self._hex(8) for _ in range(5))
        start = self.t0 + index * 1_500_000_000 + rng.randint(0, 1_000_000_000)
        model, system, provider = rng.choice(_MODELS)
        question = text.text(60, 300)
        answer = text.text(300, 1200)
        session = f"sess-{rng.randint(1, max(1, index // 4 + 1)):08d}"
        user = f"user-{rng.randint(1, 5000):05d}"

        # RETRIEVER: 3-4 documents of 400-1000 characters.
        t = start + rng.randint(1, 5) * 1_000_000
        ret_end = t + rng.randint(20, 300) * 1_000_000
        ret_attrs = [_s("openinference.span.kind", "RETRIEVER"), _s("input.value", question)]
        for n in range(rng.randint(3, 4)):
            p = f"retrieval.documents.{n}.document"
            ret_attrs += [
                _s(f"{p}.id", f"doc-{rng.randint(1, 10**6):07d}"),
                _s(f"{p}.content", text.text(400, 1000)),
                _d(f"{p}.score", round(rng.uniform(0.3, 0.99), 4)),
                _s(
                    f"{p}.metadata",
                    json.dumps(
                        {
                            "source": f"kb/{text.words_(2).replace(' ', '-')}.md",
                            "chunk": rng.randint(0, 40),
                            "updated": f"2025-11-0{rng.randint(1, 9)}",
                        }
                    ),
                ),
            ]
        retriever = self._span(trace_id, ret_id, root_id, "retrieve", 1, t, ret_end, ret_attrs)

        # LLM 1: system + history + user; answers with a tool call.
        system_prompt = text.text(400, 1500)
        history: list[tuple[str, str]] = []
        for _ in range(rng.randint(0, 2)):
            history += [("user", text.text(40, 250)), ("assistant", text.text(100, 600))]
        messages = [("system", system_prompt), *history, ("user", question)]
        tool_name = rng.choice(_TOOLS)
        call_id = f"call_{self._hex(12)}"
        tool_args = json.dumps({"query": text.words_(rng.randint(2, 6)), "limit": rng.randint(1, 10)})
        invocation = json.dumps(
            {
                "temperature": round(rng.uniform(0, 1), 2),
                "max_tokens": rng.choice((512, 1024, 2048)),
                "top_p": 1,
                "tool_choice": "auto",
            }
        )
        t1 = ret_end + rng.randint(1, 5) * 1_000_000
        llm1_end = t1 + rng.randint(300, 4000) * 1_000_000
        p1, c1 = rng.randint(500, 3000), rng.randint(20, 200)
        llm1_attrs = [
            _s("openinference.span.kind", "LLM"),
            _s("llm.model_name", model),
            _s("llm.system", system),
            _s("llm.provider", provider),
            _s("llm.invocation_parameters", invocation),
            *self._messages("llm.input_messages", messages),
            _s("llm.output_messages.0.message.role", "assistant"),
            _s("llm.output_messages.0.message.content", text.text(40, 200)),
            _s("llm.output_messages.0.message.tool_calls.0.tool_call.id", call_id),
            _s("llm.output_messages.0.message.tool_calls.0.tool_call.function.name", tool_name),
            _s("llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments", tool_args),
            _i("llm.token_count.prompt", p1),
            _i("llm.token_count.completion", c1),
            _i("llm.token_count.total", p1 + c1),
        ]
        llm1 = self._span(trace_id, llm1_id, root_id, "ChatCompletion", 3, t1, llm1_end, llm1_attrs)

        # TOOL: JSON input and output; ~4% fail with an exception event.
        t2 = llm1_end + rng.randint(1, 5) * 1_000_000
        tool_end = t2 + rng.randint(5, 800) * 1_000_000
        failed = rng.random() < 0.04
        tool_output = json.dumps(
            {
                "results": [
                    {
                        "id": rng.randint(1, 10**6),
                        "title": text.words_(rng.randint(3, 8)),
                        "summary": text.text(60, 250),
                    }
                    for _ in range(rng.randint(1, 4))
                ]
            }
        )
        tool_attrs = [
            _s("openinference.span.kind", "TOOL"),
            _s("tool.name", tool_name),
            _s("tool.id", call_id),
            _s("tool.description", text.text(40, 120)),
            _s("input.value", tool_args),
            _s("input.mime_type", "application/json"),
        ]
        events = None
        if failed:
            events = [
                {
                    "timeUnixNano": str(tool_end),
                    "name": "exception",
                    "attributes": [
                        _s("exception.type", "TimeoutError"),
                        _s("exception.message", "upstream timed out after 30s"),
                        _s("exception.stacktrace", "Traceback (most recent call last):\n" + text.text(300, 900)),
                    ],
                }
            ]
        else:
            tool_attrs += [_s("output.value", tool_output), _s("output.mime_type", "application/json")]
        tool = self._span(
            trace_id, tool_id, root_id, tool_name, 1, t2, tool_end, tool_attrs, error=failed, events=events
        )

        # LLM 2: the conversation plus the tool result; the final answer.
        t3 = tool_end + rng.randint(1, 5) * 1_000_000
        llm2_end = t3 + rng.randint(500, 6000) * 1_000_000
        p2, c2 = p1 + rng.randint(100, 800), rng.randint(100, 600)
        messages2 = [*messages, ("assistant", ""), ("tool", "error: upstream timed out" if failed else tool_output)]
        llm2_attrs = [
            _s("openinference.span.kind", "LLM"),
            _s("llm.model_name", model),
            _s("llm.system", system),
            _s("llm.provider", provider),
            _s("llm.invocation_parameters", invocation),
            *self._messages("llm.input_messages", messages2),
            _s(f"llm.input_messages.{len(messages2) - 1}.message.tool_call_id", call_id),
            _s("llm.output_messages.0.message.role", "assistant"),
            _s("llm.output_messages.0.message.content", answer),
            _i("llm.token_count.prompt", p2),
            _i("llm.token_count.completion", c2),
            _i("llm.token_count.total", p2 + c2),
        ]
        llm2 = self._span(trace_id, llm2_id, root_id, "ChatCompletion", 3, t3, llm2_end, llm2_attrs)

        # CHAIN root.
        root_end = llm2_end + rng.randint(1, 20) * 1_000_000
        root_attrs = [
            _s("openinference.span.kind", "CHAIN"),
            _s("input.value", question),
            _s("output.value", answer),
            _s("session.id", session),
            _s("user.id", user),
            _s(
                "metadata",
                json.dumps(
                    {"workflow": rng.choice(_WORKFLOWS), "release": f"2026.{rng.randint(1, 3)}.{rng.randint(0, 9)}"}
                ),
            ),
        ]
        root = self._span(trace_id, root_id, None, "agent.run", 1, start, root_end, root_attrs)
        return [retriever, llm1, tool, llm2, root]


def generate_long(path: Path, spans: int, seed: int) -> None:
    """One agent trace of ``spans`` spans (an AGENT root, then LLM calls that each ask for a tool
    call and the TOOL spans that answer them), ``LONG_SPANS_PER_LINE`` spans a line in the order
    they end (the root last), as a batching exporter writes a long run: it crosses every batch."""
    import orjson

    gen = TraceGen(seed)
    rng, text = gen.rng, gen.text
    trace_id, root_id = gen._hex(16), gen._hex(8)
    start = gen.t0
    out: list[dict[str, Any]] = []
    resource_attrs = [_s("service.name", "travel-agent"), _s("telemetry.sdk.language", "python")]
    with path.open("wb") as handle:

        def flush() -> None:
            record = {
                "resourceSpans": [
                    {
                        "resource": {"attributes": resource_attrs},
                        "scopeSpans": [{"scope": {"name": "openinference.instrumentation"}, "spans": out}],
                    }
                ]
            }
            handle.write(orjson.dumps(record) + b"\n")
            out.clear()

        t = start
        for i in range(1, spans):
            end = t + rng.randint(5, 900) * 1_000_000
            if i % 2:
                attrs = [
                    _s("openinference.span.kind", "LLM"),
                    _s("llm.model_name", "gpt-4o-mini"),
                    _s("llm.input_messages.0.message.role", "user"),
                    _s("llm.input_messages.0.message.content", text.text(40, 200)),
                    _s("llm.output_messages.0.message.role", "assistant"),
                    _s("llm.output_messages.0.message.content", text.text(20, 120)),
                    _s("llm.output_messages.0.message.tool_calls.0.tool_call.id", f"call_{i}"),
                    _s("llm.output_messages.0.message.tool_calls.0.tool_call.function.name", "search"),
                    _s("llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments", '{"q": "x"}'),
                    _i("llm.token_count.prompt", rng.randint(100, 900)),
                    _i("llm.token_count.completion", rng.randint(10, 90)),
                ]
                name, kind = "ChatCompletion", 3
            else:
                attrs = [
                    _s("openinference.span.kind", "TOOL"),
                    _s("tool.name", "search"),
                    _s("tool_call.id", f"call_{i - 1}"),
                    _s("input.value", '{"q": "x"}'),
                    _s("output.value", text.text(100, 400)),
                ]
                name, kind = "search", 1
            out.append(gen._span(trace_id, f"{i:016x}", root_id, name, kind, t, end, attrs))
            t = end + 1_000_000
            if len(out) == LONG_SPANS_PER_LINE:
                flush()
        root_attrs = [
            _s("openinference.span.kind", "AGENT"),
            _s("input.value", "Plan my trip"),
            _s("output.value", "Done."),
        ]
        out.append(gen._span(trace_id, root_id, None, "agent.run", 1, start, t, root_attrs))
        flush()


def generate(paths_by_traces: dict[int, Path], seed: int) -> None:
    """Write the file for every size in one pass: smaller files are prefixes of the largest."""
    import orjson  # a reviewdesk dependency; only used to write the test data quickly

    gen = TraceGen(seed)
    largest = max(paths_by_traces)
    handles = {n: path.open("wb") for n, path in paths_by_traces.items()}
    resource_attrs = [
        _s("service.name", "support-agent"),
        _s("service.version", "1.8.2"),
        _s("telemetry.sdk.language", "python"),
        _s("deployment.environment", "prod"),
    ]
    try:
        for first in range(0, largest, TRACES_PER_LINE):
            spans: list[dict[str, Any]] = []
            for index in range(first, min(first + TRACES_PER_LINE, largest)):
                spans += gen.trace(index)
            record = {
                "resourceSpans": [
                    {
                        "resource": {"attributes": resource_attrs},
                        "scopeSpans": [
                            {
                                "scope": {"name": "openinference.instrumentation.openai", "version": "0.1.22"},
                                "spans": spans,
                            }
                        ],
                    }
                ]
            }
            line = orjson.dumps(record) + b"\n"
            for n, handle in handles.items():
                if first < n:
                    handle.write(line)
    finally:
        for handle in handles.values():
            handle.close()


# ---------------------------------------------------------------------------------------------
# Phases (each run in its own subprocess)
# ---------------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak * 1024 / MB  # bytes on macOS, KiB on Linux


def children_peak_rss_mb() -> float:
    """Peak RSS of the largest finished child process (the import's worker), 0 when there was none."""
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak * 1024 / MB


class _ChildPeaks:
    """Each child process's own peak RSS (``VmHWM``), read from /proc while the import runs.

    ``RUSAGE_CHILDREN`` gives only the largest child's peak; an import has ``WORKERS`` worker
    processes, and their peaks add up. Linux only: elsewhere ``total_mb`` is ``None``.
    """

    def __init__(self) -> None:
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.supported = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists()
        if self.supported:
            self._thread.start()

    def _run(self) -> None:
        children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
        while not self._stop.wait(0.05):
            with contextlib.suppress(OSError):
                for pid in children.read_text().split():
                    with contextlib.suppress(OSError, ValueError):
                        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                            if line.startswith("VmHWM:"):
                                kb = int(line.split()[1])
                                self.peaks[int(pid)] = max(self.peaks.get(int(pid), 0), kb * 1024 / MB)

    def stop(self) -> float | None:
        """The sum of the children's peaks (``None`` where /proc cannot tell)."""
        self._stop.set()
        if self.supported:
            self._thread.join()
            return sum(self.peaks.values())
        return None


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _Recorder:
    """A ``Progress`` that notes when each part of the file was done, to follow the batches."""

    def __init__(self) -> None:
        self.steps: list[tuple[float, int]] = []  # (time, bytes done by then)
        self.done = 0

    def set_total(self, total: int | None) -> None:
        pass

    def set_status(self, text: str) -> None:
        pass

    def cancel_requested(self) -> bool:
        return False

    def advance(self, amount: int) -> None:
        self.done += amount
        self.steps.append((time.perf_counter(), self.done))

    def batch_rates(self, size: int, spans: int, batch_spans: int | None) -> list[float]:
        """Spans/s of each stretch of about one batch of the file, in file order.

        The service reports progress once per record on one thread and once per batch written
        with a worker process: either way, the time from one step to the first step a batch's
        worth of bytes later is reading and writing that much of the file. Spans are counted
        from bytes (this file's spans are all alike).
        """
        if not batch_spans or not spans or not self.steps:
            return []
        batch_bytes = size * batch_spans / spans
        rates = []
        start_time, start_done = self.steps[0]
        for at, done in self.steps[1:]:
            if done - start_done >= batch_bytes * 0.99 and at > start_time:
                rates.append((done - start_done) / (size / spans) / (at - start_time))
                start_time, start_done = at, done
        return rates


def phase_import(path: Path, workdir: Path, profile: bool, one_thread: bool = False) -> dict[str, Any]:
    from reviewdesk.services import import_worker
    from reviewdesk.services import imports as imports_module
    from reviewdesk.services.imports import import_files
    from reviewdesk.services.workspace import open_workspace

    if one_thread:  # the file read and prepared on the importing thread, as below WORKER_MIN_BYTES
        import_worker.WORKER_MIN_BYTES = 1 << 62

    rss_before_open = peak_rss_mb()
    db = workdir / "bench.reviewdesk"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    t = time.perf_counter()
    workspace = open_workspace(db)
    open_s = time.perf_counter() - t
    rss_baseline = peak_rss_mb()

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    recorder = _Recorder()
    child_peaks = _ChildPeaks()
    t, c = time.perf_counter(), time.process_time() + children_cpu()
    result = import_files(workspace, [path], progress=recorder)
    seconds, cpu = time.perf_counter() - t, time.process_time() + children_cpu() - c  # the workers' too
    workers_rss = child_peaks.stop()
    if profiler is not None:
        profiler.disable()
        import pstats

        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
    workspace.close()
    for summary in result.files:
        if summary.failed or summary.skipped:
            raise SystemExit(f"import failed: {summary.failed} skipped={summary.skipped} {summary.errors[:3]}")
    size = sum(f.stat().st_size for f in path.iterdir()) if path.is_dir() else path.stat().st_size
    spans = sum(s.spans for s in result.files)
    return {
        "phase": "import",
        "files": len(result.files),
        "spans": spans,
        "traces": sum(s.traces for s in result.files),
        "cases": sum(s.cases_created for s in result.files),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "open_seconds": open_s,
        "bytes": size,
        "db_bytes": db.stat().st_size,
        "rss_modules_mb": rss_before_open,
        "rss_baseline_mb": rss_baseline,
        "peak_rss_mb": peak_rss_mb(),
        # Every worker's peak added up; without /proc, the largest one's times the number of workers.
        "worker_rss_mb": workers_rss if workers_rss is not None else children_peak_rss_mb() * import_worker.WORKERS,
        "workers": len(child_peaks.peaks) or (import_worker.WORKERS if children_peak_rss_mb() else 0),
        "worker_cpu_seconds": children_cpu(),
        "profiled": profile,
        "batch_spans": getattr(imports_module, "BATCH_SPANS", None),
        "batch_rates": recorder.batch_rates(size, spans, getattr(imports_module, "BATCH_SPANS", None)),
    }


_FLOOR_SCHEMA = """
CREATE TABLE spans (
    span_rowid INTEGER PRIMARY KEY,
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    parent_span_id TEXT,
    name TEXT NOT NULL,
    otel_kind INTEGER NOT NULL,
    start_ns INTEGER,
    end_ns INTEGER,
    status_code INTEGER NOT NULL,
    status_message TEXT,
    attributes TEXT,
    events TEXT,
    UNIQUE (trace_id, span_id)
)
"""
_FLOOR_INSERT = "INSERT OR IGNORE INTO spans VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


def _flat(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    """OTLP ``[{key, value: {xValue: v}}]`` → ``{key: v}``: the minimum any importer has to do."""
    out: dict[str, Any] = {}
    for item in items or ():
        value = item["value"]
        if "intValue" in value:
            out[item["key"]] = int(value["intValue"])
        else:
            for v in value.values():
                out[item["key"]] = v
                break
    return out


def phase_floor(path: Path, workdir: Path, library: str) -> dict[str, Any]:
    loads: Callable[[bytes], Any]
    if library == "orjson":
        import orjson

        loads = orjson.loads

        def dumps(value: Any) -> str:
            return orjson.dumps(value).decode()
    else:
        loads = json.loads

        def dumps(value: Any) -> str:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    db = workdir / f"floor-{library}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # same durability as the workspace
    conn.execute(_FLOOR_SCHEMA)
    rss_baseline = peak_rss_mb()

    parse_s = build_s = insert_s = 0.0
    rows: list[tuple[Any, ...]] = []
    spans = 0
    traces: set[str] = set()

    def write() -> float:
        t = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(_FLOOR_INSERT, rows)
        conn.execute("COMMIT")
        rows.clear()
        return time.perf_counter() - t

    t_total, c_total = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        for raw in handle:
            t0 = time.perf_counter()
            document = loads(raw)
            t1 = time.perf_counter()
            for rs in document["resourceSpans"]:
                for ss in rs["scopeSpans"]:
                    for s in ss["spans"]:
                        status = s.get("status") or {}
                        events = s.get("events")
                        rows.append(
                            (
                                s["traceId"],
                                s["spanId"],
                                s.get("parentSpanId"),
                                s["name"],
                                s.get("kind", 0),
                                int(s["startTimeUnixNano"]),
                                int(s["endTimeUnixNano"]),
                                status.get("code", 0),
                                status.get("message"),
                                dumps(_flat(s.get("attributes"))),
                                dumps(
                                    [
                                        {
                                            "name": e.get("name"),
                                            "time_ns": int(e["timeUnixNano"]),
                                            "attributes": _flat(e.get("attributes")),
                                        }
                                        for e in events
                                    ]
                                    if events
                                    else []
                                ),
                            )
                        )
                        traces.add(s["traceId"])
            spans_in_line = len(rows)
            t2 = time.perf_counter()
            parse_s += t1 - t0
            build_s += t2 - t1
            if spans_in_line >= FLOOR_BATCH_SPANS:
                spans += spans_in_line
                insert_s += write()
    if rows:
        spans += len(rows)
        insert_s += write()
    seconds, cpu = time.perf_counter() - t_total, time.process_time() - c_total
    stored = conn.execute("SELECT count(*) FROM spans").fetchone()[0]
    conn.close()
    if stored != spans:
        raise SystemExit(f"floor stored {stored} of {spans} spans")
    return {
        "phase": f"floor-{library}",
        "spans": spans,
        "traces": len(traces),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "parse_seconds": parse_s,
        "build_seconds": build_s,
        "insert_seconds": insert_s,
        "bytes": path.stat().st_size,
        "db_bytes": db.stat().st_size,
        "rss_baseline_mb": rss_baseline,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_phase(args: list[str], *, show_stderr: bool = False) -> dict[str, Any]:
    """Run this script as a subprocess for one phase; return its JSON result."""
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), *args], check=False, capture_output=True, text=True
    )
    if show_stderr and proc.stderr:
        sys.stdout.write(proc.stderr)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"phase {args} failed with exit code {proc.returncode}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------


def _rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--traces",
        type=int,
        default=None,
        help=f"N: import N and 4N traces (default {DEFAULT_TRACES}); the floor runs at N",
    )
    parser.add_argument(
        "--sizes", type=str, default=None, help="comma-separated trace counts instead of N,4N, e.g. 5000,20000"
    )
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run the import at the smallest size under cProfile and print the hot spots",
    )
    parser.add_argument(
        "--floor-runs",
        type=int,
        default=3,
        help="run each floor this many times and keep the fastest (default 3; they are short and noisy)",
    )
    parser.add_argument(
        "--long-trace",
        type=str,
        default="10000,40000",
        help="also import one trace of each of these span counts (comma-separated; 0 to skip)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="write files here and keep them (default: a temp dir)")
    parser.add_argument(
        "--compare-thread",
        action="store_true",
        help="also import the largest size without the worker process (prepared on the importing thread)",
    )
    parser.add_argument(
        "--folder",
        type=int,
        default=0,
        metavar="FILES",
        help="also import the smallest size split into a folder of this many files (as exporters rotate them)",
    )
    parser.add_argument("--one-thread", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=["import", "floor"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--library", choices=["json", "orjson"], default="orjson", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        if args.file is None or args.workdir is None:
            parser.error("--phase needs --file and --workdir")
        if args.phase == "import":
            result = phase_import(args.file, args.workdir, args.profile, args.one_thread)
        else:
            result = phase_floor(args.file, args.workdir, args.library)
        print(json.dumps(result))
        return

    if args.sizes:
        sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    else:
        n = args.traces or DEFAULT_TRACES
        sizes = [n, 4 * n]
    if not sizes or (min(sizes) <= 0 and sizes != [0]):
        parser.error("sizes must be positive (--sizes 0: only the long traces)")

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="reviewdesk-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if sizes != [0]:
            _drive(sizes, workdir, args.seed, args.profile, max(1, args.floor_runs), args.compare_thread, args.folder)
        long_sizes = sorted({int(n) for n in args.long_trace.split(",") if n.strip() and int(n) > 0})
        if long_sizes:
            _drive_long(long_sizes, workdir, args.seed, max(1, args.floor_runs))
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average n/a"


def split_into_folder(path: Path, folder: Path, files: int) -> None:
    """``path``'s lines cut into ``files`` consecutive files of about equal size (whole lines: whole traces).

    Streamed: the imports run in subprocesses of this one, and Linux counts the parent's memory at
    the fork in a child's peak RSS.
    """
    with path.open("rb") as source:
        lines = sum(1 for _ in source)
    folder.mkdir(parents=True, exist_ok=True)
    per = max(1, -(-lines // files))
    with path.open("rb") as source, contextlib.ExitStack() as open_part:
        for number, line in enumerate(source):
            if number % per == 0:
                open_part.close()
                out = open_part.enter_context((folder / f"part-{number // per:04d}.jsonl").open("wb"))
            out.write(line)


def _drive(
    sizes: list[int],
    workdir: Path,
    seed: int,
    profile: bool,
    floor_runs: int,
    compare_thread: bool = False,
    folder_files: int = 0,
) -> None:
    print(
        f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus, "
        f"{_load()}, workdir {workdir}"
    )
    files = {n: workdir / f"traces-{n}.jsonl" for n in sizes}
    t = time.perf_counter()
    generate(files, seed)
    print(f"generated in {time.perf_counter() - t:.1f}s:")
    for n, path in files.items():
        size = path.stat().st_size
        print(
            f"  {path.name}: {n:,} traces, {n * SPANS_PER_TRACE:,} spans, {size / MB:,.1f} MB "
            f"({size / (n * SPANS_PER_TRACE) / 1000:.1f} kB/span)"
        )

    small = sizes[0]
    base = ["--file", str(files[small]), "--workdir", str(workdir)]
    floors: dict[str, dict[str, Any]] = {}
    for library in ("json", "orjson"):
        print(f"floor ({library}) at {small:,} traces, best of {floor_runs} ...", flush=True)
        runs = [run_phase(["--phase", "floor", "--library", library, *base]) for _ in range(floor_runs)]
        floors[library] = min(runs, key=lambda r: r["seconds"])
    imports: dict[int, dict[str, Any]] = {}
    for n in sizes:
        print(f"reviewdesk import at {n:,} traces ...", flush=True)
        imports[n] = run_phase(["--phase", "import", "--file", str(files[n]), "--workdir", str(workdir)])
    thread: dict[str, Any] | None = None
    if compare_thread:
        print(f"reviewdesk import at {sizes[-1]:,} traces on one thread (no worker process) ...", flush=True)
        thread = run_phase(
            ["--phase", "import", "--one-thread", "--file", str(files[sizes[-1]]), "--workdir", str(workdir)]
        )
    folder: dict[str, Any] | None = None
    if folder_files:
        parts = workdir / f"folder-{sizes[0]}"
        split_into_folder(files[sizes[0]], parts, folder_files)
        count = len(list(parts.iterdir()))
        print(f"reviewdesk import at {sizes[0]:,} traces as a folder of {count} files ...", flush=True)
        folder = run_phase(["--phase", "import", "--file", str(parts), "--workdir", str(workdir)])
    # The floor again, after the imports: this 2-core VM's single-core speed drifts by half between
    # runs (the same floor took 12.4 s and 19.0 s a day apart) while the import's wall time moved
    # by 2%, so a ratio to one floor measured minutes earlier can say more about the machine than
    # about the import. Both ratios are printed; their spread is the run's noise.
    print(f"floor (json) at {small:,} traces again, after the imports, best of {floor_runs} ...", flush=True)
    after = min(
        (run_phase(["--phase", "floor", "--library", "json", *base]) for _ in range(floor_runs)),
        key=lambda r: r["seconds"],
    )
    print(f"done, {_load()}")
    if profile:
        print(f"\ncProfile of the import at {small:,} traces (slower than unprofiled):")
        run_phase(["--phase", "import", "--profile", *base], show_stderr=True)

    # Final table.
    print()
    header = (
        f"{'run':<24}{'traces':>8}{'spans':>9}{'wall s':>8}{'cpu s':>7}{'spans/s':>9}{'traces/s':>9}"
        f"{'MB/s':>7}{'spans/cpu-s':>12}{'peak RSS':>10}{'base RSS':>10}{'worker RSS':>12}"
    )
    print(header)
    print("-" * len(header))

    def row(label: str, r: dict[str, Any]) -> None:
        print(
            f"{label:<24}{r['traces']:>8,}{r['spans']:>9,}{r['seconds']:>8.2f}{r['cpu_seconds']:>7.2f}"
            f"{_rate(r['spans'], r['seconds']):>9}{_rate(r['traces'], r['seconds']):>9}"
            f"{r['bytes'] / MB / r['seconds']:>7.1f}{_rate(r['spans'], r['cpu_seconds']):>12}"
            f"{r['peak_rss_mb']:>8.0f}MB{r['rss_baseline_mb']:>8.0f}MB"
            + (f"{r['worker_rss_mb']:>10.0f}MB" if r.get("worker_rss_mb") else "")
        )

    for library in ("json", "orjson"):
        row(f"floor {library}", floors[library])
    for n in sizes:
        row(f"reviewdesk {imports[n]['bytes'] / MB:,.0f} MB", imports[n])
    if thread is not None:
        row("  same, one thread", thread)
    if folder is not None:
        row(f"  {folder['files']} files of {folder['bytes'] / folder['files'] / MB:,.1f} MB", folder)
    print()
    ref = imports[small]
    for library in ("json", "orjson"):
        f = floors[library]
        wall = (ref["spans"] / ref["seconds"]) / (f["spans"] / f["seconds"])
        cpu = (ref["spans"] / ref["cpu_seconds"]) / (f["spans"] / f["cpu_seconds"])
        print(
            f"reviewdesk/floor {library:<6} = {wall:.2f} wall, {cpu:.2f} cpu  "
            f"(floor: parse {f['parse_seconds']:.2f}s, flatten+dumps {f['build_seconds']:.2f}s, "
            f"sqlite {f['insert_seconds']:.2f}s)"
            + ("  target: json wall >= 0.5 (issue 12)" if library == "json" else "")
        )
    before_s, after_s = floors["json"]["seconds"], after["seconds"]
    low, high = sorted(((ref["spans"] / ref["seconds"]) / (after["spans"] / s)) for s in (before_s, after_s))
    print(
        f"floor json before / after the imports: {before_s:.2f}s / {after_s:.2f}s; "
        f"reviewdesk/floor json wall against each: {low:.2f}-{high:.2f}"
    )
    if thread is not None:
        big = imports[sizes[-1]]
        print(
            f"worker process vs one thread at {sizes[-1]:,} traces: {thread['seconds'] / big['seconds']:.2f}x the speed"
            f" (wall), {big['cpu_seconds'] / thread['cpu_seconds']:.2f}x the CPU"
        )
    if folder is not None:
        print(
            f"a folder of {folder['files']} files vs one file at {small:,} traces: "
            f"{ref['seconds'] / folder['seconds']:.2f}x the speed (wall), "
            f"{folder['cpu_seconds'] / ref['cpu_seconds']:.2f}x the CPU"
            + ("" if folder.get("worker_rss_mb") else f" (each below {_worker_min_mb():.0f} MB: read on one thread)")
        )
    for n in sizes:
        rates = imports[n].get("batch_rates") or []
        if len(rates) >= 6:
            first, last = sum(rates[:3]) / 3, sum(rates[-3:]) / 3
            print(
                f"reviewdesk {n:,} traces, spans/s per batch: first 3 batches {first:,.0f}, last 3 {last:,.0f} "
                f"(last/first {last / first:.2f}, target about 1; below 1 = slows down as the workspace grows)"
            )
    for n in sizes:
        r = imports[n]
        print(
            f"reviewdesk {n:,} traces: peak RSS {r['peak_rss_mb']:.0f} MB importing process"
            + (
                f" + {r['worker_rss_mb']:.0f} MB in {r.get('workers', 1)} worker processes"
                f" = {r['peak_rss_mb'] + r['worker_rss_mb']:.0f} MB (target <= 400 MB)"
                f" (workers' CPU {r['worker_cpu_seconds']:.1f} s of {r['cpu_seconds']:.1f} s)"
                if r.get("worker_rss_mb")
                else " (no worker process)"
            )
        )
    growth = [(n, imports[n]["peak_rss_mb"] - imports[n]["rss_baseline_mb"]) for n in sizes]
    print(
        "import memory above baseline (peak RSS - RSS after open_workspace): "
        + ", ".join(f"{n:,} traces: {g:.0f} MB" for n, g in growth)
    )
    if len(sizes) > 1:
        (n0, g0), (n1, g1) = growth[0], growth[-1]
        verdict = "bounded" if g1 <= 1.25 * g0 + 10 else "GROWS with file size"
        ratio = f"{g1 / g0:.1f}x" if g0 > 0 else "n/a"
        per_k = (g1 - g0) / (n1 - n0) * 1000
        print(f"  {n1 / n0:.1f}x the traces -> {ratio} the memory ({per_k:+.1f} MB per 1,000 more traces): {verdict}")
        batch = imports[n0].get("batch_spans")
        if batch and n0 * SPANS_PER_TRACE < batch:
            print(
                f"  note: {n0:,} traces is less than one import batch ({batch:,} spans); "
                "memory grows until the first batch is full, so compare sizes above it"
            )
    print(
        f"workspace open (alembic upgrade) {ref['open_seconds']:.2f}s, not in the import time; "
        f"workspace file {ref['db_bytes'] / MB:,.0f} MB vs floor {floors['orjson']['db_bytes'] / MB:,.0f} MB"
    )


def _worker_min_mb() -> float:
    from reviewdesk.services import import_worker

    return import_worker.WORKER_MIN_BYTES / MB


def _drive_long(sizes: list[int], workdir: Path, seed: int, floor_runs: int) -> None:
    """One trace of each size: is the import linear in a trace's length (built once, not per batch)?"""
    print(f"\none long trace ({', '.join(f'{n:,}' for n in sizes)} spans), {_load()}")
    files = {n: workdir / f"long-{n}.jsonl" for n in sizes}
    for n, path in files.items():
        generate_long(path, n, seed)
        print(f"  {path.name}: 1 trace, {n:,} spans, {path.stat().st_size / MB:,.1f} MB")
    largest = sizes[-1]
    base = ["--file", str(files[largest]), "--workdir", str(workdir)]
    print(f"floor (json) at {largest:,} spans, best of {floor_runs} ...", flush=True)
    floor = min(
        (run_phase(["--phase", "floor", "--library", "json", *base]) for _ in range(floor_runs)),
        key=lambda r: r["seconds"],
    )
    results = {}
    for n in sizes:
        print(f"reviewdesk import of one {n:,}-span trace ...", flush=True)
        results[n] = run_phase(["--phase", "import", "--file", str(files[n]), "--workdir", str(workdir)])
    # Files below WORKER_MIN_BYTES are read on the importing thread, larger ones by worker
    # processes: CPU per span across sizes then compares two ways of reading. The largest again on
    # one thread compares like with like.
    print(f"reviewdesk import of one {largest:,}-span trace on one thread ...", flush=True)
    thread = run_phase(["--phase", "import", "--one-thread", *base])
    print(f"done, {_load()}\n")
    print(f"{'run':<26}{'spans':>8}{'wall s':>8}{'cpu s':>7}{'spans/s':>9}{'us/span cpu':>12}{'peak RSS':>10}")
    listed = [("floor json", floor)] + [("reviewdesk 1 trace", results[n]) for n in sizes]
    for label, r in [*listed, ("  same, one thread", thread)]:
        worker = f" + {r['worker_rss_mb']:.0f}MB" if r.get("worker_rss_mb") else ""
        print(
            f"{label:<26}{r['spans']:>8,}{r['seconds']:>8.2f}{r['cpu_seconds']:>7.2f}"
            f"{_rate(r['spans'], r['seconds']):>9}"
            f"{r['cpu_seconds'] / r['spans'] * 1e6:>12.1f}{r['peak_rss_mb']:>8.0f}MB{worker}"
        )
    big = results[largest]
    wall = (big["spans"] / big["seconds"]) / (floor["spans"] / floor["seconds"])
    cpu = (big["spans"] / big["cpu_seconds"]) / (floor["spans"] / floor["cpu_seconds"])
    print(f"reviewdesk/floor json at {largest:,} spans in one trace = {wall:.2f} wall, {cpu:.2f} cpu")
    if len(sizes) > 1:
        small = results[sizes[0]]
        growth = (big["cpu_seconds"] / big["spans"]) / (small["cpu_seconds"] / small["spans"])
        same = (thread["cpu_seconds"] / thread["spans"]) / (small["cpu_seconds"] / small["spans"])
        print(
            f"CPU per span, {largest:,} / {sizes[0]:,} spans: {growth:.2f} as imported, {same:.2f} both on one thread"
            f" (if {sizes[0]:,} is), for {largest / sizes[0]:.0f}x the spans (1 = linear; the size ratio = quadratic)"
        )
    print(
        f"worker processes vs one thread, one {largest:,}-span trace: {thread['seconds'] / big['seconds']:.2f}x the"
        f" speed, {big['cpu_seconds'] / thread['cpu_seconds']:.2f}x the CPU (a trace is never split between workers)"
    )
    rates = big.get("batch_rates") or []
    if len(rates) >= 2:
        print(f"spans/s per batch at {largest:,} spans: " + ", ".join(f"{r:,.0f}" for r in rates))


if __name__ == "__main__":
    main()
