"""Untrusted trace text made inert for display: no markup, no reordering, nothing invisible.

Qt treats some text as rich text by guessing (``Qt.AutoText``: labels, tooltips). Panes and
labels here are plain text already; what is left is what plain text still does to a reader.
Bidi overrides and isolates reorder what is shown (a "Trojan Source" trick: the reviewer reads
one thing, the model got another), zero-width characters hide text, and control characters
(terminal escapes) are invisible. ``visible`` replaces each by a visible ``⟨U+XXXX⟩`` mark —
the same mark as the HTML report (``services.report_svg.visible``), over the same characters
as the CLI's ``safe``. ``inert_tooltip`` is for tooltips, which Qt would read as HTML when the
text looks like it: the text is escaped inside an explicit rich-text wrapper, so it shows as
the characters it is made of.
"""

from __future__ import annotations

import html
import re

# C0 controls but tab and newline, DEL, C1 controls, the Arabic letter mark, Hangul fillers,
# the Mongolian vowel separator, zero-width characters and directional marks, line/paragraph
# separators, bidi embeddings/overrides/isolates, word joiners, BOM and interlinear annotations.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\u3164\ufeff\ufff9-\ufffb]"
)


def visible(text: str | None) -> str:
    """``text`` with every invisible or reordering character shown as ``⟨U+XXXX⟩``."""
    if not text:
        return ""
    return _UNSAFE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def inert_tooltip(text: str | None) -> str:
    """A tooltip that shows ``text`` literally, even when it contains tags."""
    if not text:
        return ""
    return "<qt>" + html.escape(visible(text)).replace("\n", "<br>") + "</qt>"
