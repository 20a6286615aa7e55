"""Replacing what the scanner finds with typed placeholders, in every string of a span.

``[EMAIL_1]``, ``[PHONE_2]`` …: the kind says what was there, the number tells values apart, and
the same value gets the same number everywhere in its trace — so a reviewer can still see that
the customer's address in the request is the one the tool was called with. The numbering of a
trace is remembered between batches (a trace may arrive spread over several files) through
``TraceNumbering``: keyed hashes of the values (HMAC-SHA256 with the workspace's secret, never
the values) mapped to their numbers; the import service loads and stores them in the same
transaction as the spans.

What is visited: the span name, status message, every attribute key and string value (nested
lists and maps too), event names and attributes, link attributes, the resource and the scope. A
string holding JSON (OpenInference's ``input.value``, GenAI's message lists) is parsed and its
strings redacted one by one, so a value hidden behind JSON escapes (``\\n+44 20 …``, ``\\u0040``)
is still found; it is written back only when something changed. Values under keys that name a
credential (``password``, ``api_key``, ``authorization`` …) are replaced whole, whatever they look
like. Numbers are left alone, except integers that are valid payment card numbers. Lists and maps
nested deeper than 64 levels are replaced whole by ``[TOO_DEEP]``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from typing import Any

import orjson

from reviewdesk.domain.spans import RawSpan, SpanEvent
from reviewdesk.privacy.detectors import Finding, Scanner, is_card_number, phone_number_key
from reviewdesk.privacy.settings import RedactionSettings

_MAX_DEPTH = 64
# A key whose last segment names a credential: its string value is a secret whatever it looks like.
_SENSITIVE_KEY = re.compile(
    r"(?:^|[._\-\s])(?:password|passwd|pwd|passphrase|secret|client[_\-]?secret|api[_\-]?key|x[_\-]api[_\-]key"
    r"|access[_\-]?token|refresh[_\-]?token|auth[_\-]?token|id[_\-]?token|session[_\-]?token|bearer[_\-]?token"
    r"|authorization|proxy[_\-]authorization|private[_\-]?key|cookie|set[_\-]cookie"
    r"|secret[_\-]?access[_\-]?key|security[_\-]?token)$",
    re.IGNORECASE,
)
# A key naming a phone number: its value is checked as one whole (a bare ``4155552671``, or an integer).
_PHONE_KEY = re.compile(
    r"(?:^|[._\-\s])(?:phone|mobile|cell|cellphone|tel|telephone|msisdn|fax|whatsapp|sms)(?:[_\-]?(?:number|no|nr))?$",
    re.IGNORECASE,
)
# camelCase word boundaries (``dbPassword`` → ``db_Password``), so key patterns see the words.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_CLEAN_KEYS = 100_000
# Strings known to redact to themselves (see ``Redactor._clean``): bounded like the scanner's cache.
_MAX_CLEAN_CHARS = 2 * 1024 * 1024
_MAX_CLEAN_TEXT = 64 * 1024
_RANDOM_ID = re.compile(r"[0-9A-Fa-f]{8,64}|[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")
_PLACEHOLDER = re.compile(r"^\[[A-Z][A-Z0-9_]*(?:_\d+)?\]$")
_JSON_STARTS = ("{", "[")


def _names(key: str) -> str:
    """What an attribute key names: ``"secret"``, ``"phone"`` or ``""``."""
    words = _CAMEL.sub("_", key)
    if _SENSITIVE_KEY.search(words):
        return "secret"
    return "phone" if _PHONE_KEY.search(words) else ""


class TraceNumbering:
    """Placeholder numbers of one trace: keyed hash of a value → its number, per kind.

    ``known`` comes from the workspace (earlier batches); ``new`` collects what this batch added,
    for the caller to store; ``counts`` counts replacements by kind.
    """

    __slots__ = ("counts", "known", "new", "next_number")

    def __init__(self, known: dict[tuple[str, bytes], int] | None = None) -> None:
        self.known: dict[tuple[str, bytes], int] = dict(known or {})
        self.new: list[tuple[str, bytes, int]] = []
        self.counts: Counter[str] = Counter()
        self.next_number: dict[str, int] = {}
        for (kind, _), number in self.known.items():
            self.next_number[kind] = max(self.next_number.get(kind, 1), number + 1)

    def placeholder(self, kind: str, digest: bytes) -> str:
        number = self.known.get((kind, digest))
        if number is None:
            number = self.next_number.get(kind, 1)
            self.next_number[kind] = number + 1
            self.known[(kind, digest)] = number
            self.new.append((kind, digest, number))
        self.counts[kind] += 1
        return f"[{kind}_{number}]"


class Redactor:
    """Redacts spans (in place) and free text with one workspace's settings and secret."""

    def __init__(self, settings: RedactionSettings, *, key: bytes) -> None:
        self.settings = settings
        self.scanner = Scanner(settings)
        self._key = key
        self._card_ints = "CARD" not in settings.disabled_kinds
        self._phones = "PHONE" not in settings.disabled_kinds
        self._regions = list(settings.phone_regions)
        # map key -> what it names: a credential ("secret"), a phone number ("phone") or nothing ("")
        self._clean_keys: dict[str, str] = {}
        # string -> the depth it was redacted at, for strings that came back unchanged. Trace text
        # repeats (a tool's JSON result is the next model call's input message, the invocation
        # parameters are the same on every call): a JSON document seen before is not parsed and
        # walked again, and a string not scanned again. Only at the same depth, since depth decides
        # what is parsed and what is too deep; nothing else varies (a string that changes nothing
        # takes no placeholder, so the numbering plays no part).
        self._clean: dict[str, int] = {}
        self._clean_chars = 0

    def digest(self, kind: str, value_key: str) -> bytes:
        """The keyed hash a value is remembered by: without the workspace's secret it reveals nothing."""
        # ``surrogatepass``: a decoded ``\\ud83d`` may leave half a surrogate pair in a custom rule's value.
        message = f"{kind}\x00{value_key}".encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()[:16]

    # -- text ---------------------------------------------------------------------------------

    def redact_text(self, text: str, numbering: TraceNumbering | None) -> str:
        """``text`` with every finding replaced; without a numbering, placeholders are unnumbered."""
        findings = self.scanner.scan(text)
        if not findings:
            return text
        return self._replace(text, findings, numbering)

    def _replace(self, text: str, findings: tuple[Finding, ...], numbering: TraceNumbering | None) -> str:
        parts: list[str] = []
        position = 0
        for finding in findings:
            parts.append(text[position : finding.start])
            parts.append(self._placeholder(finding.kind, finding.key, numbering))
            position = finding.end
        parts.append(text[position:])
        return "".join(parts)

    def _placeholder(self, kind: str, value_key: str, numbering: TraceNumbering | None) -> str:
        if numbering is None:
            return f"[{kind}]"
        return numbering.placeholder(kind, self.digest(kind, value_key))

    def redact_id(self, text: str) -> str:
        """An id chosen by the application (``user-ana@x.example-7``) with each value replaced.

        Ids name traces and spans across files, so they cannot use a trace's numbering: the token is
        the first bytes of the value's keyed hash (``[EMAIL_3f9a1c2b]``), the same in every trace and
        file of the workspace and, without the key, telling nothing of the value. Random hex and
        UUID ids (OTLP's, Langfuse's, LangSmith's) are returned as they are without a scan.
        """
        if _RANDOM_ID.fullmatch(text):
            return text
        findings = self.scanner.scan(text)
        if not findings:
            return text
        parts: list[str] = []
        position = 0
        for finding in findings:
            parts.append(text[position : finding.start])
            parts.append(f"[{finding.kind}_{self.digest(finding.kind, finding.key)[:4].hex()}]")
            position = finding.end
        parts.append(text[position:])
        return "".join(parts)

    # -- values -------------------------------------------------------------------------------

    def redact_value(self, value: Any, numbering: TraceNumbering | None, *, depth: int = 0) -> Any:
        """A copy of ``value`` with its strings redacted; ``value`` itself when nothing changed."""
        kind = type(value)
        if kind is dict and depth <= _MAX_DEPTH:  # the common cases first, without isinstance chains
            return self._redact_dict(value, numbering, depth)
        if kind is str:
            return value if self._clean.get(value) == depth else self._redact_string(value, numbering, depth)
        if isinstance(value, str):
            return self._redact_string(value, numbering, depth)
        if depth > _MAX_DEPTH and isinstance(value, (dict, list)):
            # Nothing a trace means is nested this deep; walking it would risk the recursion
            # limit, and leaving it unread would let whatever is down there through. It goes.
            if numbering is not None:
                numbering.counts["TOO_DEEP"] += 1
            return "[TOO_DEEP]"
        if isinstance(value, dict):
            return self._redact_dict(value, numbering, depth)
        if isinstance(value, list):
            return self._redact_list(value, numbering, depth)
        if self._card_ints and type(value) is int and 10**14 <= value < 10**16 and is_card_number(str(value)):
            return self._placeholder("CARD", str(value), numbering)
        return value

    def _redact_dict(self, value: dict[Any, Any], numbering: TraceNumbering | None, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] | None = None  # made at the first change only: most maps have none
        clean_keys = self._clean_keys
        clean = self._clean
        inner = depth + 1
        for key, item in value.items():
            # Attribute keys repeat on every span: a key with nothing to replace is looked up once.
            names = clean_keys.get(key) if type(key) is str else ""
            new_key = key
            if names is None:
                new_key = self.redact_text(key, numbering)
                names = _names(key)
                if new_key is key:
                    if len(clean_keys) >= _MAX_CLEAN_KEYS:
                        clean_keys.clear()
                    clean_keys[key] = names
            if names == "secret":
                new_item = self._redact_whole(item, numbering, depth)
            elif names == "phone" and self._phones and (phone := self._whole_phone(item)) is not None:
                new_item = self._placeholder("PHONE", phone, numbering)
            elif type(item) is str:
                new_item = item if clean.get(item) == inner else self._redact_string(item, numbering, inner)
            else:
                new_item = self.redact_value(item, numbering, depth=inner)
            if out is None:
                if new_key is key and new_item is item:
                    continue
                out = {}
                for before, same in value.items():  # the unchanged items so far, in their order
                    if before is key:
                        break
                    out[before] = same
            out[new_key] = new_item
        return value if out is None else out

    def _redact_list(self, value: list[Any], numbering: TraceNumbering | None, depth: int) -> list[Any]:
        out: list[Any] | None = None  # made at the first change only
        clean = self._clean
        inner = depth + 1
        for index, item in enumerate(value):
            if type(item) is str:
                new_item = item if clean.get(item) == inner else self._redact_string(item, numbering, inner)
            else:
                new_item = self.redact_value(item, numbering, depth=inner)
            if out is None:
                if new_item is item:
                    continue
                out = value[:index]
            out.append(new_item)
        return value if out is None else out

    def _whole_phone(self, value: Any) -> str | None:
        """The E.164 key of a phone-named field's value that is a phone number as a whole."""
        if type(value) is int and 10**6 < value < 10**15:
            return phone_number_key(str(value), self._regions)
        if isinstance(value, str) and value.strip().isdigit():  # written any other way, the scanner finds it
            return phone_number_key(value, self._regions)
        return None

    def _redact_whole(self, value: Any, numbering: TraceNumbering | None, depth: int) -> Any:
        """A credential-named value: every non-empty string in it is a secret."""
        if isinstance(value, str):
            if not value.strip() or _PLACEHOLDER.match(value) or value.strip("*•x.") == "":
                return value  # empty, already a placeholder, or masked by the producer (****)
            return self._placeholder("SECRET", value, numbering)
        if isinstance(value, list) and depth < _MAX_DEPTH:
            items = [self._redact_whole(item, numbering, depth + 1) for item in value]
            return items if any(new is not old for new, old in zip(items, value, strict=True)) else value
        return self.redact_value(value, numbering, depth=depth + 1)

    def _redact_string(self, text: str, numbering: TraceNumbering | None, depth: int) -> str:
        redacted = self._redact_string_once(text, numbering, depth)
        if redacted is text and len(text) <= _MAX_CLEAN_TEXT:
            if self._clean_chars + len(text) > _MAX_CLEAN_CHARS:
                self._clean.clear()
                self._clean_chars = 0
            self._clean[text] = depth
            self._clean_chars += len(text)
        return redacted

    def _redact_string_once(self, text: str, numbering: TraceNumbering | None, depth: int) -> str:
        first = text[:1]
        # Most strings start with neither a bracket nor a space: no ``lstrip`` copy for them.
        if (first in _JSON_STARTS or (first.isspace() and text.lstrip()[:1] in _JSON_STARTS)) and depth < _MAX_DEPTH:
            try:
                parsed = orjson.loads(text)
            except orjson.JSONDecodeError:
                parsed = None
            if isinstance(parsed, (dict, list)):
                redacted = self.redact_value(parsed, numbering, depth=depth + 1)
                if redacted is parsed:
                    return text
                return orjson.dumps(redacted, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
        findings = self.scanner.scan(text)  # redact_text, inlined: this runs for every string of a span
        return self._replace(text, findings, numbering) if findings else text

    # -- spans --------------------------------------------------------------------------------

    def redact_span(self, span: RawSpan, numbering: TraceNumbering, shared: dict[int, Any] | None = None) -> None:
        """Redact every string of ``span`` in place.

        ``shared`` memoizes the resource and scope of one trace's spans (one object for a whole
        export batch), so each is redacted once and stays one object for the writer to encode once.
        """
        span.name = self.redact_text(span.name, numbering)
        if span.status_message:
            span.status_message = self.redact_text(span.status_message, numbering)
        span.attributes = self.redact_value(span.attributes, numbering)
        if span.events:
            span.events = [
                SpanEvent(
                    name=self.redact_text(event.name, numbering),
                    time_ns=event.time_ns,
                    attributes=self.redact_value(event.attributes, numbering),
                )
                for event in span.events
            ]
        if span.links:
            span.links = self.redact_value(span.links, numbering)
        span.resource = self._shared(span.resource, numbering, shared)
        span.scope = self._shared(span.scope, numbering, shared)

    def _shared(self, value: dict[str, Any], numbering: TraceNumbering, shared: dict[int, Any] | None) -> Any:
        if shared is None:
            return self.redact_value(value, numbering)
        key = id(value)
        if key not in shared:
            # Keep the original alive with its result: its id must not be reused by a new object.
            shared[key] = (value, self.redact_value(value, numbering))
        return shared[key][1]
