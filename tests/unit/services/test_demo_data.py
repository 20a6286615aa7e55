"""The bundled demo data imports cleanly and carries the cases src/reviewdesk/resources/demo/EXPECTED.md promises."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from reviewdesk import paths
from reviewdesk.domain.case import Case
from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import open_workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    ws = open_workspace(tmp_path_factory.mktemp("demo") / "demo.reviewdesk")
    names = paths.demo_files()
    assert names == ["support_copilot.jsonl"]
    with paths.resource_file("demo", names[0]) as path:
        result = imports.import_files(ws, [path])
    assert all(s.ok for s in result.files), [s.errors for s in result.files]
    loaded = {row.trace_id[:8]: cases.get_case(ws, row.case_id) for row in cases.list_cases(ws)}
    ws.close()
    return loaded


def test_thirty_cases_two_workflows_two_releases(demo: dict[str, Case]) -> None:
    assert len(demo) == 30
    assert Counter(c.workflow for c in demo.values()) == {"refund_request": 16, "order_status": 11, "account_help": 3}
    assert Counter(c.release for c in demo.values()) == {"2026.10.1": 17, "2026.11.0": 13}
    assert {c.tenant for c in demo.values()} == {"acme-eu", "globex-us"}
    assert all(c.input.user_request and c.generation.output for c in demo.values())
    assert sum(c.span_count for c in demo.values()) == 205


def test_tool_errors(demo: dict[str, Case]) -> None:
    for prefix in ("a0b939c8", "7536055e", "dd4df6da", "b4240e09"):
        case = demo[prefix]
        assert case.status == "error", prefix
        assert any(call.error for call in case.tool_calls), prefix
    refused = demo["b4240e09"]
    assert [c.name for c in refused.tool_calls] == ["lookup_order", "issue_refund", "create_ticket"]
    assert "403" in (refused.tool_calls[1].error or "")


def test_failed_llm_call_falls_back_to_the_apps_reply(demo: dict[str, Case]) -> None:
    case = demo["15051bb4"]
    assert case.status == "error"
    assert case.generation.model == "gpt-4o-2024-08-06"  # the failed call has no response model
    assert case.generation.output is not None and case.generation.output.startswith("Sorry")


def test_stale_source_and_injection_are_visible(demo: dict[str, Case]) -> None:
    stale = demo["90759bea"]
    assert stale.retrieval.documents[0].id == "policy-returns-2024-01"
    injected = demo["05c060bb"]
    assert any("kb-community" in (d.id or "") for d in injected.retrieval.documents)
    assert any(c.name == "issue_refund" for c in injected.tool_calls)
    assert "Ignore previous instructions" in (demo["0c083c13"].input.user_request or "")


def test_refusal_feedback_and_template(demo: dict[str, Case]) -> None:
    assert demo["aa8749b9"].generation.finish_reason == "content_filter"
    feedback = {
        prefix: [f.label for f in demo[prefix].outcome.feedback] for prefix in ("e273d494", "aa8749b9", "0c10fe09")
    }
    assert feedback == {"e273d494": ["thumbs_up"], "aa8749b9": ["thumbs_down"], "0c10fe09": ["thumbs_down"]}
    template = demo["d5f4413b"].input.prompt_template
    assert template is not None and template.version == "v7" and template.variables


def test_split_traces_are_whole(demo: dict[str, Case]) -> None:
    assert (demo["cb9484a5"].span_count, demo["15051bb4"].span_count) == (9, 6)
    assert (demo["bdf0d8f7"].span_count, demo["b4240e09"].span_count) == (10, 12)
    slow = demo["bdf0d8f7"]
    assert slow.latency_ms is not None and slow.latency_ms > 30_000
    assert slow.usage.cost_usd is not None and slow.usage.cost_usd > 0.1


def test_multi_turn_history_is_not_counted_as_this_turns_tools(demo: dict[str, Case]) -> None:
    second_turn = demo["91f9f828"]
    first_turn = demo["dd4df6da"]
    assert second_turn.session_id == first_turn.session_id
    # The first call of turn 2 replays turn 1: system, user, the failed tool call and its answer, reply, user.
    assert [m.role for m in second_turn.input.messages] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert all(not call.error for call in second_turn.tool_calls)  # turn 1's failed lookup is history


def test_the_generator_reproduces_the_committed_demo_files(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[3]
    subprocess.run([sys.executable, str(repo / "tools" / "generate_demo.py"), "--out-dir", str(tmp_path)], check=True)
    for name in ("support_copilot.jsonl", "EXPECTED.md"):
        committed = paths.resource("demo", name).read_bytes()
        assert (tmp_path / name).read_bytes() == committed, f"{name}: run tools/generate_demo.py and commit the result"
