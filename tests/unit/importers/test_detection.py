"""One detection for all formats: every file in tests/data is claimed by exactly the right importer,
the vendor sniffers never claim OTLP (nor OTLP the vendor files), and unknown files get a message
listing what is supported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.domain.errors import FormatError
from reviewdesk.importers import registry
from reviewdesk.importers.base import SNIFF_BYTES
from tests.conftest import DATA

# Files in tests/data that are trace files, by the importer that must read them; everything else
# (schemas, expectations, scripts, notes) must be claimed by none.
EXPECTED = {
    "instrumented/openinference_openai.json": "otlp-json",
    "instrumented/traceloop_legacy.json": "otlp-json",
    "instrumented/traceloop_new.json": "otlp-json",
    "instrumented/otel_genai_v2.jsonl": "otlp-jsonl",
    "samples/otlp_trace_example.json": "otlp-json",
    "samples/otlp_file_exporter_traces.jsonl": "otlp-jsonl",
    "samples/langfuse_trace_openai_agents_openinference.json": "langfuse",
    "samples/langfuse_trace_langgraph_python.json": "langfuse",
    "samples/langfuse_trace_microsoft_agent_genai.json": "langfuse",
    "samples/langsmith_run_wrap_openai.json": "langsmith",
    "samples/langsmith_run_wrap_openai_stream.json": "langsmith",
    "formats/otel_console_agent.txt": "otel-console",
    "formats/tempo_agent.json": "tempo",
    "formats/jaeger_api_v3_agent.json": "jaeger-api-v3",
    "formats/jaeger_api_v3_snapshot.json": "jaeger-api-v3",
    "formats/jaeger_ui_agent.json": "jaeger-ui",
    "formats/jaeger_ui_fixture_01.json": "jaeger-ui",
    "formats/otlp_spans_agent.json": "otlp-spans",
    "formats/phoenix_rest_spans.json": "phoenix",
    "formats/phoenix_dataframe_records.json": "phoenix",
    "formats/phoenix_dataframe_columns.json": "phoenix",
}
TRACE_DIRS = ("instrumented", "samples", "langfuse", "langsmith", "bundles", "formats")


def _data_files() -> list[str]:
    return sorted(
        str(p.relative_to(DATA))
        for p in DATA.rglob("*")
        if p.is_file()
        and p.suffix in (".json", ".jsonl", ".ndjson", ".txt")
        and p.relative_to(DATA).parts[0] in TRACE_DIRS
    )


@pytest.mark.parametrize("name", _data_files())
def test_every_data_file_is_claimed_by_the_right_importer(name: str) -> None:
    path = DATA / name
    head = path.read_bytes()[:SNIFF_BYTES]
    claimed = [importer.name for importer in registry.IMPORTERS if importer.sniff(head)]
    want = EXPECTED.get(name)
    if want is None:
        assert not any(c in ("langfuse", "langsmith") for c in claimed), f"{name} claimed by {claimed}"
        return
    assert registry.detect(path).name == want
    # Each format's sniffer claims its own files: detection does not hang on the registry's order
    # (only OTLP-JSON also claims Jaeger's API v3 wrapping, which is why v3 is tried first).
    assert want in claimed
    assert len(set(claimed) - {want, "otlp-json"}) == 0, f"{name} claimed by {claimed}"
    # The vendor importers and OTLP never both claim a file.
    vendor = {"langfuse", "langsmith"} & set(claimed)
    otlp = {"otlp-json", "otlp-jsonl"} & set(claimed)
    assert not (vendor and otlp), f"{name} claimed by {claimed}"
    assert len(vendor) <= 1


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (json.dumps({"trace": {"id": "t"}, "observations": []}), "langfuse"),
        (json.dumps([{"id": "o", "traceId": "t", "type": "SPAN", "startTime": "2025-01-01T00:00:00Z"}]), "langfuse"),
        (json.dumps({"data": [{"id": "o", "traceId": "t", "type": "SPAN", "startTime": "x"}], "meta": {}}), "langfuse"),
        (json.dumps({"id": "t", "timestamp": "2025-01-01T00:00:00Z", "observations": [], "scores": []}), "langfuse"),
        (json.dumps({"id": "r", "run_type": "chain", "trace_id": "r", "inputs": {}}), "langsmith"),
        (json.dumps({"post": [{"id": "r", "run_type": "llm", "inputs": {}}], "patch": []}), "langsmith"),
        (json.dumps({"runs": [{"id": "r", "run_type": "tool", "start_time": "x"}]}), "langsmith"),
        (
            "\n".join(json.dumps({"id": f"r{i}", "run_type": "chain", "dotted_order": "x"}) for i in range(3)),
            "langsmith",
        ),
    ],
)
def test_vendor_shapes_are_detected(tmp_path: Path, text: str, want: str) -> None:
    path = tmp_path / "export.json"
    path.write_text(text)
    assert registry.detect(path).name == want


def test_a_pretty_printed_export_cut_by_the_sniff_window_is_still_detected(tmp_path: Path) -> None:
    big = {"trace": {"id": "t", "name": "x", "input": "a" * (2 * SNIFF_BYTES)}, "observations": []}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big, indent=2))
    assert registry.detect(path).name == "langfuse"


def test_unknown_json_lists_the_supported_formats(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps([{"hello": "world"}]))
    with pytest.raises(FormatError) as info:
        registry.detect(path)
    for name in ("otlp-json", "otlp-jsonl", "langfuse", "langsmith"):
        assert name in str(info.value)


def test_format_override_names_the_vendor_importers() -> None:
    assert {"langfuse", "langsmith"} <= set(registry.importer_names())
    assert registry.get_importer("langsmith").name == "langsmith"
