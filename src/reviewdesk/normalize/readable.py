"""Trace values as a reviewer reads them: JSON as indented ``key: value`` lines, one-line previews.

A tool result is JSON, often a JSON *string* holding JSON. Printed as JSON it is mostly quotes,
braces and indentation, and in a narrow pane the indentation pushes keys into mid-word breaks.
``rows`` turns a value into ``key: value`` rows (strings without quotes, nested objects indented
one step, list items numbered), folds strings longer than ``FOLD_CHARS`` at a word boundary and
lists longer than ``FOLD_ITEMS``, and says how much each fold left out; the raw JSON is
``raw_text``. ``preview`` is the first words of a value on one line, and ``tool_call_summary``
the one line a collapsed tool call shows.

No Qt here: the window renders ``rows`` with its own formats, and an export or report can use
``readable_text`` for the same reading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reviewdesk.domain.case import ToolCall

FOLD_CHARS = 600
"""A string value longer than this is cut (at a word boundary) in the readable form."""
FOLD_ITEMS = 25
"""A list longer than this shows its first items and how many more there are."""
MAX_DEPTH = 12
"""Deeper than this, a value is shown as compact JSON on its row."""
PREVIEW_CHARS = 90


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the readable form: ``key: text`` indented ``depth`` steps."""

    depth: int
    key: str | None
    """The object key or the list position (``"1."``); None for a bare value or a fold note."""
    text: str
    folded: int = 0
    """Characters (of a string) or items (of a list) this row leaves out of the readable form."""
    note: bool = False
    """A remark about the value (a fold, an empty container), not trace content."""


def decode_json_text(value: Any) -> Any:
    """A string that holds a JSON object or array, decoded; anything else unchanged."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
            try:
                return json.loads(stripped)
            except ValueError:
                return value
    return value


def raw_text(value: Any) -> str:
    """The value as indented JSON (a string as it is: it may be JSON text already)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def scalar_text(value: Any) -> str:
    """A scalar as a reader expects it: strings without quotes, JSON's true/false/null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return str(value)


def cut_at_word(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at the last space if there is one near the end."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return head[:space].rstrip() if space >= limit * 0.6 else head


def rows(value: Any, *, fold_chars: int = FOLD_CHARS, fold_items: int = FOLD_ITEMS) -> list[Row]:
    """The readable form of ``value`` (see the module docstring)."""
    out: list[Row] = []
    _add(out, decode_json_text(value), None, 0, (fold_chars, fold_items))
    return out


def _add(out: list[Row], value: Any, key: str | None, depth: int, folds: tuple[int, int]) -> None:
    fold_chars, fold_items = folds
    value = decode_json_text(value)
    if depth > MAX_DEPTH and isinstance(value, dict | list):
        out.append(Row(depth, key, json.dumps(value, ensure_ascii=False, default=str)))
        return
    if isinstance(value, dict):
        if not value:
            out.append(Row(depth, key, "(empty)", note=True))
            return
        child = depth
        if key is not None:
            out.append(Row(depth, key, ""))
            child = depth + 1
        for name, item in value.items():
            _add(out, item, str(name), child, folds)
        return
    if isinstance(value, list):
        if not value:
            out.append(Row(depth, key, "(no items)", note=True))
            return
        child = depth
        if key is not None:
            out.append(Row(depth, key, f"({len(value)} item{'s' if len(value) != 1 else ''})", note=True))
            child = depth + 1
        for number, item in enumerate(value[:fold_items], 1):
            _add(out, item, f"{number}.", child, folds)
        if len(value) > fold_items:
            left = len(value) - fold_items
            out.append(Row(child, None, f"… {left:,} more item{'s' if left != 1 else ''}", folded=left, note=True))
        return
    text = scalar_text(value)
    if len(text) > fold_chars:
        shown = cut_at_word(text, fold_chars)
        left = len(text) - len(shown)
        out.append(Row(depth, key, shown + " …", folded=left))
        out.append(Row(depth + (key is not None), None, f"({left:,} more characters in the raw form)", note=True))
        return
    out.append(Row(depth, key, text))


def key_separator(key: str) -> str:
    """``": "`` after an object key, a space after a list position (``1. value``)."""
    return " " if key.endswith(".") and key[:-1].isdigit() else ": "


def readable_text(value: Any, *, indent: str = "  ", **folds: int) -> str:
    """``rows`` as plain text: ``key: value`` lines, continuation lines indented under the value."""
    lines: list[str] = []
    for row in rows(value, **folds):
        pad = indent * row.depth
        head = "" if row.key is None else row.key if not row.text else f"{row.key}{key_separator(row.key)}"
        first, *rest = (row.text or "").split("\n")
        lines.append(pad + head + first)
        lines.extend(pad + indent + line for line in rest)
    return "\n".join(lines)


def preview(value: Any, limit: int = PREVIEW_CHARS) -> str:
    """The first words of ``value`` on one line: ``key: value, key: value, …``."""
    text = " ".join(_flat(decode_json_text(value), 0).split())
    if len(text) <= limit:
        return text
    return cut_at_word(text, limit).rstrip(",;:") + " …"


def _flat(value: Any, depth: int) -> str:
    if isinstance(value, dict):
        if depth > 1:
            return "{…}" if value else "{}"
        return ", ".join(f"{key}: {_flat(decode_json_text(item), depth + 1)}" for key, item in value.items())
    if isinstance(value, list):
        if depth > 1 or not value:
            return f"[{len(value)}]"
        return "; ".join(_flat(decode_json_text(item), depth + 1) for item in value[:5]) + (
            f"; +{len(value) - 5} more" if len(value) > 5 else ""
        )
    return scalar_text(value)


def duration_text(ms: float | None) -> str:
    """``309 ms``, ``4.6 ms``, ``10.01 s``; ``–`` when not recorded."""
    if ms is None:
        return "–"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"


@dataclass(frozen=True, slots=True)
class ToolCallSummary:
    """What a collapsed tool call shows on its one line."""

    name: str
    duration: str
    failed: bool
    arguments: str
    outcome: str
    """The first words of the error when the call failed, else of the result."""
    recovered: bool = False
    """It failed and the answer recovered from it (``ToolCall.recovered``, a case fact)."""

    @property
    def status(self) -> str:
        if not self.failed:
            return "ok"
        return "error, recovered" if self.recovered else "error"

    def text(self) -> str:
        parts = [self.name, self.duration, self.status]
        head = " · ".join(parts)
        args = f"({self.arguments})" if self.arguments else "()"
        return f"{head} · {args} → {self.outcome}" if self.outcome else f"{head} · {args}"


def tool_call_summary(call: ToolCall, *, limit: int = 60) -> ToolCallSummary:
    if call.error:
        outcome = preview(call.error, limit)
    elif call.result is None:
        outcome = "no result recorded"
    else:
        outcome = preview(call.result, limit) or "(empty result)"
    return ToolCallSummary(
        name=call.name,
        duration=duration_text(call.duration_ms),
        failed=bool(call.error),
        arguments=preview(call.arguments, limit) if call.arguments is not None else "",
        outcome=outcome,
        recovered=bool(call.error) and call.recovered,
    )
