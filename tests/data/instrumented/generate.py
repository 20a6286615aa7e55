#!/usr/bin/env python3
"""Generate real OTLP/JSON trace fixtures with the real PyPI instrumentation packages.

One run produces the fixture of ONE convention (each convention needs its own
virtualenv, see README.md and the requirements-*.txt files next to this script):

    python generate.py --convention openinference      -> openinference_openai.json
    python generate.py --convention genai              -> otel_genai_v2.jsonl
    python generate.py --convention traceloop-legacy   -> traceloop_legacy.json
    python generate.py --convention traceloop-new      -> traceloop_new.json

and merges that file's ground truth into expected.json (other files' entries are kept).

The LLM is a scripted fake OpenAI-compatible Chat Completions server on 127.0.0.1 (random
free port) run in a thread; the app talks to it with the real ``openai`` client. Two traces
are produced per convention:

  A "refund question": root workflow/chain -> retrieval (3 docs) -> chat #1 (tool call
    lookup_order) -> tool span lookup_order -> chat #2 (final text answer).
  B "tool failure + LLM failure": root -> chat #1 (tool call cancel_subscription) -> tool
    span that raises TimeoutError("CRM timeout after 30s") -> chat #2 that gets HTTP 500.

Spans are collected with InMemorySpanExporter + SimpleSpanProcessor, encoded with
opentelemetry-exporter-otlp-proto-common's encode_spans, converted with protobuf's
MessageToDict(use_integers_for_enums=True), and traceId/spanId/parentSpanId are turned
from base64 into lowercase hex as OTLP/JSON requires.

Only the standard library is imported at module level; each convention imports its own
packages lazily, after setting the environment variables it needs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata as importlib_metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------
# Scenario constants (the ground truth the importer must recover)
# --------------------------------------------------------------------------------------

SERVICE_NAME = "support-copilot"
SERVICE_VERSION = "2026.11.0"
REQUEST_MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"
SYSTEM_FINGERPRINT = "fp_0ba0d124f1"
PROVIDER = "openai"
TEMPERATURE = 0.2

SESSION_ID = {"A": "sess-2026-11-26-0042", "B": "sess-2026-11-26-0057"}
USER_ID = {"A": "cust-5521", "B": "cust-7310"}

SYSTEM_PROMPT = (
    "You are Support Copilot for Northwind Outdoor Gear. Answer the customer's question "
    "using only the policy excerpts provided and the results of your tools. If you need "
    "order or account data, call a tool. Be concise and friendly, and never promise a "
    "refund that the policy does not allow."
)

USER_A = "Can I still return order 8812? It arrived 20 days ago."
USER_B = "Please cancel my Premium subscription right away. My account number is 4471."

RETRIEVAL_DATA_SOURCE = "support-policies-kb"
RETRIEVAL_TOP_K = 3
DOCUMENTS = [
    {
        "id": "policy-refunds-v3",
        "content": (
            "Refunds and returns (v3): Unused items in their original packaging can be "
            "returned within 30 days of delivery for a full refund to the original payment "
            "method. Items returned between 31 and 60 days are eligible for store credit only."
        ),
        "score": 0.91,
        "metadata": {"source": "kb://policies/refunds.md", "section": "returns", "updated": "2026-09-14"},
    },
    {
        "id": "policy-shipping-v1",
        "content": (
            "Shipping (v1): Standard shipping takes 3-7 business days. Return shipping is "
            "free for orders over $50; otherwise a $6.95 label fee is deducted from the refund."
        ),
        "score": 0.72,
        "metadata": {"source": "kb://policies/shipping.md", "section": "returns-shipping", "updated": "2026-03-02"},
    },
    {
        "id": "faq-returns",
        "content": (
            "FAQ - How do I start a return? Open Orders in your account, choose the order and "
            "click 'Start a return'. You will receive a prepaid label by email within one hour."
        ),
        "score": 0.55,
        "metadata": {"source": "kb://faq/returns.md", "section": "faq", "updated": "2025-12-01"},
    },
]

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            "description": "Look up an order by its id and return its status, delivery date and items.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "The order number"}},
                "required": ["order_id"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "cancel_subscription",
            "description": "Cancel a customer's subscription plan in the CRM.",
            "parameters": {
                "type": "object",
                "properties": {
                    "account_id": {"type": "string"},
                    "plan": {"type": "string", "enum": ["basic", "plus", "premium"]},
                },
                "required": ["account_id", "plan"],
            },
        },
    },
]
TOOL_DESCRIPTIONS = {t["function"]["name"]: t["function"]["description"] for t in TOOLS}
TOOL_SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}

# Scripted model outputs.
TOOL_CALL_A = {"id": "call_Xk3Lq8812lookupV9", "name": "lookup_order", "arguments": '{"order_id":"8812"}'}
TOOL_CALL_B = {
    "id": "call_Rt7Wc4471cancelP2",
    "name": "cancel_subscription",
    "arguments": '{"account_id":"4471","plan":"premium"}',
}
FINAL_ANSWER_A = (
    "Yes, you can still return order 8812. It was delivered 20 days ago, which is within our "
    "30-day return window, so you are eligible for a full refund to your original payment "
    "method as long as the Trailhead 2P Tent is unused and in its original packaging. Open "
    "Orders in your account, choose order 8812 and click 'Start a return' - return shipping "
    "is free because the order was over $50."
)
ORDER_8812 = {
    "order_id": "8812",
    "status": "delivered",
    "delivered_at": "2026-11-06",
    "days_since_delivery": 20,
    "total": 189.0,
    "currency": "USD",
    "items": [{"sku": "TENT-2P-TRAILHEAD", "name": "Trailhead 2P Tent", "qty": 1, "price": 189.0}],
}
TOOL_ERROR_B = "CRM timeout after 30s"
HTTP_500_BODY = {
    "error": {
        "message": "The server had an error while processing your request. Sorry about that!",
        "type": "server_error",
        "param": None,
        "code": None,
    }
}

# usage per scripted response (prompt, completion)
USAGE = {
    "A1": (312, 19),
    "A2": (371, 86),
    "B1": (236, 27),
}


# --------------------------------------------------------------------------------------
# Fake OpenAI-compatible server
# --------------------------------------------------------------------------------------


class FakeOpenAIServer:
    """Scripted Chat Completions endpoint. Decides its answer from the request content:

    * last message from the user, about order 8812  -> tool call lookup_order (A1)
    * last message from the user, about cancelling -> tool call cancel_subscription (B1)
    * last message is a tool result for lookup_order -> final text answer (A2)
    * last message is a tool result for cancel_subscription -> HTTP 500 (B2, the designated failure)

    Every exchange is logged in ``self.log`` (request JSON, status, response JSON).
    """

    def __init__(self) -> None:
        self.log: list[dict] = []
        self._lock = threading.Lock()
        self._counter = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:  # noqa: D401
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format, *args):  # noqa: A002 - silence stderr
                pass

            def _send(self, status: int, body: dict, extra_headers: dict | None = None) -> None:
                payload = json.dumps(body).encode("utf-8")
                reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}.get(status, "")
                headers = {
                    "Content-Type": "application/json",
                    "Content-Length": str(len(payload)),
                    "openai-processing-ms": "412",
                    "x-request-id": f"req_fake{outer._counter:06d}",
                }
                headers.update(extra_headers or {})
                head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(
                    f"{k}: {v}\r\n" for k, v in headers.items()
                ) + "\r\n"
                # headers + body in ONE write (avoids the 40 ms delayed-ACK stall)
                self.wfile.write(head.encode("latin-1") + payload)
                self.wfile.flush()

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"unknown path {self.path}"}})
                    return
                request = json.loads(raw or b"{}")
                with outer._lock:
                    outer._counter += 1
                    status, body, key = outer._respond(request)
                    outer.log.append({"key": key, "request": request, "status": status, "response": body})
                self._send(status, body, {"x-should-retry": "false"} if status == 500 else None)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeOpenAIServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- scripted responses ----------------------------------------------------------
    def _completion(self, key: str, message: dict, finish_reason: str, request: dict) -> dict:
        prompt, completion = USAGE[key]
        return {
            "id": f"chatcmpl-fake{key}{self._counter:04d}Zq",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": RESPONSE_MODEL,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "service_tier": "default",
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {
                    "reasoning_tokens": 0,
                    "audio_tokens": 0,
                    "accepted_prediction_tokens": 0,
                    "rejected_prediction_tokens": 0,
                },
            },
        }

    @staticmethod
    def _tool_call_message(tc: dict) -> dict:
        return {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "annotations": [],
            "tool_calls": [
                {"id": tc["id"], "type": "function", "function": {"name": tc["name"], "arguments": tc["arguments"]}}
            ],
        }

    def _respond(self, request: dict) -> tuple[int, dict, str]:
        messages = request.get("messages") or []
        last = messages[-1] if messages else {}
        if last.get("role") == "user":
            text = str(last.get("content"))
            if "8812" in text:
                return 200, self._completion("A1", self._tool_call_message(TOOL_CALL_A), "tool_calls", request), "A1"
            if "cancel" in text.lower():
                return 200, self._completion("B1", self._tool_call_message(TOOL_CALL_B), "tool_calls", request), "B1"
        if last.get("role") == "tool":
            if last.get("tool_call_id") == TOOL_CALL_A["id"]:
                msg = {"role": "assistant", "content": FINAL_ANSWER_A, "refusal": None, "annotations": []}
                return 200, self._completion("A2", msg, "stop", request), "A2"
            if last.get("tool_call_id") == TOOL_CALL_B["id"]:
                return 500, HTTP_500_BODY, "B2"
        return 500, {"error": {"message": "fake server: no script for this request", "type": "server_error"}}, "?"


# --------------------------------------------------------------------------------------
# The "application": tools and retrieval
# --------------------------------------------------------------------------------------


def lookup_order(order_id: str) -> dict:
    if order_id != "8812":
        raise KeyError(order_id)
    return dict(ORDER_8812)


def cancel_subscription(account_id: str, plan: str) -> dict:
    raise TimeoutError(TOOL_ERROR_B)


TOOL_FUNCS = {"lookup_order": lookup_order, "cancel_subscription": cancel_subscription}


def search_policies(query: str, top_k: int = RETRIEVAL_TOP_K) -> list[dict]:
    return [dict(d) for d in DOCUMENTS[:top_k]]


def system_message_for(docs: list[dict] | None) -> str:
    if not docs:
        return SYSTEM_PROMPT
    ctx = "\n".join(f"[{d['id']}] {d['content']}" for d in docs)
    return f"{SYSTEM_PROMPT}\n\nPolicy excerpts:\n{ctx}"


# --------------------------------------------------------------------------------------
# Conventions: each one knows how to instrument openai and how to make the app's own
# workflow / retrieval / tool spans the way that ecosystem does it.
# --------------------------------------------------------------------------------------


class Convention:
    name = ""
    # ground-truth fields the convention cannot carry, per trace key ("*" = all traces)
    not_carried: dict[str, list[str]] = {}
    # fields present in the file only in a non-standard, app-made place (see README.md)
    non_standard: dict[str, list[str]] = {}
    out_file = ""
    packages: tuple[str, ...] = ()
    env: dict[str, str] = {}

    def setup(self, tracer_provider) -> None:  # instrument openai, make tracers
        raise NotImplementedError

    # context managers; each yields an object with .set_output(value) (root) etc.
    def root(self, key: str, name: str, user_request: str):
        raise NotImplementedError

    def retrieval(self, query: str, fn):
        raise NotImplementedError

    def tool(self, tool_call: dict, args: dict, fn):
        raise NotImplementedError


def _json(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


class OpenInferenceConvention(Convention):
    name = "openinference"
    out_file = "openinference_openai.json"
    packages = (
        "openai",
        "openinference-instrumentation-openai",
        "openinference-instrumentation",
        "openinference-semantic-conventions",
        "opentelemetry-sdk",
        "opentelemetry-exporter-otlp-proto-common",
    )

    def setup(self, tracer_provider) -> None:
        from openinference.instrumentation import OITracer, TraceConfig
        from openinference.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
        self.tracer = OITracer(tracer_provider.get_tracer("support_copilot.app"), config=TraceConfig())

    def root(self, key, name, user_request):
        from contextlib import contextmanager

        from openinference.instrumentation import using_attributes

        @contextmanager
        def cm():
            # session.id / user.id via the context: OpenInference copies them onto every span
            # made inside (the root chain, our retriever/tool spans and the LLM spans).
            with using_attributes(session_id=SESSION_ID[key], user_id=USER_ID[key]):
                with self.tracer.start_as_current_span(name, openinference_span_kind="chain") as span:
                    span.set_input(user_request)
                    yield span  # caller calls span.set_output(text)

        return cm()

    def retrieval(self, query, fn):
        from openinference.instrumentation import get_retriever_attributes

        with self.tracer.start_as_current_span("retrieve_policies", openinference_span_kind="retriever") as span:
            span.set_input(query)
            docs = fn(query)
            span.set_attributes(get_retriever_attributes(documents=docs))
            return docs

    def tool(self, tool_call, args, fn):
        name = tool_call["name"]
        with self.tracer.start_as_current_span(name, openinference_span_kind="tool") as span:
            span.set_tool(name=name, description=TOOL_DESCRIPTIONS[name], parameters=TOOL_SCHEMAS[name])
            span.set_attribute("tool.id", tool_call["id"])
            span.set_input(args)  # dict -> JSON, mime application/json
            result = fn(**args)  # an exception propagates: recorded as event + ERROR status
            span.set_output(result)
            return result


class GenAIConvention(Convention):
    name = "genai"
    out_file = "otel_genai_v2.jsonl"
    packages = (
        "openai",
        "opentelemetry-instrumentation-openai-v2",
        "opentelemetry-util-genai",
        "opentelemetry-sdk",
        "opentelemetry-exporter-otlp-proto-common",
    )
    not_carried = {
        "A": ["retrieval.documents[].content", "retrieval.documents[].metadata", "user_id"],
        "*": ["user_id"],
    }
    env = {
        "OTEL_SEMCONV_STABILITY_OPT_IN": "gen_ai_latest_experimental",
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": "SPAN_ONLY",
    }

    def setup(self, tracer_provider) -> None:
        from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
        from opentelemetry.util.genai.handler import TelemetryHandler

        OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
        self.handler = TelemetryHandler(tracer_provider=tracer_provider)

    def root(self, key, name, user_request):
        from contextlib import contextmanager

        from opentelemetry.util.genai.types import InputMessage, OutputMessage, Text

        @contextmanager
        def cm():
            with self.handler.workflow(name) as wf:
                wf.attributes["gen_ai.conversation.id"] = SESSION_ID[key]
                wf.input_messages = [InputMessage(role="user", parts=[Text(content=user_request)])]

                class Root:
                    def set_output(self, text):
                        wf.output_messages = [
                            OutputMessage(role="assistant", parts=[Text(content=text)], finish_reason="stop")
                        ]

                yield Root()

        return cm()

    def retrieval(self, query, fn):
        with self.handler.retrieval(data_source_id=RETRIEVAL_DATA_SOURCE) as inv:
            inv.query_text = query
            inv.top_k = RETRIEVAL_TOP_K
            docs = fn(query)
            # GenAI semconv documents: [{"id", "score"}] (no standard content field)
            inv.documents = [{"id": d["id"], "score": d["score"]} for d in docs]
            return docs

    def tool(self, tool_call, args, fn):
        name = tool_call["name"]
        with self.handler.tool(
            name, tool_call_id=tool_call["id"], tool_type="function", tool_description=TOOL_DESCRIPTIONS[name]
        ) as inv:
            if inv.should_capture_content_on_span:
                inv.arguments = args
            try:
                result = fn(**args)
            except Exception as exc:
                # util-genai sets ERROR status + error.type but records no exception event;
                # the app adds it (as apps commonly do) so the span carries the message too.
                inv.span.record_exception(exc)
                raise
            if inv.should_capture_content_on_span:
                inv.tool_result = result
            return result


class TraceloopConvention(Convention):
    packages = (
        "openai",
        "opentelemetry-instrumentation-openai",
        "opentelemetry-semantic-conventions-ai",
        "opentelemetry-sdk",
        "opentelemetry-exporter-otlp-proto-common",
    )
    env = {"TRACELOOP_TRACE_CONTENT": "true"}
    # Traceloop has no retrieval span convention: the retrieval is a traceloop.span.kind=task
    # span whose traceloop.entity.output is the JSON list of documents.
    non_standard = {"A": ["retrieval"]}
    workflow_name = None  # set per trace

    def setup(self, tracer_provider) -> None:
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor

        OpenAIInstrumentor().instrument(tracer_provider=tracer_provider)
        # traceloop-sdk's decorators use the tracer named "traceloop.tracer"
        self.tracer = tracer_provider.get_tracer("traceloop.tracer")

    def _entity_span(self, name, kind, inputs_args, inputs_kwargs, fn):
        """Mimic traceloop-sdk's @workflow/@task/@tool decorators (sdk/decorators/base.py)."""
        from opentelemetry.trace import Status, StatusCode

        span_name = f"{name}.{kind}"
        with self.tracer.start_as_current_span(
            span_name, record_exception=False, set_status_on_exception=False
        ) as span:
            span.set_attribute("traceloop.span.kind", kind)
            span.set_attribute("traceloop.entity.name", name)
            span.set_attribute("traceloop.workflow.name", self.workflow_name)
            for k, v in self.association.items():
                span.set_attribute(f"traceloop.association.properties.{k}", v)
            span.set_attribute(
                "traceloop.entity.input", _json({"args": list(inputs_args), "kwargs": dict(inputs_kwargs)})
            )
            try:
                result = fn(span)
            except Exception as exc:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                span.record_exception(exc)
                raise
            if result is not None:
                span.set_attribute("traceloop.entity.output", _json(result))
            return result

    def root(self, key, name, user_request):
        from contextlib import contextmanager

        @contextmanager
        def cm():
            self.workflow_name = name
            self.association = {"session_id": SESSION_ID[key], "user_id": USER_ID[key]}
            holder = {}

            class Root:
                def set_output(self, text):
                    holder["out"] = text

            # A workflow span whose output is what the body hands to set_output.
            from opentelemetry.trace import Status, StatusCode

            with self.tracer.start_as_current_span(
                f"{name}.workflow", record_exception=False, set_status_on_exception=False
            ) as span:
                span.set_attribute("traceloop.span.kind", "workflow")
                span.set_attribute("traceloop.entity.name", name)
                span.set_attribute("traceloop.workflow.name", name)
                for k, v in self.association.items():
                    span.set_attribute(f"traceloop.association.properties.{k}", v)
                span.set_attribute(
                    "traceloop.entity.input", _json({"args": [user_request], "kwargs": {}})
                )
                try:
                    yield Root()
                except Exception as exc:
                    span.set_status(Status(StatusCode.ERROR, str(exc)))
                    span.record_exception(exc)
                    raise
                if "out" in holder:
                    span.set_attribute("traceloop.entity.output", _json(holder["out"]))

        return cm()

    def retrieval(self, query, fn):
        return self._entity_span(
            "retrieve_policies", "task", [query], {"top_k": RETRIEVAL_TOP_K}, lambda span: fn(query)
        )

    def tool(self, tool_call, args, fn):
        return self._entity_span(
            tool_call["name"], "tool", [], args, lambda span: fn(**args)
        )


