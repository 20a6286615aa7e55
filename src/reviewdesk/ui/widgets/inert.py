"""Untrusted trace text made inert in Qt widgets: no markup, no reordering, nothing invisible.

Qt treats some text as rich text by guessing (``Qt.AutoText``: labels, tooltips). Panes and
labels here are plain text already; what is left is what plain text still does to a reader,
which ``reviewdesk.inert`` handles for every surface (window, terminal, HTML report) with one
character class: ``visible`` marks each invisible or reordering character as ``⟨U+XXXX⟩``.
``inert_tooltip`` is for tooltips, which Qt would read as HTML when the text looks like it: the
text is escaped inside an explicit rich-text wrapper, so it shows as the characters it is made of.
"""

from __future__ import annotations

import html

from reviewdesk.inert import visible

__all__ = ["inert_tooltip", "visible"]


def inert_tooltip(text: str | None) -> str:
    """A tooltip that shows ``text`` literally, even when it contains tags."""
    if not text:
        return ""
    return "<qt>" + html.escape(visible(text)).replace("\n", "<br>") + "</qt>"
