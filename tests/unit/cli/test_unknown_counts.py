"""Unknown is not zero: token counts a trace did not record print as unknown and add nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.unit.cli.test_cli import EXPECTED, OI, run

# The OTLP spec's example trace: one HTTP span, no LLM call, so no token counts at all.
NO_TOKENS = DATA / "samples" / "otlp_trace_example.json"


def test_show_prints_unknown_counts_as_unknown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ws = str(tmp_path / "w.reviewdesk")
    run(capsys, "--workspace", ws, "import", str(NO_TOKENS))
    code, out, _ = run(capsys, "--workspace", ws, "cases", "--json")
    case_id = json.loads(out.splitlines()[0])["case_id"]
    code, out, _ = run(capsys, "--workspace", ws, "show", case_id)
    assert code == 0
    assert "tokens in unknown / out unknown / total unknown" in out
    assert "tokens in 0" not in out


def test_stats_do_not_count_unknown_as_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ws = str(tmp_path / "w.reviewdesk")
    run(capsys, "--workspace", ws, "import", str(NO_TOKENS))
    code, out, _ = run(capsys, "--workspace", ws, "stats", "--json")
    assert code == 0
    stats = json.loads(out)
    assert (stats["input_tokens"], stats["output_tokens"], stats["cases_with_tokens"]) == (None, None, 0)
    assert (stats["cost_usd"], stats["cases_with_cost"]) == (None, 0)
    _, out, _ = run(capsys, "--workspace", ws, "stats")
    assert "tokens unknown" in out and "tokens in 0" not in out

    run(capsys, "--workspace", ws, "import", str(OI))
    _, out, _ = run(capsys, "--workspace", ws, "stats", "--json")
    stats = json.loads(out)
    assert stats["input_tokens"] == EXPECTED["A"]["input_tokens"] + EXPECTED["B"]["input_tokens"]
    assert (stats["cases"], stats["cases_with_tokens"]) == (3, 2)
    _, out, _ = run(capsys, "--workspace", ws, "stats")
    assert "(counted in 2 of 3 cases)" in out
