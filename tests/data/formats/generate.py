"""Regenerate the fixtures of this folder (see SOURCES.md for what each file is and where it comes from).

    .venv/bin/pip install pandas            # only this script needs it (for the dataframe JSON)
    .venv/bin/python tests/data/formats/generate.py

One small agent trace (an LLM call that asks for a tool, the tool failing) is recorded with the
real OpenTelemetry SDK; its console output is written by the SDK's own ``ConsoleSpanExporter``,
and its OTLP form by the SDK's own OTLP encoder (protobuf) turned into JSON by protobuf's own
``json_format`` — the bytes Tempo answers with. The Jaeger shapes wrap or translate that OTLP as
Jaeger's query service does (rules in SOURCES.md). The Phoenix shapes are made from the real
OpenInference capture ``tests/data/instrumented/openinference_openai.json``, reshaped as Phoenix
serves spans, and the dataframe forms are written by pandas' own ``to_json``.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
INSTRUMENTED = HERE.parent / "instrumented"
# Fixed times and ids, so a regeneration gives the same files.
T0 = 1_796_220_528_853_202_000


def record_agent_trace() -> tuple[str, dict[str, Any]]:
    """The trace through the real SDK: (ConsoleSpanExporter text, OTLP/JSON ``TracesData``)."""
    from google.protobuf import json_format
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.id_generator import IdGenerator
    from opentelemetry.trace import SpanKind, Status, StatusCode

    class FixedIds(IdGenerator):
        def __init__(self) -> None:
            self.spans = iter([0x8FE58E480FAD083B, 0x38C485A55573AA1B, 0x0FB7766A9463ED1D])

        def generate_span_id(self) -> int:
            return next(self.spans)

        def generate_trace_id(self) -> int:
            return 0xC818CDF86A0F7BA5319423542D838542

    console = io.StringIO()
    memory = InMemorySpanExporter()
    resource = Resource.create(
        {"service.name": "support-copilot", "service.version": "1.4.0", "service.instance.id": "fixture"}
    )
    provider = TracerProvider(resource=resource, id_generator=FixedIds())
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=console)))
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("support_copilot.agent", "1.4.0")
    question = "Can I return boots I bought 20 days ago?"
    system = "You are a support assistant for Northwind Outdoor Gear."
    with tracer.start_as_current_span("invoke_agent support_copilot", start_time=T0) as root:
        root.set_attribute("gen_ai.operation.name", "invoke_agent")
        root.set_attribute("gen_ai.agent.name", "support_copilot")
        root.set_attribute("session.id", "sess-42")
        with tracer.start_as_current_span("chat gpt-4o-mini", kind=SpanKind.CLIENT, start_time=T0 + 51_000) as llm:
            llm.set_attribute("gen_ai.operation.name", "chat")
            llm.set_attribute("gen_ai.system", "openai")
            llm.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            llm.set_attribute("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
            llm.set_attribute("gen_ai.usage.input_tokens", 41)
            llm.set_attribute("gen_ai.usage.output_tokens", 19)
            llm.set_attribute("gen_ai.response.finish_reasons", ["tool_calls"])
            messages = [("system", system), ("user", question)]
            llm.set_attribute(
                "gen_ai.input.messages",
                json.dumps([{"role": r, "parts": [{"type": "text", "content": c}]} for r, c in messages]),
            )
            call = {"type": "tool_call", "id": "call_1", "name": "lookup_policy", "arguments": {"topic": "returns"}}
            llm.set_attribute(
                "gen_ai.output.messages",
                json.dumps([{"role": "assistant", "parts": [call], "finish_reason": "tool_calls"}]),
            )
            llm.end(end_time=T0 + 1_271_000_000)
        with tracer.start_as_current_span("execute_tool lookup_policy", start_time=T0 + 1_272_000_000) as tool:
            tool.set_attribute("gen_ai.operation.name", "execute_tool")
            tool.set_attribute("gen_ai.tool.name", "lookup_policy")
            tool.set_attribute("gen_ai.tool.call.id", "call_1")
            tool.add_event(
                "exception",
                {"exception.type": "TimeoutError", "exception.message": "policy service timed out after 5 s"},
                timestamp=T0 + 6_272_000_000,
            )
            tool.set_status(Status(StatusCode.ERROR, "policy service timed out after 5 s"))
            tool.end(end_time=T0 + 6_273_000_000)
        root.set_status(Status(StatusCode.ERROR, "tool lookup_policy failed"))
        root.end(end_time=T0 + 6_300_000_000)
    provider.shutdown()
    request = encode_spans(memory.get_finished_spans())
    return console.getvalue(), json_format.MessageToDict(request)


def b64_to_hex(value: str) -> str:
    return base64.b64decode(value).hex()


def otlp_hex(traces: dict[str, Any]) -> dict[str, Any]:
    """Protobuf JSON (base64 ids, camelCase) with hex ids, as OTLP/JSON and Jaeger's API v3 write them."""
    copy = json.loads(json.dumps(traces))
    for rs in copy["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                for key in ("traceId", "spanId", "parentSpanId"):
                    if key in span:
                        span[key] = b64_to_hex(span[key])
    return copy


def jaeger_ui(traces: dict[str, Any]) -> dict[str, Any]:
    """The OTLP trace as Jaeger's query service serves it to the UI (model/converter/json + otlp translator)."""
    data = otlp_hex(traces)
    kinds = {"SPAN_KIND_CLIENT": "client", "SPAN_KIND_SERVER": "server", "SPAN_KIND_INTERNAL": "internal"}
    spans, processes = [], {}
    for n, rs in enumerate(data["resourceSpans"], start=1):
        process = f"p{n}"
        attrs = {a["key"]: a["value"] for a in rs["resource"]["attributes"]}
        processes[process] = {
            "serviceName": attrs.pop("service.name")["stringValue"],
            "tags": [_jaeger_tag(k, v) for k, v in attrs.items()],
        }
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                tags = [_jaeger_tag(a["key"], a["value"]) for a in span.get("attributes", [])]
                tags.append({"key": "otel.scope.name", "type": "string", "value": ss["scope"]["name"]})
                tags.append({"key": "otel.scope.version", "type": "string", "value": ss["scope"]["version"]})
                tags.append({"key": "span.kind", "type": "string", "value": kinds[span["kind"]]})
                status = span.get("status", {})
                if status.get("code") == "STATUS_CODE_ERROR":
                    tags.append({"key": "otel.status_code", "type": "string", "value": "ERROR"})
                    tags.append({"key": "error", "type": "bool", "value": True})
                    tags.append({"key": "otel.status_description", "type": "string", "value": status["message"]})
                tags.append({"key": "internal.span.format", "type": "string", "value": "otlp"})
                start = int(span["startTimeUnixNano"]) // 1000
                references = (
                    [{"refType": "CHILD_OF", "traceID": span["traceId"], "spanID": span["parentSpanId"]}]
                    if span.get("parentSpanId")
                    else []
                )
                logs = [
                    {
                        "timestamp": int(e["timeUnixNano"]) // 1000,
                        "fields": [
                            {"key": "event", "type": "string", "value": e["name"]},
                            *[_jaeger_tag(a["key"], a["value"]) for a in e.get("attributes", [])],
                        ],
                    }
                    for e in span.get("events", [])
                ]
                spans.append(
                    {
                        "traceID": span["traceId"],
                        "spanID": span["spanId"],
                        "operationName": span["name"],
                        "references": references,
                        "startTime": start,
                        "duration": int(span["endTimeUnixNano"]) // 1000 - start,
                        "tags": tags,
                        "logs": logs,
                        "processID": process,
                        "warnings": None,
                    }
                )
    trace = {"traceID": spans[0]["traceID"], "spans": spans, "processes": processes, "warnings": None}
    return {"data": [trace], "total": 0, "limit": 0, "offset": 0, "errors": None}


def _jaeger_tag(key: str, value: dict[str, Any]) -> dict[str, Any]:
    if "intValue" in value:
        return {"key": key, "type": "int64", "value": int(value["intValue"])}
    if "doubleValue" in value:
        return {"key": key, "type": "float64", "value": value["doubleValue"]}
    if "boolValue" in value:
        return {"key": key, "type": "bool", "value": value["boolValue"]}
    if "arrayValue" in value:  # Jaeger has no arrays: the translator writes them as JSON text
        items = [next(iter(v.values())) for v in value["arrayValue"].get("values", [])]
        return {"key": key, "type": "string", "value": json.dumps(items)}
    return {"key": key, "type": "string", "value": value.get("stringValue", "")}


def bare_spans(traces: dict[str, Any]) -> list[dict[str, Any]]:
    """The spans alone, hex ids, ``kind`` and status as enum names (as protobuf JSON writes them)."""
    return [span for rs in otlp_hex(traces)["resourceSpans"] for ss in rs["scopeSpans"] for span in ss["spans"]]


# --- Phoenix ------------------------------------------------------------------------------------


def _plain(value: dict[str, Any]) -> Any:
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return int(value["intValue"])
    if "arrayValue" in value:
        return [_plain(v) for v in value["arrayValue"].get("values", [])]
    return None


def _iso(nanos: str) -> str:
    from datetime import UTC, datetime

    whole, fraction = divmod(int(nanos), 1_000_000_000)
    stamp = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{fraction // 1000:06d}+00:00"


def phoenix_rest(source: dict[str, Any]) -> list[dict[str, Any]]:
    """OpenInference OTLP spans as Phoenix's REST API serves them (``v1.Span`` of arize-phoenix-client)."""
    codes = {0: "UNSET", 1: "OK", 2: "ERROR"}
    spans = []
    for rs in source["resourceSpans"]:
        for ss in rs["scopeSpans"]:
            for span in ss["spans"]:
                attributes = {a["key"]: _plain(a["value"]) for a in span.get("attributes", [])}
                kind = attributes.pop("openinference.span.kind", "UNKNOWN")
                status = span.get("status", {})
                rest: dict[str, Any] = {
                    "id": "U3BhbjoxMjM=",  # Phoenix's global id (base64 "Span:N"); unused by reviewdesk
                    "name": span["name"],
                    "context": {"trace_id": span["traceId"], "span_id": span["spanId"]},
                    "span_kind": kind,
                    "parent_id": span.get("parentSpanId") or None,
                    "start_time": _iso(span["startTimeUnixNano"]),
                    "end_time": _iso(span["endTimeUnixNano"]),
                    "status_code": codes[status.get("code", 0)],
                    "status_message": status.get("message", ""),
                    "attributes": attributes,
                    "events": [
                        {
                            "name": e["name"],
                            "timestamp": _iso(e["timeUnixNano"]),
                            "attributes": {a["key"]: _plain(a["value"]) for a in e.get("attributes", [])},
                        }
                        for e in span.get("events", [])
                    ],
                }
                spans.append(rest)
    return spans


def phoenix_dataframe_rows(rest: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of ``get_spans_dataframe()``: top-level fields, ``context.*`` and ``attributes.*`` columns.

    Phoenix's dataframe keeps message lists as lists of flat message objects
    (``attributes.llm.input_messages`` = ``[{"message.role": …, "message.content": …}]``).
    """
    rows = []
    for span in rest:
        row: dict[str, Any] = {k: v for k, v in span.items() if k not in ("id", "context", "attributes")}
        row["context.span_id"] = span["context"]["span_id"]
        row["context.trace_id"] = span["context"]["trace_id"]
        lists: dict[str, dict[int, dict[str, Any]]] = {}
        for key, value in span["attributes"].items():
            head, _, rest_key = key.partition(".")
            parts = key.split(".")
            if key.startswith(("llm.input_messages.", "llm.output_messages.")) and len(parts) > 3:
                name = ".".join(parts[:2])
                lists.setdefault(name, {}).setdefault(int(parts[2]), {})[".".join(parts[3:])] = value
            else:
                row[f"attributes.{key}"] = value
        for name, items in lists.items():
            row[f"attributes.{name}"] = [items[i] for i in sorted(items)]
        rows.append(row)
    return rows


def main() -> None:
    import pandas as pd

    console, traces = record_agent_trace()
    (HERE / "otel_console_agent.txt").write_text(console, encoding="utf-8")
    write = lambda name, value: (HERE / name).write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")  # noqa: E731
    write("tempo_agent.json", {"batches": traces["resourceSpans"]})
    write("jaeger_api_v3_agent.json", {"result": otlp_hex(traces)})
    write("jaeger_ui_agent.json", jaeger_ui(traces))
    write("otlp_spans_agent.json", bare_spans(traces))

    source = json.loads((INSTRUMENTED / "openinference_openai.json").read_text(encoding="utf-8"))
    rest = phoenix_rest(source)
    write("phoenix_rest_spans.json", {"data": rest, "next_cursor": None})
    frame = pd.DataFrame(phoenix_dataframe_rows(rest))
    for column in ("start_time", "end_time"):
        frame[column] = pd.to_datetime(frame[column])
    frame = frame.set_index("context.span_id", drop=False)
    (HERE / "phoenix_dataframe_records.json").write_text(
        frame.to_json(orient="records", date_format="iso", indent=2) + "\n", encoding="utf-8"
    )
    (HERE / "phoenix_dataframe_columns.json").write_text(frame.to_json() + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
