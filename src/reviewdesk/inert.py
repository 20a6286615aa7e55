"""Untrusted text made inert, the same way on every surface: window, terminal, HTML report, CSV.

Trace text, file names, label comments and reviewer names come from someone else. Shown as they
are, some of their characters act on the reader instead of being read:

- C0 controls (but tab and newline), DEL and C1 controls drive a terminal (ESC and CSI start
  colour, cursor, window-title, clipboard and OSC 8 link sequences; CR overwrites a line);
- bidi embeddings, overrides, isolates and marks reorder what is shown ("Trojan Source": the
  reviewer reads one thing, the model got another);
- zero-width and invisible characters (ZWSP, ZWJ, word joiner, invisible operators, soft hyphen,
  fillers, the BOM) hide text or split words unseen, line and paragraph separators break lines
  unseen, and the Unicode TAG block (U+E0000–U+E007F) and the supplementary variation selectors
  carry whole invisible messages (the "ASCII smuggling" of prompt text);
- lone surrogates cannot be encoded, so printing or saving them would fail.

``UNSAFE`` is that one character class. The window and the HTML report show each such character
as a visible ``⟨U+XXXX⟩`` mark (``visible``); the terminal shows a Python-style escape
(``terminal_safe``: ``\\x1b``, ``\\u202e``, ``\\U000e0041``). The CSV counterpart, a leading
apostrophe on a cell a spreadsheet would run as a formula, is ``reviewdesk.files.spreadsheet_cell``.

This module has no Qt and no I/O, so every layer (exporters, services, the CLI and ``ui``) uses it.
"""

from __future__ import annotations

import re

UNSAFE = re.compile(
    "["
    "\x00-\x08\x0b-\x1f"  # C0 controls but tab and newline
    "\x7f-\x9f"  # DEL and C1 controls
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u17b4\u17b5"  # Khmer inherent vowels (invisible)
    "\u180b-\u180f"  # Mongolian variation selectors and vowel separator
    "\u200b-\u200f"  # zero-width space, non-joiner, joiner, LRM, RLM
    "\u2028-\u202e"  # line/paragraph separators, bidi embeddings and overrides
    "\u2060-\u206f"  # word joiner, invisible operators, bidi isolates, deprecated format controls
    "\ufeff"  # BOM / zero-width no-break space
    "\ufff9-\ufffb"  # interlinear annotation
    "\ud800-\udfff"  # lone surrogates
    "\U0001d173-\U0001d17a"  # musical formatting controls
    "\U000e0000-\U000e007f"  # TAG block
    "\U000e0100-\U000e01ef"  # variation selectors supplement
    "]"
)


def visible(text: str | None) -> str:
    """``text`` with every character of ``UNSAFE`` shown as a ``⟨U+XXXX⟩`` mark (window, HTML report)."""
    if not text:
        return ""
    return UNSAFE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def terminal_safe(text: str | None) -> str:
    """``text`` with every character of ``UNSAFE`` written as an escape (``\\x1b``), for the terminal."""
    if text is None:
        return ""
    return UNSAFE.sub(_escape, text)
