#!/usr/bin/env python
"""Case building on one big trace: does the time per span stay flat as a trace grows?

    python bench/case_bench.py                      # agent loops of 1,000, 4,000 and 16,000 spans
    python bench/case_bench.py --spans 2000,32000   # other sizes

Each trace is an OpenInference agent loop: a root AGENT span, then LLM calls that each ask for
one tool call and TOOL spans that answer them (matched by call id), alternating. The script
times ``build_case`` on the spans (cyclic GC paused, as the import pauses it) and prints the
time per span for each size and the growth from the smallest to the largest size. A ratio
near 1 is linear; a ratio near the size ratio means quadratic work crept in (matching tool
spans to requests once scanned every request for every span: 1.9 s at 16,000 spans).
"""

from __future__ import annotations

import argparse
import gc
import time

from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize import build_case

TRACE = "7" * 32


def agent_loop(spans: int) -> list[RawSpan]:
    root = RawSpan(
        trace_id=TRACE,
        span_id=f"{0:016x}",
        parent_span_id=None,
        name="agent",
        start_ns=0,
        end_ns=spans * 1_000_000,
        attributes={"openinference.span.kind": "AGENT", "input.value": "Plan my trip"},
    )
    out = [root]
    for i in range(1, spans):
        if i % 2:
            attrs: dict[str, object] = {
                "openinference.span.kind": "LLM",
                "llm.input_messages.0.message.role": "user",
                "llm.input_messages.0.message.content": f"step {i}",
                "llm.output_messages.0.message.role": "assistant",
                "llm.output_messages.0.message.tool_calls.0.tool_call.id": f"call_{i}",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "search",
                "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": f'{{"q": "{i}"}}',
                "llm.token_count.prompt": 120,
                "llm.token_count.completion": 12,
            }
        else:
            attrs = {
                "openinference.span.kind": "TOOL",
                "tool.name": "search",
                "tool_call.id": f"call_{i - 1}",
                "input.value": f'{{"q": "{i - 1}"}}',
                "output.value": f"result {i - 1}",
            }
        out.append(
            RawSpan(
                trace_id=TRACE,
                span_id=f"{i:016x}",
                parent_span_id=root.span_id,
                name="llm" if i % 2 else "search",
                start_ns=i * 1_000_000,
                end_ns=i * 1_000_000 + 500_000,
                attributes=attrs,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spans", default="1000,4000,16000", help="comma-separated trace sizes")
    sizes = sorted(int(n) for n in parser.parse_args().spans.split(","))
    print(f"{'spans':>8} {'tool calls':>10} {'build s':>8} {'us/span':>8}")
    per_span: list[float] = []
    gc.disable()
    for size in sizes:
        spans = agent_loop(size)
        start = time.process_time()
        case = build_case(spans, source_format="bench", source_file="agent.jsonl")
        seconds = time.process_time() - start
        per_span.append(seconds / size * 1e6)
        print(f"{size:>8,} {len(case.tool_calls):>10,} {seconds:>8.3f} {per_span[-1]:>8.1f}")
        del spans, case
        gc.collect()
    print(
        f"time per span, largest / smallest: {per_span[-1] / per_span[0]:.2f}"
        f" for {sizes[-1] / sizes[0]:.0f}x the spans (1 = linear)"
    )


if __name__ == "__main__":
    main()
