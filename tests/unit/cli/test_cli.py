"""The CLI as a user runs it: commands, output, exit codes (0 ok, 1 bad input, 2 usage)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from tests.conftest import DATA

OI = DATA / "instrumented" / "openinference_openai.json"
EXPECTED = json.loads((DATA / "instrumented" / "expected.json").read_text())["openinference_openai.json"]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return tmp_path / "cli.reviewdesk"


def test_cases_cut_by_limit_say_how_many_match_counted_as_the_window_counts(
    capsys: pytest.CaptureFixture[str], ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reviewdesk.storage import queries

    assert run(capsys, "--workspace", str(ws_path), "import", str(OI))[0] == 0
    code, out, _ = run(capsys, "--workspace", str(ws_path), "cases", "--limit", "1")
    assert code == 0 and "1 case(s) of 2 matching" in out and "counting stops" not in out
    monkeypatch.setattr(queries, "COUNT_CAP", 1)
    code, out, _ = run(capsys, "--workspace", str(ws_path), "cases", "--limit", "1")
    assert code == 0 and "1 case(s) of 1+ matching\n(counting stops at 1, as the window's queue bar does)" in out
    code, out, _ = run(capsys, "--workspace", str(ws_path), "cases", "--limit", "5")
    assert code == 0 and "2 case(s)\n" in out and "matching" not in out  # all listed: nothing more to say


def test_import_cases_show_flow(capsys: pytest.CaptureFixture[str], ws_path: Path) -> None:
    code, out, err = run(capsys, "--workspace", str(ws_path), "import", str(OI))
    assert code == 0, err
    assert "openinference_openai.json (otlp-json): 2 new case(s), 9 span(s) added" in out

    code, out, _ = run(capsys, "--workspace", str(ws_path), "cases", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and {r["trace_id"] for r in rows} == {EXPECTED["A"]["trace_id"], EXPECTED["B"]["trace_id"]}

    code, out, _ = run(capsys, "--workspace", str(ws_path), "cases", "--status", "error")
    assert code == 0 and "1 case(s)" in out and "Please cancel" in out

    code, out, _ = run(capsys, "--workspace", str(ws_path), "show", EXPECTED["A"]["trace_id"][:10], "--json")
    case = json.loads(out)
    assert case["input"]["user_request"] == EXPECTED["A"]["user_request"]
    assert case["labels"] is None
    assert case["tool_calls"][0]["name"] == "lookup_order"

    code, out, _ = run(capsys, "--workspace", str(ws_path), "show", case["case_id"], "--spans")
    assert code == 0
    assert "User request:" in out and "lookup_order" in out and "Spans:" in out and "ChatCompletion" in out


def test_show_unknown_case_is_a_data_error(capsys: pytest.CaptureFixture[str], ws_path: Path) -> None:
    code, _, err = run(capsys, "--workspace", str(ws_path), "show", "deadbeef")
    assert code == 1
    assert "no case matches 'deadbeef'" in err


def test_bad_input_exit_code_and_message(capsys: pytest.CaptureFixture[str], ws_path: Path, tmp_path: Path) -> None:
    bad = tmp_path / "broken.jsonl"
    good_line = (DATA / "samples" / "otlp_file_exporter_traces.jsonl").read_text().splitlines()[0]
    bad.write_text(good_line + "\n{not json}\n")
    code, out, err = run(capsys, "--workspace", str(ws_path), "import", str(bad))
    assert code == 1
    assert "broken.jsonl (otlp-jsonl): 1 new case(s), 2 span(s) added, 1 record(s) skipped" in out
    assert "skipped: broken.jsonl: line 2: not valid JSON" in err


def test_unknown_file_lists_supported_formats(
    capsys: pytest.CaptureFixture[str], ws_path: Path, tmp_path: Path
) -> None:
    other = tmp_path / "table.csv"
    other.write_text("a,b\n1,2\n")
    code, _, err = run(capsys, "--workspace", str(ws_path), "import", str(other))
    assert code == 1
    assert "table.csv: not a trace file reviewdesk can read: it looks like CSV or other tabular text." in err
    assert "Supported formats: reviewdesk-jsonl" in err and "jaeger-ui" in err
    assert "otlp-jsonl" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], ws_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--workspace", str(ws_path), "import"])
    assert exc.value.code == 2
    code, _, err = run(capsys, "--workspace", str(ws_path), "export", "--format", "reviewdesk-jsonl")
    assert code == 2 and "needs --format and -o" in err


def test_export_is_deterministic(capsys: pytest.CaptureFixture[str], ws_path: Path, tmp_path: Path) -> None:
    run(capsys, "--workspace", str(ws_path), "import", str(OI), str(DATA / "instrumented" / "traceloop_new.json"))
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run(capsys, "--workspace", str(ws_path), "export", "--format", "reviewdesk-jsonl", "-o", str(first))[0] == 0
    assert run(capsys, "--workspace", str(ws_path), "export", "--format", "reviewdesk-jsonl", "-o", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_text().splitlines()
    assert len(lines) == 4
    parsed = [json.loads(line) for line in lines]
    assert [p["started_at"] for p in parsed] == sorted(p["started_at"] for p in parsed)
    # Exporting into another workspace from the same files gives the same bytes.
    other = tmp_path / "other.reviewdesk"
    run(capsys, "--workspace", str(other), "import", str(DATA / "instrumented" / "traceloop_new.json"), str(OI))
    third = tmp_path / "c.jsonl"
    run(capsys, "--workspace", str(other), "export", "--format", "reviewdesk-jsonl", "-o", str(third))
    assert third.read_bytes() == first.read_bytes()


def test_schema_case(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "case")
    schema = json.loads(out)
    assert code == 0
    for field in (
        "case_id",
        "trace_id",
        "source",
        "workflow",
        "release",
        "session_id",
        "user_id",
        "tenant",
        "started_at",
        "latency_ms",
        "status",
        "error",
        "input",
        "retrieval",
        "generation",
        "tool_calls",
        "usage",
        "outcome",
        "labels",
    ):
        assert field in schema["properties"], field
    assert schema["properties"]["status"]["enum"] == ["ok", "error"]
    assert "description" in schema["$defs"]["Input"]["properties"]["user_request"]


def test_stats(capsys: pytest.CaptureFixture[str], ws_path: Path) -> None:
    run(capsys, "--workspace", str(ws_path), "import", str(OI))
    code, out, _ = run(capsys, "--workspace", str(ws_path), "stats", "--json")
    stats = json.loads(out)
    assert code == 0
    assert (stats["cases"], stats["spans"], stats["errors"], stats["labeled"]) == (2, 9, 1, 0)
    assert stats["input_tokens"] == EXPECTED["A"]["input_tokens"] + EXPECTED["B"]["input_tokens"]
    assert stats["by_verdict"] == {"unreviewed": 2}


@pytest.mark.slow  # a subprocess (or large data): kept out of the fast loop
def test_environment_variable_chooses_the_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "env.reviewdesk"
    env = {**os.environ, "REVIEWDESK_WORKSPACE": str(ws)}
    done = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "import", str(OI)], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert ws.exists()
    listed = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "--workspace", str(ws), "cases"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "2 case(s)" in listed.stdout
