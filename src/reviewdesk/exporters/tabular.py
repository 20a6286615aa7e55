"""Tables: CSV and Parquet, one row per case with a fixed column order (``COLUMNS``).

These are data formats, not eval sets: every selected case is written, labeled or not, so a risk
owner can pivot on them in a spreadsheet or load them with pandas / Hugging Face ``datasets``
(whose chat convention, a ``messages`` column of ``{role, content}``, the Parquet file follows).
Scores get one column each (``score_<name>``), in label-schema order.

CSV holds text only: lists are joined with ``"; "`` and nested values (messages, documents, tool
calls with their arguments, results and errors) are JSON; a text cell a spreadsheet would run as
a formula is neutralised (``files.spreadsheet_cell``), and ``ExportOptions.excel_bom`` starts the
file with a UTF-8 BOM, which Excel needs to read it as UTF-8.

Parquet keeps types — lists, structs, UTC timestamps — and needs ``pyarrow`` (the
``reviewdesk[export]`` extra), imported only when a Parquet export runs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from reviewdesk.domain.case import ToolCall
from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.exporters import mapping
from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.files import spreadsheet_cell
from reviewdesk.progress import Progress

COLUMNS: tuple[str, ...] = (
    "case_id",
    "source_trace_id",
    "source_span_id",
    "source_root_span_id",
    "source_format",
    "source_file",
    "workflow",
    "release",
    "tenant",
    "session_id",
    "user_id",
    "started_at",
    "status",
    "error_type",
    "model",
    "user_request",
    "system_instructions",
    "messages",
    "output",
    "expected_output",
    "expected_from",
    "verdict",
    "root_causes",
    "reviewers",
    "label_schema_version",
    "labeled_at",
    "comment",
    "escalate",
    "documents",
    "tool_calls",
    "tool_errors",
    "recovered_errors",
    "finish_reason",
    "finish_flagged",
    "stale_documents",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cost_usd",
    "estimated_cost_usd",
    "cost_estimate_prices",
    "latency_ms",
    "cost_vs_median",
    "latency_vs_median",
)
"""Columns before the score columns, in file order."""


def score_columns(items: list[ExportItem], options: ExportOptions) -> list[str]:
    """The schema's scores in schema order, then any other score a label carries, sorted."""
    names = list(options.score_names)
    extra = sorted({n for i in items if i.case.labels for n in i.case.labels.scores} - set(names))
    return names + extra


def row(item: ExportItem) -> dict[str, Any]:
    """One case as typed Python values (lists and dicts stay structured)."""
    case = item.case
    label = case.labels
    prov = mapping.provenance(item)
    return {
        "case_id": case.case_id,
        "source_trace_id": case.trace_id,
        "source_span_id": prov["source_span_id"],
        "source_root_span_id": item.root_span_id,
        "source_format": case.source.format,
        "source_file": case.source.file,
        "workflow": case.workflow,
        "release": case.release,
        "tenant": case.tenant,
        "session_id": case.session_id,
        "user_id": case.user_id,
        "started_at": case.started_at,
        "status": case.status,
        "error_type": case.error.type if case.error else None,
        "model": case.generation.model,
        "user_request": case.input.user_request,
        "system_instructions": case.input.system_instructions,
        "messages": [{"role": m.role, "content": m.content} for m in mapping.conversation(case)],
        "output": case.generation.output,
        "expected_output": mapping.expected_output(case),
        "expected_from": prov["expected_from"],
        "verdict": prov["verdict"],
        "root_causes": prov["root_causes"],
        "reviewers": prov["reviewers"],
        "label_schema_version": prov["label_schema_version"],
        "labeled_at": label.labeled_at if label else None,
        "comment": prov["comment"],
        "escalate": label.escalate if label else None,
        "documents": mapping.documents_json(item),
        "tool_calls": [_tool_call(c) for c in case.tool_calls],
        "tool_errors": case.tool_errors,
        "recovered_errors": prov["recovered_errors"],
        "finish_reason": prov["finish_reason"],
        "finish_flagged": prov["finish_flagged"],
        "stale_documents": prov["stale_documents"],
        "input_tokens": case.usage.input_tokens,
        "output_tokens": case.usage.output_tokens,
        "total_tokens": case.usage.total_tokens,
        "cost_usd": case.usage.cost_usd,
        "estimated_cost_usd": prov["estimated_cost_usd"],
        "cost_estimate_prices": prov["cost_estimate_prices"],
        "latency_ms": case.latency_ms,
        "cost_vs_median": prov["cost_vs_median"],
        "latency_vs_median": prov["latency_vs_median"],
        "scores": dict(label.scores) if label else {},
    }


