"""Redaction on import, end to end: seeded secrets and personal data never reach the disk or an export.

A corpus of 20 values of 16 kinds is placed everywhere a trace can carry text — span names, status
messages, flat and nested attributes, arrays, JSON inside strings (OpenInference, GenAI), event
attributes, link attributes, the resource — in a trace split over two files. After importing them
through the CLI, none of the values (nor their other spellings) may appear in the workspace's raw
bytes (main file, WAL and shared memory, before and after a checkpoint), in the full-text index,
or in any file an export, the findings or the HTML report writes. Placeholders stay stable across
the two files. The same import of the clean demo data measures false positives.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from pathlib import Path

import orjson
import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.exporters.registry import EXPORTERS
from reviewdesk.services import cases, labels
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import search_words
from tests.conftest import REPO
from tests.otlp_builder import request, span, write_jsonl
from tests.robustness.corpus import Seeded
from tests.robustness.corpus import seeded as all_seeded
from tests.robustness.helpers import checkpoint, raw_bytes

# Timed, subprocess-heavy or rendering whole windows to files: in the slow stage, not the fast loop.
pytestmark = pytest.mark.slow

SEEDED = all_seeded(2026)
TRACE = "5eed" + "0" * 27 + "1"
DEMO = REPO / "src" / "reviewdesk" / "resources" / "demo" / "support_copilot.jsonl"


def _messages(text: str) -> str:
    return json.dumps([{"role": "user", "parts": [{"type": "text", "content": text}]}])


def _spans_for(trace_id: str, values: list[Seeded], offset: int) -> list[dict[str, object]]:
    """Spans of one trace that carry every value somewhere different."""
    out: list[dict[str, object]] = []
    for i, seeded in enumerate(values):
        sid = f"{offset + i + 1:016x}"
        where = i % 6
        attributes: dict[str, object] = {"openinference.span.kind": "CHAIN"}
        events = None
        error = None
        name = f"step {i}"
        if seeded.structured is not None:
            attributes["payload"] = seeded.structured
        elif where == 0:
            attributes["input.value"] = json.dumps({"messages": [{"role": "user", "content": seeded.sentence}]})
            attributes["input.mime_type"] = "application/json"
        elif where == 1:
            attributes = {
                "gen_ai.operation.name": "chat",
                "gen_ai.request.model": "gpt-4o",
                "gen_ai.input.messages": _messages(seeded.sentence),
                "gen_ai.output.messages": json.dumps(
                    [{"role": "assistant", "parts": [{"type": "text", "content": "ok"}]}]
                ),
            }
        elif where == 2:
            attributes["tool.arguments"] = {"nested": {"deeper": [seeded.sentence, 3]}}
            attributes["tags"] = ["a", seeded.sentence]
        elif where == 3:
            events = [{"name": "exception", "attributes": {"exception.message": seeded.sentence}}]
            error = seeded.sentence
        elif where == 4:
            name = seeded.sentence[:200]
        else:
            attributes["output.value"] = seeded.sentence
        out.append(
            span(
                name,
                trace_id=trace_id,
                span_id=sid,
                parent=None if i == 0 and offset == 0 else "0000000000000001",
                start_ms=offset + i,
                end_ms=offset + i + 5,
                attributes=attributes,
                events=events,
                error=error,
            )
        )
    return out


def _write_files(tmp_path: Path) -> list[Path]:
    half = len(SEEDED) // 2
    resource = {"service.name": "shop", "deployment.owner": SEEDED[0].sentence, "host.ip": SEEDED[6].value}
    first = write_jsonl(tmp_path / "part1.jsonl", [_spans_for(TRACE, SEEDED[:half], 0)], resource)
    # The second file repeats the first value (same trace: same placeholder) and brings the rest,
    # plus a second trace of its own.
    second_spans = _spans_for(TRACE, [SEEDED[0], *SEEDED[half:]], 100)
    other = _spans_for("5eed" + "0" * 27 + "2", SEEDED, 0)
    second = write_jsonl(tmp_path / "part2.jsonl", [second_spans, other], resource)
    third = tmp_path / "single.json"
    third.write_text(json.dumps(request(_spans_for("5eed" + "0" * 27 + "3", SEEDED, 0), resource)))
    return [first, second, third]


def _spellings(needle: str) -> set[bytes]:
    """The needle as UTF-8 and as a JSON encoder with ``ensure_ascii`` writes it (``\\u00fc``)."""
    return {needle.encode(), json.dumps(needle)[1:-1].encode()}


def _needles() -> list[bytes]:
    return sorted({b for s in SEEDED for n in s.needles for b in _spellings(n)}, key=len)


def _leaks(data: bytes) -> list[str]:
    return [n.decode() for n in _needles() if n in data]


def test_seeded_values_never_reach_the_disk_or_an_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert len({s.kind for s in SEEDED}) >= 12
    assert len(SEEDED) >= 65  # with the ids, file name and skipped-record cases below: the 71 of issue 16
    files = _write_files(tmp_path)
    raw_input = b"".join(f.read_bytes() for f in files)
    # The input really holds the values (the PEM block is JSON-escaped there; its body lines are not).
    missing = [s.label for s in SEEDED if not any(b in raw_input for n in s.needles for b in _spellings(n))]
    assert missing == [], "the input must hold them"
    ws_path = tmp_path / "w.reviewdesk"

    assert main(["--workspace", str(ws_path), "import", *map(str, files)]) == 0
    out = capsys.readouterr().out
    assert "value(s) redacted" in out

    ws = open_workspace(ws_path)
    try:
        for summary in cases.list_cases(ws):
            labels.record_label(
                ws,
                summary.case_id,
                LabelChange(verdict="fail", corrected_output="fine", root_causes=["sensitive_data"]),
            )
        # While open: the WAL holds the latest pages.
        assert (ws_path.with_name(ws_path.name + "-wal")).exists()
        assert _leaks(raw_bytes(ws_path)) == []
        trace_case = cases.get_case(ws, TRACE)
        spans = cases.get_spans(ws, TRACE)
    finally:
        ws.close()

    # Placeholders are stable across the two files of the split trace: the first value was in
    # both, as the resource's owner and in span 1 of each file.
    owners = {s.resource.get("deployment.owner") for s in spans}
    assert len(owners) == 1 and "[EMAIL_1]" in str(next(iter(owners)))
    first_values = [
        orjson.dumps([s.name, s.attributes, s.status_message]).decode()
        for s in spans
        if s.span_id in ("0000000000000001", f"{101:016x}")
    ]
    assert all("[EMAIL_1]" in text for text in first_values), first_values
    assert trace_case.span_count == len(SEEDED) + 1
    print(f"\nseeded values and encodings planted: {len(SEEDED)} ({len({s.kind for s in SEEDED})} kinds)")

    checkpoint(ws_path)
    assert _leaks(raw_bytes(ws_path)) == []

    # The full-text index: FTS5 keeps terms prefix-compressed, so ask it rather than grep it. It
    # holds words as their first six letters, folded (storage.search_words): ask for those.
    conn = sqlite3.connect(ws_path)
    try:
        for seeded in SEEDED:
            for token in seeded.needles:
                words = [w for w in "".join(c if c.isalnum() else " " for c in token).split() if len(w) >= 6]
                for word in words:
                    (stored,) = search_words.words_of_text(word)
                    hits = conn.execute(
                        "SELECT count(*) FROM case_search WHERE case_search MATCH ?", (f'"{stored}"',)
                    ).fetchone()[0]
                    assert hits == 0, (seeded.kind, word)
        tokens = conn.execute("SELECT count(*) FROM redaction_tokens").fetchone()[0]
        assert tokens > 0
    finally:
        conn.close()

    # Every export format, the findings and the HTML report.
    written: list[Path] = []
    for exporter in EXPORTERS:
        target = tmp_path / "exports" / f"{exporter.name}{exporter.file_ending}"
        assert main(["--workspace", str(ws_path), "export", "--format", exporter.name, "-o", str(target)]) == 0
        written.append(target)
    for fmt in ("md", "csv"):
        target = tmp_path / "exports" / f"findings.{fmt}"
        assert main(["--workspace", str(ws_path), "findings", "--format", fmt, "-o", str(target)]) == 0
        written.append(target)
    report = tmp_path / "exports" / "report.html"
    assert main(["--workspace", str(ws_path), "report", "-o", str(report)]) == 0
    written.append(report)
    capsys.readouterr()
    for target in written:
        data = target.read_bytes()
        if target.suffix == ".parquet":
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            data = json.dumps(pq.read_table(target).to_pylist(), default=str).encode()
        assert _leaks(data) == [], target.name
    assert re.search(r"\[[A-Z_]+_\d+\]", (tmp_path / "exports" / "reviewdesk-jsonl.jsonl").read_text())

    # The redaction report, per file and by kind.
    assert main(["--workspace", str(ws_path), "redaction-report", "--json"]) == 0
    report_json = json.loads(capsys.readouterr().out)
    by_file = {f["file"]: f["counts"] for f in report_json["files"]}
    assert set(by_file) == {"part1.jsonl", "part2.jsonl", "single.json"}
    expected = {s.kind for s in SEEDED}
    assert expected <= set(report_json["totals"]), expected - set(report_json["totals"])
    assert expected <= set(by_file["single.json"])
    print(f"\nredaction counts by kind (3 files): {report_json['totals']}")


def test_demo_data_false_positives(tmp_path: Path) -> None:
    """The demo traces are clean apart from the fictional customers' e-mail addresses."""
    ws = open_workspace(tmp_path / "demo.reviewdesk")
    try:
        from reviewdesk.services import imports

        summary = imports.import_files(ws, [DEMO]).files[0]
        counts = Counter(summary.redactions)
        # Order numbers, amounts, dates, tracking numbers, article ids, versions and hex ids
        # survive; only the three customers' addresses are redacted: 19 mentions written out and
        # 5 URL-encoded in a tool's error (``tom.halvorsen%40example.com``), once shown raw.
        assert counts == {"EMAIL": 24}, counts
        stored = orjson.dumps(
            [
                [s.attributes, s.resource, [e.to_json() for e in s.events]]
                for row in cases.list_cases(ws)
                for s in cases.get_spans(ws, row.case_id)
            ]
        )
        for kept in (b"NW-5520193", b"NW-3108321", b"2026-10-12", b"360039920114", b"2026.10.1", b"$"):
            assert kept in stored, kept
        assert b"halvorsen" not in stored
    finally:
        ws.close()
    print(f"\ndemo data: {sum(counts.values())} redactions, all EMAIL (true positives); false positives: 0")


