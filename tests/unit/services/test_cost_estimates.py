"""Estimated cost (issue 12 item 3): list prices for traces that record no cost, kept apart from
recorded cost, overridable per workspace, and brought to stored cases on upgrade.

Expected amounts are worked out by hand from the providers' published prices (US dollars per
million tokens): gpt-4o-mini input 0.15, cached input 0.075, output 0.60; o1-mini input 1.10,
output 4.40 — the prices of the genai-prices table at the time of the calls.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize import build_case, table_version
from reviewdesk.services import audit, cases, imports, prices
from reviewdesk.services.workspace import open_workspace
from tests.conftest import DATA
from tests.otlp_builder import span, write_jsonl

T = "33333333333333333333333333333333"
START_NS = 1_733_000_000_000_000_000  # 2024-11-30: within the table's gpt-4o-mini price period


def llm(span_id: str, attrs: dict[str, Any], *, start: int = 0) -> RawSpan:
    return RawSpan(
        trace_id=T,
        span_id=span_id,
        parent_span_id=None if span_id == "a" * 16 else "a" * 16,
        name="chat",
        start_ns=START_NS + start * 1_000_000,
        end_ns=START_NS + (start + 5) * 1_000_000,
        attributes={"openinference.span.kind": "LLM", "llm.provider": "openai", **attrs},
    )


def agent_trace(*, cost: float | None = None) -> list[RawSpan]:
    """An agent that called gpt-4o-mini twice (the second time mostly from the prompt cache)."""
    second: dict[str, Any] = {
        "llm.model_name": "gpt-4o-mini-2024-07-18",
        "llm.token_count.prompt": 2000,
        "llm.token_count.prompt_details.cache_read": 1500,
        "llm.token_count.completion": 100,
    }
    if cost is not None:
        second["llm.cost.total"] = cost
    return [
        RawSpan(
            trace_id=T,
            span_id="a" * 16,
            parent_span_id=None,
            name="agent",
            start_ns=START_NS,
            end_ns=START_NS + 10**8,
            attributes={"openinference.span.kind": "AGENT"},
        ),
        llm(
            "b" * 16,
            {
                "llm.model_name": "gpt-4o-mini-2024-07-18",
                "llm.token_count.prompt": 1000,
                "llm.token_count.completion": 200,
            },
            start=1,
        ),
        llm("c" * 16, second, start=10),
    ]


def test_cost_is_estimated_per_call_and_summed_with_cached_tokens() -> None:
    case = build_case(agent_trace(), source_format="test", source_file="t")
    first = (1000 * 0.15 + 200 * 0.60) / 1e6
    second = (500 * 0.15 + 1500 * 0.075 + 100 * 0.60) / 1e6
    assert case.usage.cost_usd is None
    assert case.usage.cached_input_tokens == 1500
    estimate = case.usage.cost_estimate
    assert estimate is not None
    assert estimate.usd == pytest.approx(first + second)
    assert (estimate.calls_priced, estimate.calls_unpriced) == (2, 0)
    assert estimate.prices == table_version() and table_version().startswith("genai-prices ")
    assert case.usage.cost == estimate.usd and case.usage.cost_is_estimated


def test_the_traces_own_cost_wins() -> None:
    case = build_case(agent_trace(cost=0.5), source_format="test", source_file="t")
    assert case.usage.cost_usd == 0.5
    assert case.usage.cost_estimate is None
    assert not case.usage.cost_is_estimated


def test_a_model_without_a_price_leaves_the_cost_unknown_and_says_why() -> None:
    spans = [
        llm(
            "a" * 16,
            {"llm.model_name": "acme-internal-7b", "llm.token_count.prompt": 10, "llm.token_count.completion": 5},
        )
    ]
    estimate = build_case(spans, source_format="test", source_file="t").usage.cost_estimate
    assert estimate is not None
    assert estimate.usd is None
    assert estimate.unpriced_models == ["acme-internal-7b"]


def test_reasoning_tokens_of_a_real_langsmith_run(tmp_path: Path) -> None:
    # The LangSmith JS SDK's streamed gpt-4o-mini run (tests/data/samples): 9 in, 9 out.
    ws = open_workspace(tmp_path / "w.reviewdesk")
    try:
        imports.import_files(ws, [DATA / "samples" / "langsmith_run_wrap_openai_stream.json"])
        case = cases.get_case(ws, "33c08c32-435c-4788-b973-b5bee4a31f87")
    finally:
        ws.close()
    assert (case.usage.cached_input_tokens, case.usage.reasoning_tokens) == (0, 0)
    assert case.usage.cost_estimate is not None
    assert case.usage.cost_estimate.usd == pytest.approx((9 * 0.15 + 9 * 0.60) / 1e6)


def test_reasoning_tokens_are_read_and_priced_as_output() -> None:
    outputs = {
        "model": "o1-mini-2024-09-12",
        "choices": [{"message": {"role": "assistant", "content": "#!/bin/bash"}, "finish_reason": "stop"}],
        "usage_metadata": {
            "input_tokens": 43,
            "output_tokens": 1901,
            "total_tokens": 1944,
            "input_token_details": {"cache_read": 0},
            "output_token_details": {"reasoning": 960},
        },
    }
    run = RawSpan(
        trace_id=T,
        span_id="a" * 16,
        parent_span_id=None,
        name="ChatOpenAI",
        start_ns=1_728_803_138_291_000_000,
        end_ns=1_728_803_148_730_000_000,
        attributes={
            "langsmith.span.kind": "llm",
            "langsmith.metadata.ls_provider": "openai",
            "langsmith.metadata.ls_model_name": "o1-mini",
            "langsmith.run.inputs": {"model": "o1-mini", "messages": [{"role": "user", "content": "x"}]},
            "langsmith.run.outputs": outputs,
        },
    )
    case = build_case([run], source_format="test", source_file="t")
    assert case.usage.reasoning_tokens == 960
    assert case.usage.cost_estimate is not None
    assert case.usage.cost_estimate.usd == pytest.approx((43 * 1.10 + 1901 * 4.40) / 1e6)


def _import_two(tmp_path: Path) -> Path:
    """A workspace with one trace that records no cost and one that records its own."""
    path = tmp_path / "w.reviewdesk"
    attrs = {
        "openinference.span.kind": "LLM",
        "llm.model_name": "gpt-4o-mini",
        "llm.provider": "openai",
        "llm.token_count.prompt": 1_000_000,
        "llm.token_count.completion": 1_000_000,
    }
    recorded = {**attrs, "llm.cost.total": 9.0}
    file = write_jsonl(
        tmp_path / "t.jsonl",
        [
            [span("chat", trace_id="a1" * 16, span_id="b1" * 8, attributes=attrs)],
            [span("chat", trace_id="a2" * 16, span_id="b2" * 8, attributes=recorded)],
        ],
    )
    ws = open_workspace(path)
    try:
        assert imports.import_files(ws, [file]).files[0].cases_created == 2
    finally:
        ws.close()
    return path


def test_workspace_prices_win_and_re_estimate_stored_cases(tmp_path: Path) -> None:
    path = _import_two(tmp_path)
    ws = open_workspace(path)
    try:
        estimated, recorded = (cases.get_case(ws, "a1" * 16), cases.get_case(ws, "a2" * 16))
        assert estimated.usage.cost_estimate.usd == pytest.approx(0.15 + 0.60)
        change = prices.set_price(ws, "GPT-4o-mini", input_per_mtok=1.0, output_per_mtok=2.0)
        assert change.reestimated == 1
        estimated = cases.get_case(ws, "a1" * 16)
        assert estimated.usage.cost_estimate.usd == pytest.approx(3.0)
        assert estimated.usage.cost_estimate.overridden_models == ["gpt-4o-mini"]
        assert estimated.usage.cost_estimate.prices.startswith("workspace prices of ")
        assert cases.get_case(ws, "a2" * 16).usage == recorded.usage  # a recorded cost is never touched
        stats = cases.stats(ws)
        assert (stats.cost_usd, stats.cases_with_cost) == (9.0, 1)
        assert stats.estimated_cost_usd == pytest.approx(3.0)
        assert stats.cases_with_estimate == 1
        assert any(e.action == "settings" and e.subject == "prices" for e in audit.entries(ws))
        # Later imports use the workspace's price too.
        file = write_jsonl(
            tmp_path / "more.jsonl",
            [
                [
                    span(
                        "chat",
                        trace_id="a3" * 16,
                        span_id="b3" * 8,
                        attributes={
                            "openinference.span.kind": "LLM",
                            "llm.model_name": "gpt-4o-mini",
                            "llm.token_count.prompt": 1_000_000,
                            "llm.token_count.completion": 0,
                        },
                    )
                ]
            ],
        )
        imports.import_files(ws, [file])
        assert cases.get_case(ws, "a3" * 16).usage.cost_estimate.usd == pytest.approx(1.0)
        prices.unset_price(ws, "gpt-4o-mini")
        assert cases.get_case(ws, "a1" * 16).usage.cost_estimate.usd == pytest.approx(0.15 + 0.60)
        with pytest.raises(UsageError, match="no workspace price"):
            prices.unset_price(ws, "gpt-4o-mini")
        with pytest.raises(UsageError, match="0 or more"):
            prices.set_price(ws, "gpt-4o-mini", input_per_mtok=-1, output_per_mtok=1)
    finally:
        ws.close()


def test_sorting_by_cost_uses_the_estimate_when_no_cost_is_recorded(tmp_path: Path) -> None:
    from reviewdesk.domain.queries import CaseFilter

    ws = open_workspace(_import_two(tmp_path))
    try:
        rows = cases.list_cases(ws, CaseFilter(sort="cost", descending=True))
        assert [(r.trace_id, r.cost_is_estimated) for r in rows] == [("a2" * 16, False), ("a1" * 16, True)]
        assert rows[1].cost == pytest.approx(0.75)
    finally:
        ws.close()


def test_stored_cases_get_the_estimate_on_upgrade(tmp_path: Path) -> None:
    # A workspace written at revision 0003 (before estimates), whose first case's trace counted
    # tokens but recorded no cost: opening it upgrades it and estimates that case.
    path = tmp_path / "rev-0003.reviewdesk"
    shutil.copyfile(DATA / "workspaces" / "rev-0003.reviewdesk", path)
    conn = sqlite3.connect(path)
    with conn:
        rowid, data = conn.execute("SELECT case_rowid, data FROM cases ORDER BY case_rowid LIMIT 1").fetchone()
        case = json.loads(data)
        case["usage"]["cost_usd"] = None
        conn.execute("UPDATE cases SET cost_usd = NULL, data = ? WHERE case_rowid = ?", (json.dumps(case), rowid))
        span_rowid, attrs = conn.execute(
            "SELECT span_rowid, attributes FROM spans WHERE trace_rowid = ? AND name = 'llm'", (rowid,)
        ).fetchone()
        attrs = {**json.loads(attrs), "llm.token_count.prompt": 1_000_000, "llm.token_count.completion": 1_000_000}
        conn.execute("UPDATE spans SET attributes = ? WHERE span_rowid = ?", (json.dumps(attrs), span_rowid))
    conn.close()

    ws = open_workspace(path)
    try:
        upgraded = cases.get_case(ws, case["case_id"])
        assert upgraded.usage.cost_estimate is not None
        assert upgraded.usage.cost_estimate.usd == pytest.approx(0.15 + 0.60)
        assert upgraded.labels == cases.get_case(ws, case["case_id"]).labels  # nothing else changed
        assert (upgraded.workflow, upgraded.input.user_request) == (case["workflow"], case["input"]["user_request"])
        others = [c for c in cases.list_cases(ws) if c.case_id != case["case_id"]]
        assert all(c.cost_usd == 0.001 and c.estimated_cost_usd is None for c in others)
    finally:
        ws.close()


def test_prices_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ws = str(_import_two(tmp_path))

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--workspace", ws, *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("prices")
    assert code == 0 and "price table: genai-prices" in out and "workspace prices: none" in out
    code, out, _ = run("prices", "set", "gpt-4o-mini", "--input", "1", "--output", "2", "--cached-input", "0.5")
    assert code == 0 and "1 case(s) re-estimated" in out
    code, out, _ = run("prices", "show", "--json")
    shown = json.loads(out)
    assert shown["models"] == {"gpt-4o-mini": {"input": 1.0, "output": 2.0, "cached_input": 0.5}}
    code, out, _ = run("show", "a1" * 16)
    assert "cost $3.00 estimated (workspace prices of " in out
    code, out, _ = run("cases", "--sort", "cost")
    assert "$3.00 est" in out and "est: estimated from list prices" in out
    code, out, _ = run("stats")
    assert "cost recorded $9.00 (1 of 2 cases)" in out and "estimated $3.00 (1 of 2 cases)" in out
    code, out, _ = run("cases", "--json")
    rows = {json.loads(line)["trace_id"]: json.loads(line) for line in out.splitlines()}
    assert (rows["a1" * 16]["cost_usd"], rows["a1" * 16]["estimated_cost_usd"]) == (None, 3.0)
    code, _, err = run("prices", "set", "gpt-4o-mini", "--input", "-3", "--output", "2")
    assert code != 0 and "0 or more" in err
    code, _, err = run("prices", "unset", "nope")
    assert code != 0 and "no workspace price for 'nope'" in err
    code, out, _ = run("prices", "unset", "gpt-4o-mini")
    assert code == 0 and "re-estimated" in out
