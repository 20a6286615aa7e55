"""The words full-text search keeps of a case, computed in plain Python (no database, no SQLAlchemy).

Search answers one question: does every word the reviewer typed occur, as a prefix, somewhere in
the case? So the index keeps, per case, only its **distinct folded words cut to their first
``PREFIX_CHARS`` letters** (docs/adr/0014-search-index-of-distinct-words.md): a typed word of up
to ``PREFIX_CHARS`` letters is a prefix of a stored word exactly when it is a prefix of the word
it was cut from, and a longer typed word is cut the same way. Both engines store these words
(``storage.search``), and an import's worker process computes them where it builds the case, so
the importing process only inserts them. This module is imported by that worker: it must stay
free of SQLAlchemy (and of anything else slow to import).

What is searchable is the text the SQLite index held before: the request, the output, the
retrieval query and documents (id, source, text), the tool calls (name, arguments, result,
error) and the case's identifiers (case, trace, session, user, workflow, tenant). A JSON value
that is not a string reads as SQLite's ``json_extract`` gave it to the old index (``_as_text``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

PREFIX_CHARS = 6
"""The longest stored word: a longer word is kept (and searched) as its first six letters."""

WORDS_KEY = "search_words"
"""The key of a case row (``rows.case_columns``) under which an import carries the case's words."""

# Letters and digits only: "lookup_order" is two words. The group keeps a word's first six
# letters and the rest of the word is matched and dropped, so no word is sliced in Python.
_CUT_WORD = re.compile(rf"([^\W_]{{1,{PREFIX_CHARS}}})[^\W_]*")


def fold(value: str) -> str:
    """Lower case without diacritics: ``casefold``, compatibility decomposition (NFKD), marks dropped.

    ASCII text (most of a case) is only lowered: NFKD changes nothing there and ``casefold``
    equals ``lower``, and this is several times faster than the general path.
    """
    if value.isascii():
        return value.lower()
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# ASCII text (nearly every case) is split without the regular expression, four fifths of its
# cost: one byte table lowers the letters and turns everything but letters and digits into spaces
# (ASCII's letters and digits are exactly what ``[^\W_]`` matches there), and ``split`` does the rest.
_ASCII_WORDS = bytes(
    (code | 0x20 if chr(code).isalpha() else code) if code < 128 and chr(code).isalnum() else 0x20
    for code in range(256)
)


def words_of_text(value: str) -> list[str]:
    """The distinct folded words of ``value``, each cut to ``PREFIX_CHARS`` letters, in order of appearance."""
    if value.isascii():
        spaced = value.encode("ascii").translate(_ASCII_WORDS).decode("ascii")
        return list(dict.fromkeys([word[:PREFIX_CHARS] for word in spaced.split()]))
    return list(dict.fromkeys(_CUT_WORD.findall(fold(value))))


def case_words(row: Mapping[str, Any]) -> str:
    """The words of one ``cases`` row (``rows.case_columns``; ``data`` a dict or JSON), space-separated.

    In order of first appearance, so the stored text is the same in every process (a set's
    order would change with each process's string hashing).
    """
    # One string, folded and split once: a space never joins two words.
    return " ".join(words_of_text(case_text(row)))


def case_text(row: Mapping[str, Any]) -> str:
    """The searchable text of one ``cases`` row, its pieces joined by spaces (not folded)."""
    data = row.get("data")
    if isinstance(data, bytes | str):
        data = orjson.loads(data)
    pieces = _pieces(
        row["case_id"],
        (row.get(k) for k in ("user_request", "output", "workflow", "session_id", "user_id", "tenant")),
        data if isinstance(data, Mapping) else {},
    )
    return " ".join(pieces)


def _pieces(case_id: str, columns: Iterator[Any], data: Mapping[str, Any]) -> Iterator[str]:
    yield case_id
    yield from (str(value) for value in columns if value is not None)
    if data.get("trace_id") is not None:
        yield str(data["trace_id"])
    retrieval = data.get("retrieval") or {}
    if isinstance(retrieval, Mapping):
        if retrieval.get("query") is not None:
            yield _as_text(retrieval["query"])
        for document in retrieval.get("documents") or []:
            if isinstance(document, Mapping):
                yield from (_as_text(document[k]) for k in ("id", "source", "content") if document.get(k) is not None)
    for call in data.get("tool_calls") or []:
        if isinstance(call, Mapping):
            yield from (_as_text(call[k]) for k in ("name", "arguments", "result", "error") if call.get(k) is not None)


def _as_text(value: Any) -> str:
    """A JSON value as SQLite's ``json_extract`` turned it into text for the old index (migration 0002).

    Strings as they are; ``true``/``false`` as 1/0 (SQLite has no booleans); numbers as SQLite
    prints them (``%!.15g``: 2.0 stays "2.0", 1e20 is "1.0e+20"); arrays and objects as their
    JSON text, which orjson wrote in the first place.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _sqlite_real(value)
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def _sqlite_real(value: float) -> str:
    text = f"{value:.15g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}"
    if "." in text or "n" in text:  # "inf"/"nan" never come from JSON; kept as printed
        return text
    return text + ".0"


def query_words(user_text: str) -> list[str]:
    """The words a search looks for: what the reviewer typed, folded and cut as stored words are."""
    return words_of_text(user_text)