class TraceloopLegacyConvention(TraceloopConvention):
    name = "traceloop-legacy"
    out_file = "traceloop_legacy.json"


class TraceloopNewConvention(TraceloopConvention):
    name = "traceloop-new"
    out_file = "traceloop_new.json"


CONVENTIONS = {
    c.name: c
    for c in (OpenInferenceConvention, GenAIConvention, TraceloopLegacyConvention, TraceloopNewConvention)
}


# --------------------------------------------------------------------------------------
# Scenario driver
# --------------------------------------------------------------------------------------


def run_scenarios(conv: Convention, client, server: FakeOpenAIServer) -> dict:
    """Run traces A and B. Returns per-trace records of what the app actually did."""
    from opentelemetry import trace as trace_api

    records: dict[str, dict] = {}

    def chat(messages):
        return client.chat.completions.create(
            model=REQUEST_MODEL, messages=messages, tools=TOOLS, temperature=TEMPERATURE
        )

    def run_tool(tool_call_obj, rec):
        tc = {"id": tool_call_obj.id, "name": tool_call_obj.function.name}
        args = json.loads(tool_call_obj.function.arguments)
        entry = {"id": tc["id"], "name": tc["name"], "arguments": args, "result": None, "error": None}
        rec["tool_calls"].append(entry)
        try:
            result = conv.tool(tc, args, TOOL_FUNCS[tc["name"]])
        except Exception as exc:  # the app survives a tool failure and tells the model
            entry["error"] = str(exc)
            return {"role": "tool", "tool_call_id": tc["id"], "content": _json({"error": str(exc)})}
        entry["result"] = result
        return {"role": "tool", "tool_call_id": tc["id"], "content": _json(result)}

    # ---------------- Trace A: refund question ----------------
    rec = {"tool_calls": [], "llm_errors": [], "retrieval": None, "final_output": None}
    records["A"] = rec
    log_start = len(server.log)
    with conv.root("A", "refund_question", USER_A) as root:
        rec["trace_id"] = format(trace_api.get_current_span().get_span_context().trace_id, "032x")
        docs = conv.retrieval(USER_A, search_policies)
        rec["retrieval"] = {"query": USER_A, "documents": docs}
        messages = [
            {"role": "system", "content": system_message_for(docs)},
            {"role": "user", "content": USER_A},
        ]
        resp = chat(messages)
        msg = resp.choices[0].message
        messages.append(
            {
                "role": "assistant",
                "content": msg.content,
                "tool_calls": [
                    {"id": t.id, "type": "function", "function": {"name": t.function.name, "arguments": t.function.arguments}}
                    for t in msg.tool_calls
                ],
            }
        )
        for t in msg.tool_calls:
            messages.append(run_tool(t, rec))
        resp2 = chat(messages)
        final = resp2.choices[0].message.content
        rec["final_output"] = final
        root.set_output(final)
    rec["exchanges"] = server.log[log_start:]

    # ---------------- Trace B: tool failure + LLM failure ----------------
    import openai

    rec = {"tool_calls": [], "llm_errors": [], "retrieval": None, "final_output": None}
    records["B"] = rec
    log_start = len(server.log)
    try:
        with conv.root("B", "cancel_subscription_request", USER_B) as root:
            rec["trace_id"] = format(trace_api.get_current_span().get_span_context().trace_id, "032x")
            messages = [
                {"role": "system", "content": system_message_for(None)},
                {"role": "user", "content": USER_B},
            ]
            resp = chat(messages)
            msg = resp.choices[0].message
            messages.append(
                {
                    "role": "assistant",
                    "content": msg.content,
                    "tool_calls": [
                        {"id": t.id, "type": "function", "function": {"name": t.function.name, "arguments": t.function.arguments}}
                        for t in msg.tool_calls
                    ],
                }
            )
            for t in msg.tool_calls:
                messages.append(run_tool(t, rec))
            try:
                resp2 = chat(messages)  # fake server answers HTTP 500
            except openai.APIError as exc:
                rec["llm_errors"].append({"type": type(exc).__name__, "message": str(exc)})
                raise
            rec["final_output"] = resp2.choices[0].message.content
            root.set_output(rec["final_output"])
    except openai.InternalServerError:
        pass
    else:
        raise SystemExit("trace B: expected the second LLM call to fail with HTTP 500")
    rec["exchanges"] = server.log[log_start:]
    return records


