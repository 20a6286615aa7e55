"""Shared plumbing for the vendor-export importers (Langfuse, LangSmith).

Vendor exports come as one JSON document (an object, or an array of records) or as JSON lines,
often with values that were serialised twice on the way: JSON inside JSON strings, and Python
``repr`` output (``"[]"``, ``"True"``, ``"None"``, ``"{'query': 'x'}"``) where an SDK called
``str()`` on a value. This module holds what both importers need for that: reading a file record
by record with the record named for error messages, sniffing the first record of a possibly
truncated head, decoding such doubly-encoded values, and parsing the timestamps both vendors use.
"""

from __future__ import annotations

import calendar
import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from reviewdesk.domain.errors import RecordError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers.base import Chunk, ReadContext
from reviewdesk.importers.jsonfile import Record, read_json_document, read_json_lines
from reviewdesk.normalize.conventions.payloads import decode, decode_optional


class BadRecord(Exception):
    """A value inside a record has the wrong type; turned into a ``RecordError`` by the caller."""


# --- decoding doubly-encoded values ---------------------------------------------------------
# The readers need the same decoding for Langfuse- and LangSmith-SDK OTLP, so it lives with them.


def loose(value: Any, field: str) -> Any:
    """Undo extra encodings (JSON in strings, Python reprs); plain text stays text.

    What a string decodes to is checked like a record parsed from the file: text may hold JSON
    nested too deep to decode or store, integers past 64 bits, lone surrogates, or Python values
    that are not JSON (sets, bytes) — a ``BadRecord`` naming ``field``, not a crash later.
    """
    if not isinstance(value, str):
        return value
    return _checked(value, _decoding(decode, value, field), field)


def loose_optional(value: Any, field: str) -> Any:
    """``loose``, plus ``"None"``/``"True"``/``"False"`` — for ids, flags and lists only."""
    if not isinstance(value, str):
        return value
    return _checked(value, _decoding(decode_optional, value, field), field)


def _decoding(decoder: Any, value: str, field: str) -> Any:
    decoded = decoder(value)
    if decoded is value and value.lstrip()[:1] in ("[", "{"):
        # The decoder leaves text nested past the interpreter's limit as text; a record field
        # holding it is refused like any JSON nested too deep (the parse fails fast otherwise).
        try:
            json.loads(value)
        except RecursionError:
            raise BadRecord(f"'{field}' holds JSON nested deeper than {MAX_DEPTH} levels") from None
        except ValueError:
            pass
    return decoded


def _checked(raw: str, decoded: Any, field: str) -> Any:
    if decoded is raw or isinstance(decoded, (bool, type(None))):
        return decoded
    if nested_deeper_than(decoded, MAX_DEPTH):
        raise BadRecord(f"'{field}' holds JSON nested deeper than {MAX_DEPTH} levels")
    try:
        orjson.dumps(decoded, option=orjson.OPT_NON_STR_KEYS)  # what storing it will do
    except orjson.JSONEncodeError as exc:
        raise BadRecord(f"'{field}' holds a value that cannot be stored ({exc})") from None
    return decoded


# --- timestamps ------------------------------------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?"
)