def test_restoring_an_unredacted_export_redacts_it(tmp_path: Path) -> None:
    """An export from a workspace with redaction off brings nothing this workspace would remove."""
    from reviewdesk.services import redaction

    source = open_workspace(tmp_path / "lax.reviewdesk")
    redaction.update_settings(source, lambda _: {"enabled": False})
    source.close()
    secret = "maria.gonzalez@example.org"
    path = write_jsonl(
        tmp_path / "lax.jsonl",
        [
            [
                span(
                    "chat",
                    trace_id=TRACE,
                    span_id="00000000000000a1",
                    attributes={
                        "gen_ai.operation.name": "chat",
                        "gen_ai.input.messages": _messages(f"Write to {secret} please"),
                    },
                )
            ]
        ],
    )
    assert main(["--workspace", str(tmp_path / "lax.reviewdesk"), "import", str(path)]) == 0
    ws = open_workspace(tmp_path / "lax.reviewdesk")
    labels.record_label(ws, TRACE, LabelChange(verdict="fail", comment=f"customer {secret} complained"), reviewer="ana")
    ws.close()
    export = tmp_path / "export.jsonl"
    assert (
        main(
            [
                "--workspace",
                str(tmp_path / "lax.reviewdesk"),
                "export",
                "--format",
                "reviewdesk-jsonl",
                "-o",
                str(export),
            ]
        )
        == 0
    )
    assert secret in export.read_text()

    strict = tmp_path / "strict.reviewdesk"
    assert main(["--workspace", str(strict), "import", str(export)]) == 0
    ws = open_workspace(strict)
    case = cases.get_case(ws, TRACE)
    ws.close()
    checkpoint(strict)
    assert case.input.user_request == "Write to [EMAIL_1] please"
    assert case.labels is not None and case.labels.comment == "customer [EMAIL_1] complained"
    assert secret.encode() not in raw_bytes(strict)


