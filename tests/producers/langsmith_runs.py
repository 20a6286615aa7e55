"""LangSmith run JSON produced by the real SDKs: ``langchain-core``'s ``LangChainTracer`` and
``langsmith``'s ``@traceable``, both sending through ``langsmith.Client`` to a ``FakeEndpoint``.

The endpoint receives the SDK's ``{post, patch}`` batch payload (``POST /runs/batch``). From it the
tests also build what LangSmith's API and exports return, with ``langsmith.schemas.Run``: a flat
list of runs, and one root run with its ``child_runs`` nested. The expected case fields below
are what the scripts sent and the fake models answered — never read back from the payload.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

REQUEST_MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"
SYSTEM = "You are a support assistant. Answer from the policy excerpts only."
QUESTION = "Can I still return order 8812? It arrived 20 days ago."
CALL_ID = "call_Xk3Lq8812lookupV9"
ORDER = {"order_id": "8812", "delivered_days_ago": 20, "status": "delivered"}
ANSWER = "Yes. Order 8812 arrived 20 days ago, within the 30-day return window."
DOCS = [
    ("policy-refunds-v3", "Items can be returned within 30 days of delivery.", 0.91),
    ("policy-shipping-v1", "Shipping is free for orders over 50 EUR.", 0.72),
    ("faq-returns", "Start a return from the Orders page.", 0.55),
]
METADATA = {"thread_id": "thread-42", "user_id": "u-7", "revision_id": "2026.11.0"}
TOOL_ERROR = "CRM timeout after 30s"
LLM_ERROR = "Error code: 500 - The server had an error while processing your request."

EXPECTED: dict[str, dict[str, Any]] = {
    "refund": {
        "workflow": "refund_question",
        "user_request": QUESTION,
        "system_instructions": SYSTEM,
        "output": ANSWER,
        "model": RESPONSE_MODEL,
        "request_model": REQUEST_MODEL,
        "provider": "openai",
        "input_tokens": 312 + 371,
        "output_tokens": 19 + 86,
        "total_tokens": 312 + 19 + 371 + 86,
        "llm_calls": 2,
        "tool_calls": [
            {
                "name": "lookup_order",
                "arguments": {"order_id": "8812"},
                "result": ORDER,
                "call_id": CALL_ID,
                "error": None,
            }
        ],
        "retrieval_query": QUESTION,
        "documents": [d[0] for d in DOCS],
        "status": "ok",
        "span_count": 5,
        "session_id": "thread-42",
        "user_id": "u-7",
        "release": "2026.11.0",
    },
    "failure": {
        "workflow": "cancel_subscription_request",
        "user_request": "Cancel my premium plan, account 4471.",
        "output": None,
        "model": RESPONSE_MODEL,
        "input_tokens": 236,
        "output_tokens": 27,
        "llm_calls": 2,
        "tool_calls": [
            {
                "name": "cancel_subscription",
                "arguments": {"account_id": "4471", "plan": "premium"},
                "result": None,
                "call_id": "call_cancel4471",
                "error": TOOL_ERROR,
            }
        ],
        "status": "error",
        "error_type": "RuntimeError",
        "error_message": LLM_ERROR,
    },
}


@contextmanager
def langsmith_client(endpoint_url: str) -> Iterator[Any]:
    from langsmith import Client

    client = Client(api_url=endpoint_url, api_key="lsv2-test-key", auto_batch_tracing=True)
    try:
        yield client
    finally:
        client.flush()


def _chat_model(responses: list[Any]) -> Any:
    """A LangChain chat model that answers from a script, reporting itself like ChatOpenAI does."""
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel

    class ScriptedChatOpenAI(GenericFakeChatModel):
        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
            head = next(self.messages)
            if isinstance(head, BaseException):
                raise head
            from langchain_core.outputs import ChatGeneration, ChatResult

            return ChatResult(generations=[ChatGeneration(message=head)])

        def _get_ls_params(self, stop: Any = None, **kwargs: Any) -> Any:
            params = super()._get_ls_params(stop=stop, **kwargs)
            params.update(ls_provider="openai", ls_model_name=REQUEST_MODEL, ls_model_type="chat", ls_temperature=0.2)  # type: ignore[call-arg]
            return params

    return ScriptedChatOpenAI(messages=iter(responses))


def _ai(content: str, usage: tuple[int, int], finish: str, tool_calls: list[dict[str, Any]] | None = None) -> Any:
    from langchain_core.messages import AIMessage

    return AIMessage(
        content=content,
        tool_calls=tool_calls or [],
        usage_metadata={"input_tokens": usage[0], "output_tokens": usage[1], "total_tokens": usage[0] + usage[1]},
        response_metadata={"model_name": RESPONSE_MODEL, "finish_reason": finish},
    )


def run_langchain(client: Any) -> None:
    """Both scenarios through LangChain, traced by ``LangChainTracer`` into ``client``."""
    from langchain_core.documents import Document
    from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.runnables import RunnableLambda
    from langchain_core.tools import tool
    from langchain_core.tracers.langchain import LangChainTracer

    class PolicyRetriever(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: Any = None) -> list[Document]:
            return [
                Document(page_content=text, metadata={"source": f"{doc_id}.md", "score": score}, id=doc_id)
                for doc_id, text, score in DOCS
            ]

    @tool
    def lookup_order(order_id: str) -> str:
        """Look up an order by id."""
        return json.dumps(ORDER)

    @tool
    def cancel_subscription(account_id: str, plan: str) -> str:
        """Cancel a subscription."""
        raise TimeoutError(TOOL_ERROR)

    refund_model = _chat_model(
        [
            _ai(
                "",
                (312, 19),
                "tool_calls",
                [{"name": "lookup_order", "args": {"order_id": "8812"}, "id": CALL_ID, "type": "tool_call"}],
            ),
            _ai(ANSWER, (371, 86), "stop"),
        ]
    )

    def refund(question: str) -> str:
        PolicyRetriever().invoke(question)
        messages: list[Any] = [SystemMessage(SYSTEM), HumanMessage(question)]
        first = refund_model.invoke(messages)
        result = lookup_order.invoke(first.tool_calls[0])
        final = refund_model.invoke([*messages, first, result])
        return str(final.content)

    cancel_model = _chat_model(
        [
            _ai(
                "",
                (236, 27),
                "tool_calls",
                [
                    {
                        "name": "cancel_subscription",
                        "args": {"account_id": "4471", "plan": "premium"},
                        "id": "call_cancel4471",
                        "type": "tool_call",
                    }
                ],
            ),
            RuntimeError(LLM_ERROR),
        ]
    )

    def cancel(question: str) -> str:
        messages: list[Any] = [HumanMessage(question)]
        first = cancel_model.invoke(messages)
        try:
            result = cancel_subscription.invoke(first.tool_calls[0])
        except TimeoutError as exc:
            result = ToolMessage(content=json.dumps({"error": str(exc)}), tool_call_id="call_cancel4471")
        final = cancel_model.invoke([*messages, first, result])
        return str(final.content)

    tracer = LangChainTracer(client=client, project_name="support-copilot")
    config: Any = {"callbacks": [tracer], "metadata": METADATA}
    RunnableLambda(refund).with_config(run_name="refund_question").invoke(QUESTION, config=config)
    with contextlib.suppress(RuntimeError):  # the scenario ends in the LLM error, on purpose
        RunnableLambda(cancel).with_config(run_name="cancel_subscription_request").invoke(
            EXPECTED["failure"]["user_request"], config=config
        )
    tracer.wait_for_futures()


def run_traceable(client: Any) -> str:
    """The refund scenario with ``@traceable`` functions (OpenAI-shaped LLM run); returns the trace id."""
    from langsmith import traceable, tracing_context

    @traceable(run_type="retriever", name="policy_kb")
    def retrieve(query: str) -> list[dict[str, Any]]:
        return [
            {
                "page_content": text,
                "type": "Document",
                "metadata": {"id": doc_id, "score": score, "source": f"{doc_id}.md"},
            }
            for doc_id, text, score in DOCS
        ]

    @traceable(run_type="llm", name="ChatOpenAI", metadata={"ls_provider": "openai", "ls_model_name": REQUEST_MODEL})
    def chat(messages: list[dict[str, Any]], model: str = REQUEST_MODEL) -> dict[str, Any]:
        last = messages[-1]
        if last["role"] == "user":
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": CALL_ID,
                        "type": "function",
                        "function": {"name": "lookup_order", "arguments": '{"order_id":"8812"}'},
                    }
                ],
            }
            usage, finish = (312, 19), "tool_calls"
        else:
            message, usage, finish = {"role": "assistant", "content": ANSWER}, (371, 86), "stop"
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "model": RESPONSE_MODEL,
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage_metadata": {"input_tokens": usage[0], "output_tokens": usage[1], "total_tokens": sum(usage)},
        }

    @traceable(run_type="tool", name="lookup_order")
    def lookup_order(order_id: str) -> dict[str, Any]:
        return ORDER

    trace_ids: list[str] = []

    @traceable(run_type="chain", name="refund_question", metadata=METADATA)
    def refund(question: str) -> str:
        from langsmith.run_helpers import get_current_run_tree

        run = get_current_run_tree()
        trace_ids.append(str(run.trace_id) if run else "")
        retrieve(question)
        messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}]
        first = chat(messages)
        call = first["choices"][0]["message"]["tool_calls"][0]
        result = lookup_order(**json.loads(call["function"]["arguments"]))
        messages += [
            first["choices"][0]["message"],
            {"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)},
        ]
        return str(chat(messages)["choices"][0]["message"]["content"])

    with tracing_context(enabled=True, client=client, project_name="support-copilot"):
        refund(QUESTION)
    return trace_ids[0]


def merged_runs(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Runs as the API returns them: each post with its patches applied."""
    runs: dict[str, dict[str, Any]] = {}
    for payload in payloads:
        for run in payload.get("post", []):
            runs[str(run["id"])] = dict(run)
        for patch in payload.get("patch", []):
            runs.setdefault(str(patch["id"]), {}).update({k: v for k, v in patch.items() if v is not None})
    return list(runs.values())


def exported_runs(runs: list[dict[str, Any]], feedback: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The runs as ``langsmith.schemas.Run`` serializes them (the API's run shape), feedback on roots."""
    from langsmith import schemas

    result = []
    for run in runs:
        fields = {k: v for k, v in run.items() if k in schemas.Run.model_fields}
        if feedback and not run.get("parent_run_id"):
            fields["feedback_stats"] = feedback
        result.append(json.loads(schemas.Run(**fields).model_dump_json()))
    return result


def nested(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Root runs with their descendants under ``child_runs`` (``read_run(load_child_runs=True)``)."""
    by_id = {str(r["id"]): dict(r, child_runs=[]) for r in runs}
    roots = []
    for run in sorted(by_id.values(), key=lambda r: str(r.get("dotted_order"))):
        parent = str(run.get("parent_run_id")) if run.get("parent_run_id") else None
        if parent and parent in by_id:
            by_id[parent]["child_runs"].append(run)
            run.pop("parent_run_id")  # nesting alone says who the parent is
            run.pop("trace_id", None)
            run.pop("dotted_order", None)
        else:
            roots.append(run)
    return roots