# --------------------------------------------------------------------------------------
# OTLP/JSON encoding
# --------------------------------------------------------------------------------------


def _b64_to_hex(value: str) -> str:
    return base64.b64decode(value).hex() if value else value


def spans_to_otlp_json(spans) -> dict:
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    doc = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    for rs in doc.get("resourceSpans", []):
        for ss in rs.get("scopeSpans", []):
            for span in ss.get("spans", []):
                for k in ("traceId", "spanId", "parentSpanId"):
                    if k in span:
                        span[k] = _b64_to_hex(span[k])
                for link in span.get("links", []):
                    for k in ("traceId", "spanId"):
                        if k in link:
                            link[k] = _b64_to_hex(link[k])
    return doc


# --------------------------------------------------------------------------------------
# Ground truth (from what the script sent/received, not from the trace file)
# --------------------------------------------------------------------------------------


def build_expected(conv: Convention, records: dict, spans) -> dict:
    out = {}
    expected_span_counts = {
        # root + retrieval + chat + tool + chat
        "A": 5,
        # root + chat + tool + chat(failed)
        "B": 4,
    }
    for key, rec in records.items():
        exchanges = rec["exchanges"]
        first_req = exchanges[0]["request"]
        system = [m["content"] for m in first_req["messages"] if m["role"] == "system"]
        users = [m["content"] for m in first_req["messages"] if m["role"] == "user"]
        ok = [x for x in exchanges if x["status"] == 200]
        in_tok = sum(x["response"]["usage"]["prompt_tokens"] for x in ok)
        out_tok = sum(x["response"]["usage"]["completion_tokens"] for x in ok)
        resp_models = sorted({x["response"]["model"] for x in ok})
        req_models = sorted({x["request"]["model"] for x in exchanges})
        n_spans = sum(1 for s in spans if format(s.context.trace_id, "032x") == rec["trace_id"])
        if n_spans != expected_span_counts[key]:
            raise SystemExit(
                f"{conv.name} trace {key}: {n_spans} spans, expected {expected_span_counts[key]}"
            )
        retrieval = None
        if rec["retrieval"] is not None:
            carries_content = conv.name != "genai"
            retrieval = {
                "query": rec["retrieval"]["query"],
                "documents": [
                    {
                        "id": d["id"],
                        "content": d["content"] if carries_content else None,
                        "score": d["score"],
                        "metadata": d["metadata"] if carries_content else None,
                    }
                    for d in rec["retrieval"]["documents"]
                ],
            }
        tool_calls = []
        for tc in rec["tool_calls"]:
            tool_calls.append(
                {
                    "name": tc["name"],
                    "call_id": tc["id"],
                    "arguments": tc["arguments"],
                    "result": tc["result"],
                    "error": tc["error"],
                }
            )
        status = "ok" if all(x["status"] == 200 for x in exchanges) and not rec["llm_errors"] else "error"
        out[key] = {
            "trace_id": rec["trace_id"],
            "user_request": users[0],
            "system_instructions": system[0] if system else None,
            "retrieval": retrieval,
            "tool_calls": tool_calls,
            "final_output": rec["final_output"],
            "request_model": req_models[0] if len(req_models) == 1 else req_models,
            "response_model": (resp_models[0] if len(resp_models) == 1 else resp_models) if resp_models else None,
            "provider": PROVIDER,
            "input_tokens": in_tok,
            "output_tokens": out_tok,
            "llm_calls": len(exchanges),
            "llm_calls_failed": len(exchanges) - len(ok),
            # failed LLM calls: HTTP status the fake server sent and the message the openai
            # client raised (its wording differs between openai 2.x and 3.x; both contain
            # HTTP_500_BODY's message)
            "llm_errors": [
                {
                    "http_status": x["status"],
                    "exception_type": err["type"],
                    "message": err["message"],
                    "message_substring": HTTP_500_BODY["error"]["message"],
                }
                for x, err in zip([x for x in exchanges if x["status"] != 200], rec["llm_errors"])
            ],
            "finish_reasons": [x["response"]["choices"][0]["finish_reason"] for x in ok],
            "status": status,
            "span_count": n_spans,
            "session_id": SESSION_ID[key],
            "user_id": USER_ID[key] if conv.name != "genai" else None,
            # ground-truth fields this convention has no place for (their value above is null)
            "not_carried": list(conv.not_carried.get(key, conv.not_carried.get("*", []))),
            "non_standard": list(conv.non_standard.get(key, conv.non_standard.get("*", []))),
        }
    return out