SAMPLE = Path("/work/shared/samples/langfuse_trace_langgraph_python.json")
LANGFUSE = REPO / "tests" / "data" / "langfuse_trace_langgraph_python.json"


def test_ids_file_names_and_skipped_records_are_redacted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Values in ids the application chose, in the file's path and name, and in a skipped record's
    message, cut where the old snippet cut it (60 characters), reach neither the workspace nor an export."""
    source = LANGFUSE if LANGFUSE.exists() else SAMPLE
    if not source.exists():
        pytest.skip("the Langfuse sample is not in this checkout")
    document = json.loads(source.read_text())
    trace_tag, span_tag, dir_tag, file_tag, error_tag = "zqtraceid", "zqspanid", "zqfolder", "zqfilename", "zqerrmsg"
    old_trace = document["trace"]["id"]
    text = json.dumps(document).replace(old_trace, f"checkout-{trace_tag}.owner@shop.example-7")
    observations = [o["id"] for o in document["observations"]]
    for n, old in enumerate(observations):
        text = text.replace(old, f"step-{n}-{span_tag}{n}.owner@shop.example")
    document = json.loads(text)
    # A record refused for its bad time: the value puts the address's local part inside the first
    # 60 characters of the quote and its "@" past them.
    bad = dict(document["observations"][0])
    bad["id"] = "bad-record"
    bad["startTime"] = "not a time, " + "y" * 30 + f"{error_tag}.someone@shop.example"
    document["observations"].append(bad)
    folder = tmp_path / f"{dir_tag}.user@corp.example"
    folder.mkdir()
    path = folder / f"export-{file_tag}.user@corp.example.json"
    path.write_text(json.dumps(document))
    ws_path = tmp_path / "ids.reviewdesk"
    assert main(["--workspace", str(ws_path), "import", str(path)]) == 1  # one record skipped
    capsys.readouterr()
    tags = [trace_tag, span_tag, dir_tag, file_tag, error_tag]
    ws = open_workspace(ws_path)
    try:
        listed = cases.list_cases(ws)
        assert len(listed) == 1
        case_id = listed[0].case_id
        trace_id = cases.get_case(ws, case_id).trace_id
        assert trace_id.startswith("[EMAIL_") and trace_tag not in trace_id, trace_id
        spans = cases.get_spans(ws, case_id)
        assert len(spans) == len(observations) and all("[EMAIL_" in s.span_id for s in spans)
        # The same value gives the same id token, so parents still point at their spans.
        ids = {s.span_id for s in spans}
        assert all(s.parent_span_id is None or s.parent_span_id in ids for s in spans)
        labels.record_label(ws, case_id, LabelChange(verdict="fail", root_causes=["sensitive_data"]))
    finally:
        ws.close()
    checkpoint(ws_path)
    stored = raw_bytes(ws_path)
    assert [t for t in tags if t.encode() in stored] == []
    written = []
    for exporter in EXPORTERS:
        target = tmp_path / "exports" / f"{exporter.name}{exporter.file_ending}"
        assert main(["--workspace", str(ws_path), "export", "--format", exporter.name, "-o", str(target)]) == 0
        written.append(target)
    audit_csv = tmp_path / "exports" / "audit.csv"
    assert main(["--workspace", str(ws_path), "audit", "--csv", "-o", str(audit_csv)]) == 0
    written.append(audit_csv)
    capsys.readouterr()
    for target in written:
        data = target.read_bytes()
        if target.suffix == ".parquet":
            import pyarrow.parquet as pq

            data = json.dumps(pq.read_table(target).to_pylist(), default=str).encode()
        assert [t for t in tags if t.encode() in data] == [], target.name
    assert b'"file":"[EMAIL].json"' in (tmp_path / "exports" / "reviewdesk-jsonl.jsonl").read_bytes()
