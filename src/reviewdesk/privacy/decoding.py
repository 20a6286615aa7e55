"""What an escaped string says: JSON and JavaScript escapes, URL encoding, HTML character references.

Trace text is often encoded once more than it looks: ``input.value`` holding ``json.dumps`` of a
prompt (``\\n4111 …``), a JSON document after a prefix or cut off by the exporter, a tool error
quoting a URL (``tom%40example.com``), HTML (``&#64;``). A reviewer, the case builder and every
export read these decoded, so the detectors must too. ``decode`` returns the decoded text with,
for every character of it, where it came from in the original, so a value found in the decoded
text is replaced in the original whole (the escape sequences included) and the result is still
valid in its encoding: a placeholder holds no quote, backslash, ``%`` or ``&``.

Escapes nested in escapes (JSON of JSON: ``\\\\u0040``) are decoded up to ``_ROUNDS`` times. Each
round is one pass over the text.
"""

from __future__ import annotations

import bisect
import html
import re
from dataclasses import dataclass

_ROUNDS = 3
_ESCAPE = re.compile(
    r"\\(?:u[0-9A-Fa-f]{4}|x[0-9A-Fa-f]{2}|[nrtbf\"\\/'])"  # JSON and JavaScript string escapes
    r"|(?:%[0-9A-Fa-f]{2})+"  # URL encoding (a run: UTF-8 sequences span several)
    r"|&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"  # HTML character references
)
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/", "'": "'"}
HINTS = ("\\", "%", "&")
"""Characters without which a string has nothing to decode."""


class _Map:
    """Where the characters of one round's output came from, by regions (one per escape and per gap).

    Sparse: a string with three escapes has seven regions whatever its length. Region ``i`` starts
    at output position ``outputs[i]`` and input position ``inputs[i]``; a gap copies (``widths[i]``
    is 0), an escape gives each output character ``widths[i]`` input characters.
    """

    __slots__ = ("inputs", "outputs", "widths")

    def __init__(self) -> None:
        self.outputs: list[int] = []
        self.inputs: list[int] = []
        self.widths: list[int] = []

    def add(self, output: int, input_: int, width: int) -> None:
        self.outputs.append(output)
        self.inputs.append(input_)
        self.widths.append(width)

    def position(self, output: int) -> int:
        i = bisect.bisect_right(self.outputs, output) - 1
        if i < 0:
            return output
        step = self.widths[i] or 1
        return self.inputs[i] + (output - self.outputs[i]) * step


@dataclass(frozen=True, slots=True)
class Decoded:
    """``text`` decoded, and how to find in the original what a part of it came from."""

    text: str
    maps: tuple[_Map, ...]
    """One per round, first round first."""

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The part of the original that decoded characters ``start:end`` came from."""
        for step in reversed(self.maps):
            start, end = step.position(start), step.position(end)
        return start, end


def _one(sequence: str) -> str:
    """What one escape sequence, or one run of URL-encoded bytes, stands for."""
    first = sequence[0]
    if first == "\\":
        kind = sequence[1]
        if kind in "ux":
            return chr(int(sequence[2:], 16))
        return _SIMPLE[kind]
    if first == "%":
        return bytes(int(sequence[i + 1 : i + 3], 16) for i in range(0, len(sequence), 3)).decode(
            "utf-8", errors="replace"
        )
    return html.unescape(sequence)


def _round(text: str) -> tuple[str, _Map] | None:
    """One pass: the decoded text and where its characters came from, or ``None`` if nothing changed."""
    parts: list[str] = []
    where = _Map()
    position = 0
    length = 0  # of the output so far
    for match in _ESCAPE.finditer(text):
        start, end = match.span()
        decoded = _one(match.group())
        if decoded == match.group():
            continue  # "&nosuchentity;" stays as it is
        gap = text[position:start]
        parts.append(gap)
        where.add(length, position, 0)
        length += len(gap)
        parts.append(decoded)
        # The characters of a decoded run share out its input in order (whole ``%XX`` triplets).
        unit = 3 if match.group()[0] == "%" else 1
        where.add(length, start, unit * max((end - start) // unit // max(len(decoded), 1), 1))
        length += len(decoded)
        position = end
    if not parts:
        return None
    parts.append(text[position:])
    where.add(length, position, 0)
    return "".join(parts), where


def decode(text: str) -> Decoded | None:
    """``text`` with its escapes decoded (``None`` when it has none)."""
    if not any(hint in text for hint in HINTS):
        return None
    maps: list[_Map] = []
    current = text
    for _ in range(_ROUNDS):
        if maps and not any(hint in current for hint in HINTS):
            break
        decoded = _round(current)
        if decoded is None:
            break
        current, where = decoded
        maps.append(where)
    return Decoded(current, tuple(maps)) if maps else None
