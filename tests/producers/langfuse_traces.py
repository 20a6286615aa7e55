"""Langfuse traces produced by the real ``langfuse`` SDK, and the exports Langfuse makes of them.

1. ``run_sdk`` / ``run_langchain``: the Langfuse Python SDK (OpenTelemetry-based; its own
   ``start_as_current_observation`` API, and its LangChain ``CallbackHandler``) exports to a
   ``FakeEndpoint``; ``otlp_json`` turns the captured OTLP protobuf into an OTLP/JSON document —
   Langfuse-SDK OTLP as a reviewdesk user would have it.
2. ``langfuse_export`` turns OTLP spans into the export Langfuse serves for them, the way the
   Langfuse server's OTel ingestion maps spans to observations (langfuse/langfuse
   ``packages/shared/src/server/otel/OtelIngestionProcessor.ts`` and ``ObservationTypeMapper.ts``:
   type mapping, input/output extraction with the I/O keys removed from ``metadata.attributes``,
   model/usage/cost/level/status, trace fields from the root span). Records are built with the
   ``langfuse`` package's API models (``ObservationV2``, ``Score_Numeric``) and serialized by them.
   ``style="download"`` writes what the UI's JSON download holds (``input``/``output``/``metadata``
   as JSON strings, as in the real samples), ``style="api"`` the API's parsed values;
   ``keep_message_attributes=True`` mimics Langfuse releases of 2025, which left OpenInference
   ``llm.input_messages.*`` and ``input.value`` in ``metadata.attributes`` (the openai-agents sample).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import time
import uuid
from typing import Any

from tests.producers.fake_endpoint import FakeEndpoint

QUESTION = "Can I still return order 8812? It arrived 20 days ago."
SYSTEM = "You are a support assistant. Answer from the policy excerpts only."
CALL_ID = "call_Xk3Lq8812lookupV9"
ORDER = {"order_id": "8812", "status": "delivered"}
ANSWER = "Yes. Order 8812 arrived 20 days ago, within the 30-day return window."
MODEL = "gpt-4o-mini-2024-07-18"
DOCS = [
    ("policy-refunds-v3", "Items can be returned within 30 days of delivery.", 0.91),
    ("faq-returns", "Start a return from the Orders page.", 0.55),
]

EXPECTED_SDK: dict[str, Any] = {
    "workflow": "refund-question",
    "user_request": QUESTION,
    "system_instructions": SYSTEM,
    "output": ANSWER,
    "model": MODEL,
    "request_model": MODEL,
    "input_tokens": 312 + 371,
    "output_tokens": 19 + 86,
    "total_tokens": 312 + 19 + 371 + 86,
    "cost_usd": 0.0021,
    "llm_calls": 2,
    "tool_calls": [
        {"name": "lookup_order", "arguments": {"order_id": "8812"}, "result": ORDER, "call_id": CALL_ID, "error": None}
    ],
    "retrieval_query": QUESTION,
    "documents": ["policy-refunds-v3", "faq-returns"],
    "user_id": "u-7",
    "session_id": "thread-42",
    "tenant": "acme",
    "prompt": ("support-answer", "3"),
    "span_count": 5,
}
EXPECTED_FAILURE: dict[str, Any] = {"tool": "cancel_subscription", "error": "CRM timeout after 30s", "status": "error"}


def langfuse_client(endpoint: FakeEndpoint) -> Any:
    from langfuse import Langfuse

    return Langfuse(public_key="pk-lf-test", secret_key="sk-lf-test", base_url=endpoint.url, flush_at=1000)


def run_sdk(client: Any) -> tuple[str, str]:
    """The refund scenario and a failing tool, with Langfuse's own API; returns both trace ids."""
    from langfuse import propagate_attributes
    from langfuse.api import Prompt_Chat
    from langfuse.model import ChatPromptClient

    prompt = ChatPromptClient(
        Prompt_Chat(
            name="support-answer",
            version=3,
            prompt=[{"role": "system", "content": SYSTEM}],
            config={},
            labels=["production"],
            tags=[],
            type="chat",
        )
    )
    ids = []
    with client.start_as_current_observation(
        as_type="span", name="refund_question", input={"question": QUESTION}
    ) as root:
        ids.append(root.trace_id)
        with propagate_attributes(
            user_id="u-7", session_id="thread-42", metadata={"tenant": "acme"}, trace_name="refund-question"
        ):
            # Langfuse keeps milliseconds: steps a few ms apart keep their order in the export.
            step = 0.003
            with client.start_as_current_observation(
                as_type="retriever", name="policy_kb", input={"query": QUESTION}
            ) as ret:
                ret.update(output=[{"page_content": text, "metadata": {"id": d, "score": s}} for d, text, s in DOCS])
            time.sleep(step)
            messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
            call = {
                "id": CALL_ID,
                "type": "function",
                "function": {"name": "lookup_order", "arguments": '{"order_id": "8812"}'},
            }
            with client.start_as_current_observation(
                as_type="generation",
                name="chat",
                model=MODEL,
                input=messages,
                model_parameters={"temperature": 0.2},
                prompt=prompt,
            ) as gen:
                gen.update(
                    output={"role": "assistant", "content": None, "tool_calls": [call]},
                    usage_details={"input": 312, "output": 19, "total": 331},
                    cost_details={"input": 0.0006, "output": 0.0002, "total": 0.0008},
                )
            time.sleep(step)
            with client.start_as_current_observation(
                as_type="tool", name="lookup_order", input={"order_id": "8812"}
            ) as tool:
                tool.update(output=ORDER)
            time.sleep(step)
            follow_up = [
                *messages,
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": CALL_ID, "content": json.dumps(ORDER)},
            ]
            with client.start_as_current_observation(
                as_type="generation", name="chat", model=MODEL, input=follow_up
            ) as gen:
                gen.update(
                    output={"role": "assistant", "content": ANSWER},
                    usage_details={"input": 371, "output": 86},
                    cost_details={"total": 0.0013},
                )
            root.update(output=ANSWER)
    with client.start_as_current_observation(
        as_type="agent", name="cancel_subscription_request", input="Cancel account 4471."
    ) as root:
        ids.append(root.trace_id)
        with client.start_as_current_observation(
            as_type="tool", name="cancel_subscription", input={"account_id": "4471"}
        ) as tool:
            tool.update(level="ERROR", status_message="CRM timeout after 30s")
        root.update(output="Sorry, I could not cancel your plan right now.")
    client.create_score(
        trace_id=ids[0], name="correctness", value=1.0, comment="matches the policy", data_type="NUMERIC"
    )
    client.flush()
    return ids[0], ids[1]