def package_versions(conv: Convention) -> dict:
    names = list(conv.packages) + ["opentelemetry-api", "opentelemetry-util-genai", "protobuf"]
    res = {}
    for n in names:
        try:
            res[n] = importlib_metadata.version(n)
        except importlib_metadata.PackageNotFoundError:
            pass
    return dict(sorted(res.items()))


def check_traceloop_version(conv: Convention) -> None:
    if not isinstance(conv, TraceloopConvention):
        return
    v = importlib_metadata.version("opentelemetry-instrumentation-openai")
    major_minor = tuple(int(x) for x in v.split(".")[:2])
    if isinstance(conv, TraceloopLegacyConvention) and major_minor > (0, 54):
        raise SystemExit(f"traceloop-legacy needs opentelemetry-instrumentation-openai<=0.54.x, found {v}")
    if isinstance(conv, TraceloopNewConvention) and major_minor < (0, 55):
        raise SystemExit(f"traceloop-new needs opentelemetry-instrumentation-openai>=0.55, found {v}")


# --------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--convention", required=True, choices=sorted(CONVENTIONS))
    ap.add_argument("--out-dir", default=str(HERE), help="where to write the fixture and expected.json")
    args = ap.parse_args(argv)

    conv: Convention = CONVENTIONS[args.convention]()
    os.environ.update(conv.env)
    check_traceloop_version(conv)
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    import openai
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": SERVICE_NAME, "service.version": SERVICE_VERSION})
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    conv.setup(provider)

    server = FakeOpenAIServer().start()
    try:
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test-not-a-real-key", max_retries=0)
        records = run_scenarios(conv, client, server)
    finally:
        server.stop()
    provider.force_flush()
    spans = list(exporter.get_finished_spans())

    # ---- write the fixture
    out_path = out_dir / conv.out_file
    if conv.out_file.endswith(".jsonl"):
        # Collector file exporter style: one TracesData per line (one export batch per
        # line). Trace A is deliberately split over two lines; line 2 also holds trace B.
        tid_a = records["A"]["trace_id"]
        a_spans = [s for s in spans if format(s.context.trace_id, "032x") == tid_a]
        b_spans = [s for s in spans if format(s.context.trace_id, "032x") != tid_a]
        batches = [a_spans[:3], a_spans[3:] + b_spans]
        with out_path.open("w", encoding="utf-8") as fh:
            for batch in batches:
                fh.write(json.dumps(spans_to_otlp_json(batch), ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        with out_path.open("w", encoding="utf-8") as fh:
            json.dump(spans_to_otlp_json(spans), fh, ensure_ascii=False, indent=1)
            fh.write("\n")

    # ---- merge ground truth into expected.json
    exp_path = out_dir / "expected.json"
    expected = json.loads(exp_path.read_text(encoding="utf-8")) if exp_path.exists() else {}
    entry = build_expected(conv, records, spans)
    entry["_generator"] = {
        "convention": conv.name,
        "python": sys.version.split()[0],
        "packages": package_versions(conv),
        "env": conv.env,
    }
    expected[conv.out_file] = entry
    exp_path.write_text(json.dumps(dict(sorted(expected.items())), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    print(f"wrote {out_path} ({len(spans)} spans) and updated {exp_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
