"""What the Prompt, Tools and Output panes hold, written compactly: summaries that open in place.

Each ``build_*`` writes one case into a ``TextPane`` and is run again by the pane when an item
opens or closes (``TextPane.fill``), so it asks the pane which items are open. ``raw`` shows
JSON values as the trace recorded them instead of ``key: value`` rows (R in the window).

- Tools: one line per call (name, duration, status, first words of arguments and result, in the
  error colour when it failed); open, its arguments, error and result.
- Prompt: the turns before the request folded to one line each (or to one line for all of them
  in a long conversation), the request being answered next, highlighted, then the rest of its
  turn, the template and the system instructions (folded: they are long and read rarely).
- Output: the answer first, then refusal, error, finish reason, parameters and feedback.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Case, Message
from reviewdesk.normalize import readable
from reviewdesk.ui.widgets.text_pane import TextPane

EARLIER_ONE_LINE_EACH = 4
"""Up to this many earlier messages get a line each; more are folded into a single line."""


def value(pane: TextPane, data: Any, *, raw: bool) -> None:
    """A JSON value as readable rows, or (``raw``) as the JSON the trace recorded."""
    if raw:
        pane.body(readable.raw_text(data), mono=True)
    else:
        pane.rows(readable.rows(data))


def request_index(case: Case, messages: list[Message]) -> int | None:
    """Position in ``messages`` of the request being answered: the last user turn holding it."""
    wanted = case.input.user_request
    users = [n for n, m in enumerate(messages) if m.role == "user"]
    for n in reversed(users):
        if wanted is None or messages[n].content == wanted:
            return n
    return users[-1] if users else None


def _message_line(message: Message) -> str:
    calls = ", ".join(call.name for call in message.tool_calls or [])
    text = readable.preview(message.content or "", 80) if message.content else ""
    if calls:
        text = f"{text} → calls {calls}" if text else f"calls {calls}"
    return f"{message.role}{f' · {message.name}' if message.name else ''}: {text or '(empty)'}"


def _message(pane: TextPane, message: Message, *, raw: bool, highlight: bool = False, note: str = "") -> None:
    pane.meta(f"{message.role}{note}{f' · {message.name}' if message.name else ''}")
    if message.content:
        pane.body(message.content, highlight=highlight)
    for call in message.tool_calls or []:
        if raw:
            pane.body(f"→ calls {call.name}({readable.raw_text(call.arguments)})", mono=True)
        else:
            pane.body(f"→ calls {call.name}({readable.preview(call.arguments, 200)})")


def build_prompt(pane: TextPane, case: Case, *, raw: bool) -> None:
    messages = [m for m in case.input.messages if m.role != "system"]
    at = request_index(case, messages)
    earlier = messages[:at] if at is not None else []
    if earlier:
        pane.heading(f"Earlier turns ({len(earlier)} message{'s' if len(earlier) != 1 else ''})")
        if len(earlier) <= EARLIER_ONE_LINE_EACH:
            for message in earlier:
                index = pane.item_anchor(foldable=True)
                opened = pane.is_expanded(index)
                pane.summary(_message_line(message) if not opened else message.role, expanded=opened)
                if opened:
                    _message(pane, message, raw=raw)
        else:
            index = pane.item_anchor(foldable=True)
            opened = pane.is_expanded(index)
            roles = ", ".join(sorted({m.role for m in earlier}))
            pane.summary(f"{len(earlier)} earlier messages ({roles}): {_message_line(earlier[0])}", expanded=opened)
            if opened:
                for message in earlier:
                    _message(pane, message, raw=raw)
    pane.heading("Request being answered", item=True)
    if at is not None:
        _message(pane, messages[at], raw=raw, highlight=True)
    elif case.input.user_request:
        pane.meta("user")
        pane.body(case.input.user_request, highlight=True)
    else:
        pane.empty("no conversation recorded")
    later = messages[at + 1 :] if at is not None else []
    if later:
        pane.heading("After the request", item=True)
        for message in later:
            _message(pane, message, raw=raw)
    template = case.input.prompt_template
    if template is not None and (template.name or template.version):
        pane.heading("Prompt template", item=True)
        pane.body(f"{template.name or '(unnamed)'}  version {template.version or '–'}")
        if template.variables:
            pane.meta("variables:")
            value(pane, template.variables, raw=raw)
    system = case.input.system_instructions
    if system:
        index = pane.item_anchor(foldable=True)
        opened = pane.is_expanded(index)
        if opened:
            pane.summary("System instructions", expanded=True)
            pane.body(system)
        else:
            pane.summary(
                f"System instructions · {len(system):,} characters · {readable.preview(system, 70)}", expanded=False
            )
    else:
        pane.heading("System instructions", item=True)
        pane.empty("none recorded")


def build_tools(pane: TextPane, case: Case, *, raw: bool) -> None:
    if not case.tool_calls:
        pane.empty("No tool calls.")
    for number, call in enumerate(case.tool_calls, 1):
        index = pane.item_anchor(foldable=True)
        opened = pane.is_expanded(index)
        summary = readable.tool_call_summary(call)
        if not opened:
            pane.summary(f"{number}. {summary.text()}", expanded=False, error=summary.failed)
            continue
        pane.summary(
            f"{number}. {summary.name} · {summary.duration} · {summary.status}", expanded=True, error=summary.failed
        )
        if call.arguments is not None:
            pane.meta("arguments")
            value(pane, call.arguments, raw=raw)
        if call.error:
            pane.meta("error")
            pane.body(call.error, error=True)
        if call.result is not None:
            pane.meta("result")
            value(pane, call.result, raw=raw)
        elif not call.error:
            pane.empty("no result recorded")


def build_output(pane: TextPane, case: Case, *, raw: bool) -> None:
    gen = case.generation
    pane.heading("Answer", item=True)
    if gen.output:
        structured = readable.decode_json_text(gen.output)
        if structured is not gen.output and not raw:
            pane.rows(readable.rows(structured))  # a structured (JSON) answer, read as key/value rows
        else:
            pane.body(gen.output)
    else:
        pane.empty("no output recorded")
    if gen.refusal:
        pane.heading("Refusal", item=True)
        pane.body(gen.refusal, error=True)
    if case.error is not None and case.status == "error":
        pane.heading("Error", item=True)
        pane.body(f"{case.error.type or 'error'}: {case.error.message or ''}", error=True)
    facts = [f"finish reason {gen.finish_reason or '–'}", gen.provider, gen.request_model]
    pane.meta(" · ".join(fact for fact in facts if fact))
    if gen.parameters:
        pane.meta("parameters " + ", ".join(f"{k}={v}" for k, v in gen.parameters.items()))
    if case.outcome.feedback:
        pane.heading("Feedback in the trace", item=True)
        for fb in case.outcome.feedback:
            shown = fb.label if fb.label is not None else fb.score
            comment = f" — {fb.comment}" if fb.comment else ""
            source = f" ({fb.source})" if fb.source else ""
            pane.body(f"{fb.name}: {shown}{comment}{source}")