def _tool_call(call: ToolCall) -> dict[str, Any]:
    """A tool call with what it was given and what it returned; arguments and result as JSON text,
    so one Parquet type holds any shape."""
    return {
        "name": call.name,
        "call_id": call.call_id,
        "arguments": mapping.arguments_json(call.arguments),
        "result": None if call.result is None else mapping.tool_result_text(call.model_copy(update={"error": None})),
        "error": call.error,
    }


def _cell(value: Any) -> str:
    """A CSV cell; text (trace text, comments, joined lists, JSON) is neutralised for spreadsheets."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)  # our own numbers: a negative cost or score stays a number
    if hasattr(value, "isoformat"):
        return mapping.iso(value) or ""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return spreadsheet_cell("; ".join(value))
    if isinstance(value, (list, dict)):
        return spreadsheet_cell(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())
    return spreadsheet_cell(str(value))


class CsvExporter:
    name = "csv"
    title = "CSV (one row per case, UTF-8)"
    file_ending = ".csv"

    def skip_reason(self, item: ExportItem) -> str | None:
        return None

    def write(self, items: Iterable[ExportItem], out: BinaryIO, options: ExportOptions, progress: Progress) -> int:
        materialized = list(items)
        scores = score_columns(materialized, options)
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\r\n")  # RFC 4180 line ends, as spreadsheets expect
        writer.writerow([*COLUMNS, *(f"score_{n}" for n in scores)])
        for item in materialized:
            values = row(item)
            writer.writerow([_cell(values[c]) for c in COLUMNS] + [_cell(values["scores"].get(n)) for n in scores])
            progress.advance(1)
        if options.excel_bom:
            out.write("\ufeff".encode())  # Excel reads a BOM-less CSV as the local code page, not UTF-8
        out.write(text.getvalue().encode("utf-8"))
        return len(materialized)


class ParquetExporter:
    name = "parquet"
    title = "Parquet (one row per case, typed columns; needs pyarrow)"
    file_ending = ".parquet"

    def skip_reason(self, item: ExportItem) -> str | None:
        return None

    def write(self, items: Iterable[ExportItem], out: BinaryIO, options: ExportOptions, progress: Progress) -> int:
        try:
            import pyarrow as pa  # type: ignore[import-untyped]
            import pyarrow.parquet as pq  # type: ignore[import-untyped]
        except ImportError:
            raise ReviewdeskError(
                "Parquet export needs pyarrow: pip install 'reviewdesk[export]' (or pip install pyarrow)"
            ) from None
        materialized = list(items)
        scores = score_columns(materialized, options)
        text = pa.string()
        timestamp = pa.timestamp("us", tz="UTC")
        fields = {
            "started_at": timestamp,
            "labeled_at": timestamp,
            "messages": pa.list_(pa.struct([("role", text), ("content", text)])),
            "root_causes": pa.list_(text),
            "reviewers": pa.list_(text),
            "label_schema_version": pa.int64(),
            "escalate": pa.bool_(),
            "documents": pa.list_(
                pa.struct(
                    [
                        ("id", text),
                        ("source", text),
                        ("score", pa.float64()),
                        ("rank", pa.int64()),
                        ("content", text),
                        ("updated_at", text),
                        ("age_days", pa.float64()),
                        ("cited", pa.bool_()),
                        ("stale", text),
                    ]
                )
            ),
            "tool_calls": pa.list_(
                pa.struct([("name", text), ("call_id", text), ("arguments", text), ("result", text), ("error", text)])
            ),
            "tool_errors": pa.int64(),
            "recovered_errors": pa.int64(),
            "finish_flagged": pa.bool_(),
            "stale_documents": pa.int64(),
            "input_tokens": pa.int64(),
            "output_tokens": pa.int64(),
            "total_tokens": pa.int64(),
            "cost_usd": pa.float64(),
            "estimated_cost_usd": pa.float64(),
            "latency_ms": pa.float64(),
            "cost_vs_median": pa.float64(),
            "latency_vs_median": pa.float64(),
        }
        schema = pa.schema([(c, fields.get(c, text)) for c in COLUMNS] + [(f"score_{n}", pa.int64()) for n in scores])
        rows = []
        for item in materialized:
            values = row(item)
            record = {c: values[c] for c in COLUMNS}
            record.update({f"score_{n}": values["scores"].get(n) for n in scores})
            rows.append(record)
            progress.advance(1)
        table = pa.Table.from_pylist(rows, schema=schema)
        # Fixed writer settings: the same rows give the same bytes (no timestamps are embedded).
        pq.write_table(table, out, compression="zstd", version="2.6", write_statistics=True)
        return len(materialized)
