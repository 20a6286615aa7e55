"""What every export file shares: normal permissions, spreadsheet-safe CSV cells, template-safe promptfoo values."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from reviewdesk.exporters.promptfoo import literal
from reviewdesk.files import spreadsheet_cell
from reviewdesk.services import exports
from tests.consumers import hostile
from tests.consumers.labeled import LabeledWorkspace
from tests.unit.exporters.helpers import export, records


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_export_files_get_the_umask_permissions_not_0600(labeled: LabeledWorkspace, tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        path = export(labeled, "inspect", tmp_path).path
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_an_export_over_a_file_keeps_its_permissions(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    target = tmp_path / "set.jsonl"
    target.write_text("old")
    target.chmod(0o640)
    export(labeled, "inspect", tmp_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() != "old"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_spreadsheet_cell_neutralises_formula_starts(text: str) -> None:
    assert spreadsheet_cell(text) == "'" + text
    assert spreadsheet_cell("a" + text) == "a" + text


def test_csv_export_neutralises_hostile_cells_but_not_numbers(tmp_path: Path) -> None:
    built = hostile.build(tmp_path / "h.reviewdesk")
    ws = built.open()
    try:
        path = exports.export_cases(ws, "csv", tmp_path / "h.csv").path
    finally:
        ws.close()
    rows = {r["case_id"]: r for r in records(path)}
    bad = rows[built.case_ids["bad"]]
    assert bad["user_request"] == "'" + hostile.REQUEST["bad"]  # starts with +
    assert bad["workflow"] == "'-billing"
    assert bad["source_file"].startswith("'=hostile")
    assert rows[built.case_ids["fixed"]]["expected_output"] == "'" + hostile.CORRECTION  # starts with -
    for row in rows.values():
        for column, value in row.items():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), (column, value)
            if value.startswith("-"):
                float(value)  # only our own negative numbers may start with a minus
    assert bad["cost_usd"] == "0.001"


@pytest.mark.parametrize(
    "text",
    [
        hostile.TEMPLATE,
        "{#} #} {{{ }}} {%- raw -%}{% endraw %}",
        "file://etc/passwd",
        "package:evil:fn",
        "plain",
        "",
    ],
)
def test_promptfoo_literal_escapes_every_template_opener(text: str) -> None:
    escaped = literal(text)
    # No tag opener or comment end survives outside the escapes themselves.
    unescaped = escaped.replace('{{ "{" }}', "").replace('{{ "#" }}', "")
    for opener in ("{{", "{%", "{#", "#}"):
        assert opener not in unescaped.replace('{{ "f" }}', "").replace('{{ "p" }}', "")
    assert not escaped.startswith(("file://", "package:"))
    if not any(s in text for s in ("{", "#", "file://", "package:")):
        assert escaped == text


def test_csv_and_parquet_carry_tool_calls_with_arguments_and_results(tmp_path: Path) -> None:
    import json

    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    built = hostile.build(tmp_path / "h.reviewdesk")
    ws = built.open()
    try:
        csv_path = exports.export_cases(ws, "csv", tmp_path / "h.csv").path
        parquet_path = exports.export_cases(ws, "parquet", tmp_path / "h.parquet").path
    finally:
        ws.close()
    row = {r["case_id"]: r for r in records(csv_path)}[built.case_ids["good"]]
    lookup, refund = json.loads(row["tool_calls"])
    assert lookup["name"] == "lookup_order" and lookup["call_id"] == "call_run_1"
    assert json.loads(lookup["arguments"]) == {"note": hostile.TEMPLATE, "order_id": "8812"}
    assert json.loads(lookup["result"]) == hostile.TOOL_RESULT
    assert refund == {
        "name": "issue_refund",
        "call_id": None,
        "arguments": '{"amount":-12.5}',
        "result": None,
        "error": f"=ERROR {hostile.TEMPLATE}",
    }
    table = pq.read_table(parquet_path)
    assert str(table.schema.field("tool_calls").type) == (
        "list<element: struct<name: string, call_id: string, arguments: string, result: string, error: string>>"
    )
    rows = {r["case_id"]: r for r in table.to_pylist()}
    assert (
        rows[built.case_ids["good"]]["tool_calls"][1]["error"] == f"=ERROR {hostile.TEMPLATE}"
    )  # typed: not neutralised


def test_excel_bom_is_written_only_when_asked(labeled: LabeledWorkspace, tmp_path: Path, capsys) -> None:
    from reviewdesk.cli.main import main

    plain = export(labeled, "csv", tmp_path / "plain").path
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    out = tmp_path / "excel.csv"
    assert main(["--workspace", str(labeled.path), "export", "--format", "csv", "-o", str(out), "--excel-bom"]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data[3:] == plain.read_bytes()
    capsys.readouterr()
    argv = ["--workspace", str(labeled.path), "export", "--format", "inspect", "-o", str(tmp_path / "x.jsonl")]
    assert main([*argv, "--excel-bom"]) != 0
    assert "--excel-bom is for --format csv" in capsys.readouterr().err
    assert not (tmp_path / "x.jsonl").exists()