def otlp_json(endpoint: FakeEndpoint) -> dict[str, Any]:
    """Every OTLP export the SDK sent, as one OTLP/JSON document (hex ids, as OTLP/JSON requires)."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    resource_spans: list[Any] = []
    for request in endpoint.posted("/otel/v1/traces"):
        body = request.body
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        message = ExportTraceServiceRequest()
        message.ParseFromString(body)
        resource_spans.extend(MessageToDict(message)["resourceSpans"])
    for resource_span in resource_spans:
        for scope_span in resource_span.get("scopeSpans", []):
            for span in scope_span.get("spans", []):
                for key in ("traceId", "spanId", "parentSpanId"):
                    if span.get(key):
                        span[key] = base64.b64decode(span[key]).hex()
    return {"resourceSpans": resource_spans}


def ingested_scores(endpoint: FakeEndpoint) -> list[dict[str, Any]]:
    """Score bodies the SDK sent (a JSON list to ``/api/public/scores``, or ingestion batch events)."""
    scores: list[dict[str, Any]] = []
    for request in endpoint.posted("/api/public"):
        if "otel" in request.path:
            continue
        payload = request.json()
        if isinstance(payload, list):
            scores.extend(item for item in payload if isinstance(item, dict))
        elif isinstance(payload, dict):
            scores.extend(e["body"] for e in payload.get("batch", []) if e.get("type") == "score-create")
    return scores


# --- what the Langfuse server makes of OTel spans ---------------------------------------------

_IO_KEYS = {
    "langfuse.trace.input", "langfuse.trace.output", "langfuse.observation.input", "langfuse.observation.output",
    "traceloop.entity.input", "traceloop.entity.output", "input.value", "output.value", "input", "output",
    "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result",
}  # fmt: skip
_IO_PREFIXES = ("gen_ai.prompt", "gen_ai.completion", "llm.input_messages", "llm.output_messages")
_OI_TYPES = {
    "CHAIN": "CHAIN", "RETRIEVER": "RETRIEVER", "LLM": "GENERATION", "EMBEDDING": "EMBEDDING",
    "AGENT": "AGENT", "TOOL": "TOOL", "GUARDRAIL": "GUARDRAIL", "EVALUATOR": "EVALUATOR",
}  # fmt: skip
_GENAI_TYPES = {
    "chat": "GENERATION", "completion": "GENERATION", "text_completion": "GENERATION", "generate_content": "GENERATION",
    "embeddings": "EMBEDDING", "invoke_agent": "AGENT", "create_agent": "AGENT", "execute_tool": "TOOL",
}  # fmt: skip
_MODEL_KEYS = (
    "langfuse.observation.model.name", "gen_ai.response.model", "gen_ai.request.model",
    "llm.response.model", "llm.model_name", "model",
)  # fmt: skip


def _plain(value: dict[str, Any]) -> Any:
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [_plain(v) for v in value["arrayValue"].get("values", [])]
    return json.dumps(value)


def _attrs(items: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {item["key"]: _plain(item.get("value", {})) for item in items or []}


def _time(nanos: str | int) -> dt.datetime:
    # Langfuse stores times in milliseconds (ClickHouse DateTime64(3)).
    millis = int(nanos) // 1_000_000
    return dt.datetime.fromtimestamp(millis // 1000, tz=dt.UTC) + dt.timedelta(milliseconds=millis % 1000)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _io(attrs: dict[str, Any], *, trace: bool = False) -> tuple[Any, Any]:
    if trace and (attrs.get("langfuse.trace.input") or attrs.get("langfuse.trace.output")):
        return attrs.get("langfuse.trace.input"), attrs.get("langfuse.trace.output")
    for inp, out in (
        ("langfuse.observation.input", "langfuse.observation.output"),
        ("traceloop.entity.input", "traceloop.entity.output"),
        ("input.value", "output.value"),
    ):
        if attrs.get(inp) is not None or attrs.get(out) is not None:
            return attrs.get(inp), attrs.get(out)
    nested_in = _nest({k: v for k, v in attrs.items() if k.startswith("llm.input_messages.")}, "llm.input_messages.")
    nested_out = _nest({k: v for k, v in attrs.items() if k.startswith("llm.output_messages.")}, "llm.output_messages.")
    if nested_in or nested_out:
        return nested_in, nested_out
    for inp, out in (
        ("gen_ai.input.messages", "gen_ai.output.messages"),
        ("gen_ai.tool.call.arguments", "gen_ai.tool.call.result"),
    ):
        if attrs.get(inp) or attrs.get(out):
            return attrs.get(inp), attrs.get(out)
    return None, None


def _nest(flat: dict[str, Any], prefix: str) -> list[Any] | None:
    if not flat:
        return None
    result: list[Any] = []
    for key, value in flat.items():
        parts = key[len(prefix) :].split(".")
        index = int(parts[0])
        while len(result) <= index:
            result.append({})
        node = result[index]
        for position, part in enumerate(parts[1:-1], start=1):
            nxt: Any = [] if parts[position + 1].isdigit() else {}
            if isinstance(node, list):
                slot = int(part)
                while len(node) <= slot:
                    node.append({})
                if not node[slot]:
                    node[slot] = nxt
                node = node[slot]
            else:
                node = node.setdefault(part, nxt)
        last = parts[-1]
        if isinstance(node, list):
            while len(node) <= int(last):
                node.append({})
            node[int(last)] = value
        else:
            node[last] = value
    return result


def _type(attrs: dict[str, Any]) -> str:
    explicit = attrs.get("langfuse.observation.type")
    if explicit:
        return str(explicit).upper()
    if attrs.get("openinference.span.kind") in _OI_TYPES:
        return _OI_TYPES[attrs["openinference.span.kind"]]
    if attrs.get("gen_ai.operation.name") in _GENAI_TYPES:
        return _GENAI_TYPES[attrs["gen_ai.operation.name"]]
    if attrs.get("gen_ai.tool.name") or attrs.get("gen_ai.tool.call.id"):
        return "TOOL"
    if any(
        attrs.get(k)
        for k in (
            "langfuse.observation.model.name",
            "gen_ai.request.model",
            "gen_ai.response.model",
            "llm.model_name",
            "model",
        )
    ):
        return "GENERATION"
    return "SPAN"


def _usage(attrs: dict[str, Any]) -> dict[str, int]:
    if attrs.get("langfuse.observation.usage_details"):
        return dict(json.loads(attrs["langfuse.observation.usage_details"]))
    names = {
        "prompt_tokens": "input", "completion_tokens": "output", "total_tokens": "total",
        "input_tokens": "input", "output_tokens": "output", "prompt": "input", "completion": "output",
    }  # fmt: skip
    usage: dict[str, int] = {}
    for key, value in attrs.items():
        if (key.startswith("gen_ai.usage.") and key != "gen_ai.usage.cost") or key.startswith("llm.token_count"):
            short = key.replace("gen_ai.usage.", "").replace("llm.token_count.", "")
            try:
                usage[names.get(short, short)] = int(float(value))
            except (TypeError, ValueError):
                continue
    return usage


def _model_parameters(attrs: dict[str, Any]) -> dict[str, Any]:
    raw = attrs.get("langfuse.observation.model.parameters") or attrs.get("llm.invocation_parameters")
    params = (
        json.loads(raw)
        if raw
        else {
            k.replace("gen_ai.request.", ""): v
            for k, v in attrs.items()
            if k.startswith("gen_ai.request.") and k != "gen_ai.request.model"
        }
    )
    return {
        k: v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else json.dumps(v)
        for k, v in params.items()
    }


def _metadata(attrs: dict[str, Any], prefix: str) -> dict[str, Any]:
    # The server decodes the v5 SDK's JSON-encoded metadata values.
    return {k[len(prefix) + 1 :]: _json(v) for k, v in attrs.items() if k.startswith(prefix + ".")}


def langfuse_export(
    otlp: dict[str, Any],
    trace_id: str,
    *,
    scores: list[dict[str, Any]] | None = None,
    style: str = "download",
    keep_message_attributes: bool = False,
) -> dict[str, Any]:
    """One trace of ``otlp`` as Langfuse exports it: ``{"trace", "observations", "scores"}``."""
    from langfuse.api import ObservationV2, Score_Numeric

    observations: list[dict[str, Any]] = []
    trace: dict[str, Any] = {
        "id": trace_id,
        "projectId": "reviewdesk-test",
        "environment": "default",
        "tags": [],
        "public": False,
        "bookmarked": False,
    }
    for resource_span in otlp["resourceSpans"]:
        resource = _attrs(resource_span.get("resource", {}).get("attributes"))
        for scope_span in resource_span.get("scopeSpans", []):
            scope = scope_span.get("scope", {})
            scope_attrs = _attrs(scope.get("attributes"))
            is_sdk = str(scope.get("name", "")).startswith("langfuse-sdk")
            for span in scope_span.get("spans", []):
                if span["traceId"] != trace_id:
                    continue
                attrs = _attrs(span.get("attributes"))
                inp, out = _io(attrs)
                filtered = {
                    k: v if isinstance(v, str) else json.dumps(v)
                    for k, v in attrs.items()
                    if (k not in _IO_KEYS and not k.startswith(_IO_PREFIXES))
                    or (
                        keep_message_attributes
                        and (
                            k.startswith(("llm.input_messages", "llm.output_messages"))
                            or k in ("input.value", "output.value")
                        )
                    )
                }
                metadata = {
                    **_metadata(attrs, "langfuse.observation.metadata"),
                    **({} if is_sdk else {"attributes": filtered}),
                    "resourceAttributes": resource,
                    "scope": {"name": scope.get("name"), "version": scope.get("version"), "attributes": scope_attrs},
                }
                status = span.get("status", {})
                level = attrs.get("langfuse.observation.level") or (
                    "ERROR" if status.get("code") in (2, "STATUS_CODE_ERROR") else "DEFAULT"
                )
                cost = attrs.get("langfuse.observation.cost_details")
                model = next((attrs[k] for k in _MODEL_KEYS if attrs.get(k)), None)
                observation = ObservationV2(
                    id=span["spanId"],
                    trace_id=trace_id,
                    start_time=_time(span["startTimeUnixNano"]),
                    end_time=_time(span["endTimeUnixNano"]),
                    project_id="reviewdesk-test",
                    parent_observation_id=span.get("parentSpanId") or None,
                    type=_type(attrs),
                    name=str(attrs.get("gen_ai.tool.name") or span["name"]),
                    level=level,
                    status_message=attrs.get("langfuse.observation.status_message") or status.get("message"),
                    version=attrs.get("langfuse.version") or resource.get("service.version"),
                    environment=attrs.get("langfuse.environment") or "default",
                    input=inp if style == "download" else _json(inp),
                    output=out if style == "download" else _json(out),
                    metadata=metadata,
                    model=model,
                    model_parameters=_model_parameters(attrs),
                    usage_details=_usage(attrs),
                    cost_details=json.loads(cost)
                    if cost
                    else ({"total": float(attrs["gen_ai.usage.cost"])} if "gen_ai.usage.cost" in attrs else {}),
                    prompt_name=attrs.get("langfuse.observation.prompt.name"),
                    prompt_version=attrs.get("langfuse.observation.prompt.version"),
                )
                record = json.loads(observation.json())
                if style == "download":
                    record["metadata"] = json.dumps(record["metadata"])
                observations.append(record)
                _update_trace(trace, span, attrs, resource, scope, scope_attrs, filtered, is_sdk, style)
    score_records = [
        json.loads(
            Score_Numeric(
                id=score.get("id") or str(uuid.uuid4()),
                trace_id=trace_id,
                observation_id=score.get("observationId"),
                name=score["name"],
                value=float(score["value"]),
                comment=score.get("comment"),
                source="API",
                timestamp=dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
                created_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
                updated_at=dt.datetime(2026, 11, 26, tzinfo=dt.UTC),
                data_type="NUMERIC",
                environment="default",
            ).json()
        )
        for score in scores or []
    ]
    for record in observations:  # the v2 observations API repeats the trace's identity
        record.update({k: trace[k] for k in ("userId", "sessionId") if trace.get(k) is not None})
        if trace.get("name"):
            record["traceName"] = trace["name"]
    if style == "download" and isinstance(trace.get("metadata"), dict):
        trace["metadata"] = json.dumps(trace["metadata"])
    return {"trace": trace, "observations": observations, "scores": score_records}


def _update_trace(
    trace: dict[str, Any],
    span: dict[str, Any],
    attrs: dict[str, Any],
    resource: dict[str, Any],
    scope: dict[str, Any],
    scope_attrs: dict[str, Any],
    filtered: dict[str, Any],
    is_sdk: bool,
    style: str,
) -> None:
    """Trace fields come from the root span, and from any span that carries trace attributes."""
    root = not span.get("parentSpanId")

    def put(key: str, value: Any) -> None:
        if value is not None and (root or key not in trace):
            trace[key] = value

    put("userId", attrs.get("langfuse.user.id") or attrs.get("user.id"))
    put("sessionId", attrs.get("langfuse.session.id") or attrs.get("session.id") or attrs.get("gen_ai.conversation.id"))
    put("release", attrs.get("langfuse.release") or resource.get("langfuse.release"))
    if attrs.get("langfuse.trace.name"):
        trace["name"] = attrs["langfuse.trace.name"]
    if attrs.get("langfuse.trace.tags"):
        trace["tags"] = list(attrs["langfuse.trace.tags"])
    trace_metadata = _metadata(attrs, "langfuse.trace.metadata")
    if not root:
        if trace_metadata:
            trace.setdefault("metadata", {}).update(trace_metadata)
        return
    inp, out = _io(attrs, trace=True)
    trace.setdefault("name", str(attrs.get("gen_ai.tool.name") or span["name"]))
    trace["timestamp"] = _time(span["startTimeUnixNano"]).isoformat().replace("+00:00", "Z")
    trace["version"] = attrs.get("langfuse.version") or resource.get("service.version")
    trace["input"] = inp if style == "download" else _json(inp)
    trace["output"] = out if style == "download" else _json(out)
    metadata = trace.setdefault("metadata", {})
    metadata.update(trace_metadata)
    metadata.update(_metadata(attrs, "langfuse.observation.metadata"))
    if not is_sdk:
        metadata["attributes"] = filtered
    metadata["resourceAttributes"] = resource
    metadata["scope"] = {"name": scope.get("name"), "version": scope.get("version"), "attributes": scope_attrs}