def time_ns(value: Any, field: str) -> int | None:
    """Nanoseconds since the epoch from an ISO-8601 string or an epoch number.

    Langfuse and the LangSmith API write ISO-8601 (``2025-08-22T09:38:56.228Z``; a missing zone
    means UTC, as both store UTC); the LangSmith JS SDK writes epoch milliseconds. Epoch numbers
    are scaled by magnitude, so seconds, milliseconds, microseconds and nanoseconds all work.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRecord(f"'{field}' must be a timestamp, got a boolean")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadRecord(f"'{field}' is not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        return in_range(_epoch_ns(float(value), value), field, value)
    if not isinstance(value, str):
        raise BadRecord(f"'{field}' must be a timestamp, got {type(value).__name__}")
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        if len(text.lstrip("-").split(".", 1)[0]) > 20:  # past any 64-bit time (and int()'s digit limit)
            raise BadRecord(f"'{field}' is out of range: {value!r:.2000}")
        return in_range(_epoch_ns(float(text), int(text) if text.lstrip("-").isdigit() else float(text)), field, value)
    match = _ISO.fullmatch(text)
    if match is None:
        raise BadRecord(f"'{field}' is not a timestamp: {value!r:.2000}")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        seconds = calendar.timegm((int(year), int(month), int(day), int(hour), int(minute), int(second or 0), 0, 0, 0))
    except (ValueError, OverflowError):
        raise BadRecord(f"'{field}' is not a valid date: {value!r:.2000}") from None
    if not (1 <= int(month) <= 12 and 1 <= int(day) <= 31 and int(hour) < 24 and int(minute) < 60):
        raise BadRecord(f"'{field}' is not a valid date: {value!r:.2000}")
    nanos = int((fraction or "0")[:9].ljust(9, "0"))
    if zone and zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) > 2 else 0)
        seconds -= sign * offset
    return in_range(seconds * 1_000_000_000 + nanos, field, value)


def in_range(nanos: int, field: str, value: Any) -> int:
    """``nanos``, or a ``BadRecord`` when it does not fit a 64-bit integer."""
    # Times are stored as SQLite INTEGER (64-bit): a date past the year 2262 is not a trace time.
    if not -(2**63) <= nanos < 2**63:
        raise BadRecord(f"'{field}' is out of range: {value!r:.2000}")
    return nanos


def _epoch_ns(magnitude: float, exact: int | float) -> int:
    size = abs(magnitude)
    if size >= 1e17:
        return int(exact)
    if size >= 1e14:
        return int(exact * 1_000) if isinstance(exact, int) else round(exact * 1_000)
    if size >= 1e11:
        return int(exact * 1_000_000) if isinstance(exact, int) else round(exact * 1_000_000)
    return int(exact * 1_000_000_000) if isinstance(exact, int) else round(exact * 1_000_000_000)


# --- reading files ---------------------------------------------------------------------------


def read_records(context: ReadContext, unwrap: Any) -> Iterator[Record]:
    """Yield the records of a JSON document or a JSON-lines file, reporting lines that do not parse.

    ``unwrap(document) -> list | None`` turns a whole document into its list of records (for
    wrappers such as ``{"data": [...]}``); ``None`` means the document is one record. A file whose
    first line is a complete JSON value and that has further lines is JSON lines; anything else
    is one document (pretty-printed or on one line).
    """
    for record in _records(context, unwrap):
        # Nothing a trace means is nested this deep, and storing it would overflow the JSON
        # encoder: such a record is bad input, named like any other.
        if nested_deeper_than(record.value, MAX_DEPTH):
            context.report(RecordError(context.display_name, record.where, f"nested deeper than {MAX_DEPTH} levels"))
            continue
        yield record


def read_chunks(
    context: ReadContext, unwrap: Any, decode_record: Callable[[Any, str], list[RawSpan]]
) -> Iterator[Chunk]:
    """The spans of each record (``decode_record(value, where)``), one chunk per record.

    A record refused anywhere in its decoding — a ``RecordError`` or a field check's
    ``BadRecord`` — is reported with the file and the record, and the rest of the file is read.
    """
    for record in read_records(context, unwrap):
        try:
            spans = decode_record(record.value, record.where)
        except RecordError as exc:
            context.report(exc)
            continue
        except BadRecord as exc:
            context.report(RecordError(context.display_name, record.where, str(exc)))
            continue
        if spans:
            yield Chunk(spans=spans, where=record.where, offset=record.offset)


MAX_DEPTH = 64


def nested_deeper_than(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _records(context: ReadContext, unwrap: Any) -> Iterator[Record]:
    if _is_json_lines(context):
        yield from read_json_lines(context)
        return
    document, size = read_json_document(context)
    records = unwrap(document)
    if records is None:
        yield Record(document, "document", size)
        return
    total = len(records)
    for index, value in enumerate(records, start=1):
        # The document is parsed at once; spread its bytes over the records for the progress bar.
        yield Record(value, f"record {index}", size * index // total)


def _is_json_lines(context: ReadContext) -> bool:
    with context.path.open("rb") as handle:
        lines = 0
        for raw in handle:
            line = raw.strip().lstrip(b"\xef\xbb\xbf")
            if not line:
                continue
            lines += 1
            if lines == 1:
                try:
                    orjson.loads(line)
                except orjson.JSONDecodeError:
                    return False  # a pretty-printed document (or garbage: the document parse says so)
                continue
            return True
    return False


# --- sniffing --------------------------------------------------------------------------------


def first_value(head: bytes) -> Any:
    """The first JSON value of a file head, as far as the head goes.

    The head may cut a pretty-printed document anywhere; what was read completely is returned
    (containers cut short hold the members read so far), which is enough to look at the keys of
    the first record. ``None`` when the head does not start like JSON.
    """
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] not in (b"{", b"["):
        return None
    first_line = text.split(b"\n", 1)[0]
    try:
        return orjson.loads(first_line)
    except orjson.JSONDecodeError:
        pass
    return _Partial(text[: 64 * 1024].decode("utf-8", errors="replace")).value()


class _Partial:
    """A forgiving JSON reader: returns what it could read before the text ended or went wrong."""

    _WS = " \t\r\n"

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def value(self, depth: int = 0) -> Any:
        self._skip()
        if self.pos >= len(self.text) or depth > 32:
            raise _End
        char = self.text[self.pos]
        if char == "{":
            return self._object(depth)
        if char == "[":
            return self._array(depth)
        if char == '"':
            return self._string()
        return self._scalar()

    def _skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in self._WS:
            self.pos += 1

    def _object(self, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        self.pos += 1
        try:
            while True:
                self._skip()
                if self._peek() == "}":
                    self.pos += 1
                    return result
                key = self._string()
                self._skip()
                if self._peek() != ":":
                    return result
                self.pos += 1
                result[key] = _CUT  # the key was seen even if its value is cut short
                result[key] = self.value(depth + 1)
                self._skip()
                if self._peek() == ",":
                    self.pos += 1
        except _End:
            return result

    def _array(self, depth: int) -> list[Any]:
        result: list[Any] = []
        self.pos += 1
        try:
            while True:
                self._skip()
                if self._peek() == "]":
                    self.pos += 1
                    return result
                result.append(self.value(depth + 1))
                self._skip()
                if self._peek() == ",":
                    self.pos += 1
        except _End:
            return result

    def _peek(self) -> str:
        if self.pos >= len(self.text):
            raise _End
        return self.text[self.pos]

    def _string(self) -> str:
        if self._peek() != '"':
            raise _End
        end = self.pos + 1
        while True:
            end = self.text.find('"', end)
            if end < 0:
                raise _End
            backslashes = 0
            while self.text[end - 1 - backslashes] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                break
            end += 1
        raw = self.text[self.pos : end + 1]
        self.pos = end + 1
        try:
            return str(orjson.loads(raw))
        except orjson.JSONDecodeError:
            return raw[1:-1]

    def _scalar(self) -> Any:
        match = re.compile(r"-?[0-9.eE+-]+|true|false|null").match(self.text, self.pos)
        if match is None:
            raise _End
        self.pos = match.end()
        if self.pos >= len(self.text):
            raise _End  # a number cut by the end of the head may be incomplete
        try:
            return orjson.loads(match.group())
        except orjson.JSONDecodeError:
            raise _End from None


class _End(Exception):
    pass


class _CutValue:
    """Placeholder for a value the head ended inside of."""

    def __repr__(self) -> str:
        return "<cut>"


_CUT: Any = _CutValue()


def first_record(value: Any) -> Any:
    """The first record of a sniffed head: the first element of an array, else the value itself."""
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    return value
