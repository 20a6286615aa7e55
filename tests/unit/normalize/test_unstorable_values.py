"""Values a trace may hold but a case cannot: counts past 64 bits, infinities, JSON nested past
the interpreter's limit. Each becomes "unknown" (or stays text) instead of crashing the import.

Found by probes run next to the fuzzer: each of these once crashed ``import_files`` with an
OverflowError, a RecursionError or an SQL "Integer exceeds 64-bit range".
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from reviewdesk.normalize.conventions.common import as_float, as_int
from reviewdesk.normalize.conventions.payloads import decode
from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage.engine import dump_json

TRACE = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12, 12),
        ("12", 12),
        ("12.0", 12),
        (2**63 - 1, 2**63 - 1),
        (2**63, None),
        ("99999999999999999999999", None),
        ("9" * 5000, None),
        ("1e400", None),
        (1e300, None),
        (float("nan"), None),
        (True, None),
    ],
)
def test_as_int_holds_only_what_a_64_bit_column_can(value: object, expected: int | None) -> None:
    assert as_int(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(0.25, 0.25), ("1e999", None), (float("inf"), None), ("x", None)])
def test_as_float_keeps_finite_numbers_only(value: object, expected: float | None) -> None:
    assert as_float(value) == expected


def test_json_nested_past_the_recursion_limit_stays_text() -> None:
    deep = "[" * 1100 + "]" * 1100
    assert decode(deep) == deep
    assert decode("[[1]]") == [[1]]


def _observation(**fields: object) -> dict[str, object]:
    return {
        "id": "o1",
        "traceId": TRACE,
        "type": "GENERATION",
        "name": "chat",
        "startTime": "2025-01-01T00:00:00Z",
        **fields,
    }


@pytest.mark.parametrize(
    "fields",
    [
        {"usageDetails": {"input": "99999999999999999999999", "output": 7}},
        {"usageDetails": {"input": 1e300, "output": "1e400"}},
        {"input": {"messages": "[" * 1100 + "]" * 1100}},
        {"costDetails": {"total": "1e999"}, "usageDetails": {"input": 2**70}},
    ],
    ids=["count-past-64-bits", "infinite-counts", "messages-nested-too-deep", "infinite-cost"],
)
def test_unstorable_values_import_as_unknown(workspace: Workspace, tmp_path: Path, fields: dict[str, object]) -> None:
    path = tmp_path / "observations.jsonl"
    path.write_text(json.dumps(_observation(**fields)) + "\n")
    summary = imports.import_files(workspace, [path], format_name="langfuse").files[0]
    assert (summary.failed, summary.errors, summary.cases_created) == (None, [], 1)
    case = cases.get_case(workspace, TRACE)
    assert case.usage.input_tokens is None
    assert case.usage.cost_usd is None
    assert case.usage.output_tokens in (None, 7)


def test_a_case_holding_an_integer_past_64_bits_is_stored_exactly(workspace: Workspace, tmp_path: Path) -> None:
    fields = {"modelParameters": {"seed": 2**70}, "input": "hi", "output": "hello"}
    path = tmp_path / "observations.jsonl"
    path.write_text(json.dumps(_observation(**fields)) + "\n")
    summary = imports.import_files(workspace, [path], format_name="langfuse").files[0]
    assert summary.failed is None and summary.errors == []
    assert cases.get_case(workspace, TRACE).generation.parameters["seed"] == 2**70


def test_json_columns_never_hold_infinity_even_beside_a_huge_integer() -> None:
    # orjson refuses integers past 64 bits; json.dumps, the fallback, would write Infinity,
    # which is not JSON and which SQLite's JSON functions refuse.
    text = dump_json({"seed": 2**70, "temperature": float("inf"), "scores": [float("nan"), 1.5]})
    assert json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} written")) == {
        "seed": 2**70,
        "temperature": None,
        "scores": [None, 1.5],
    }
    assert sqlite3.connect(":memory:").execute("SELECT json_valid(?)", (text,)).fetchone() == (1,)
    assert dump_json({"temperature": float("inf")}) == '{"temperature":null}'
