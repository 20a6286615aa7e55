"""Finding secrets and personal data in a string: the scanner that runs every detector.

The detectors live by family: ``secrets`` (detect-secrets' plugins and ours in their form,
credential-named values, private-key blocks) and ``personal`` (e-mail, phone, card, IBAN, IP,
SSN, NINO, each confirmed by its kind's own rules). ``Scanner`` runs the ones a workspace's
settings ask for, on the string as it is and on the string decoded (``decoding``: JSON escapes,
URL encoding, HTML references), resolves overlaps and honours the allow-list.

Each ``Finding`` carries a normalized ``key`` (lower-case e-mail, E.164 phone, digits of a card …)
so the same value written two ways — or encoded two ways — gets the same placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from reviewdesk.privacy import decoding
from reviewdesk.privacy.finding import Finding
from reviewdesk.privacy.personal import (
    PERSONAL_KINDS,
    CardDetector,
    EmailDetector,
    IbanDetector,
    IpDetector,
    PhoneDetector,
    SsnDetector,
    is_card_number,
    phone_number_key,
)
from reviewdesk.privacy.secrets import SECRET_KINDS, SecretDetector
from reviewdesk.privacy.settings import RedactionSettings

__all__ = [
    "BUILTIN_KINDS",
    "PERSONAL_KINDS",
    "SECRET_KINDS",
    "Finding",
    "Scanner",
    "is_card_number",
    "phone_number_key",
]

BUILTIN_KINDS: tuple[str, ...] = SECRET_KINDS + PERSONAL_KINDS
"""Every kind the built-in detectors report, in priority order (earlier wins an overlap)."""


class _CustomDetector:
    def __init__(self, kind: str, pattern: str) -> None:
        self.kinds = (kind,)
        self._kind = kind
        self._regex = re.compile(pattern)
        self._group: int | str = "value" if "value" in self._regex.groupindex else 0

    def find(self, text: str) -> Iterator[Finding]:
        for match in self._regex.finditer(text):
            start, end = match.span(self._group)
            if start >= 0 and end > start:
                yield Finding(self._kind, start, end, text[start:end])


class _Detector(Protocol):
    """What every detector above offers: the findings of one kind family in a string."""

    def find(self, text: str) -> Iterator[Finding]: ...


_DIGIT_PAIR = re.compile(r"\d\D{0,2}\d")
# Plain prose: ASCII letters, whitespace and ``,;!?'`` only, every word (a run of letters and
# dots) at most 19 long, at most 15 where ``bearer`` or ``basic`` appears. No built-in detector can
# match such text: every personal kind needs a digit or an ``@``; every secret pattern needs a
# character outside this set (``-``, ``_``, a digit, ``:``, ``=`` …), a run of at least 20 token
# characters (AKIA…, AIza…, SG.…, Twilio's AC…, Discord's), ``Bearer``/``Basic`` and 16 of them,
# ``eyJ`` (a JWT: ``eyJabcd.efg`` is letters and dots) or ``PRIVATE KEY`` (a header alone is a
# block); decoding needs ``\``, ``%`` or ``&``; credential names need ``:`` or ``=``. ASCII only,
# so ``\d``, ``\w`` and case-insensitive matching mean what they say here.
#
# Checked by classes rather than by a pattern: one ``bytes.translate`` writes each character's
# class (``a`` a word character, `` `` a separator, ``#`` anything else), and ``in`` looks for a
# ``#`` or a run of word characters that is too long. A quarter of what the equivalent pattern
# (tests/unit/privacy/test_prefilter.py holds it as the definition) cost on the benchmark's prose,
# which is most of the text a trace has.
_PROSE_WORD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz."
_PROSE_SEPARATORS = b" \t\r\n,;!?'"
_PROSE_CLASSES = bytes(
    ord("a") if byte in _PROSE_WORD else ord(" ") if byte in _PROSE_SEPARATORS else ord("#") for byte in range(256)
)
_PROSE_LONG_WORD = "a" * 20
_PROSE_LONG_AFTER_BEARER = "a" * 16


def is_plain_prose(text: str) -> bool:
    """Whether ``text`` is plain prose (see above), in which no built-in detector finds anything."""
    if not text.isascii():
        return False
    # Back to ``str`` for the searches: ``in`` is two to three times faster there than on bytes.
    classes = text.encode("ascii").translate(_PROSE_CLASSES).decode("ascii")
    if "#" in classes or _PROSE_LONG_WORD in classes or "eyJ" in text or "PRIVATE KEY" in text:
        return False
    if _PROSE_LONG_AFTER_BEARER not in classes:
        return True  # rare in prose: words of 16 to 19 letters; only then is the lower-case copy made
    lowered = text.lower()
    return "bearer" not in lowered and "basic" not in lowered


# A short id (``doc-0918159``, ``kb/by-the.md``, ``gpt-4o-mini``): at most 14 characters of lower-case
# ASCII letters, digits and ``._/-``, at most seven of them digits, no digit-dot-digit. No built-in
# detector can match: every secret pattern but Slack's (``xox``) needs 15 characters or more, an
# upper-case letter, ``:`` or ``=``; an IBAN is 15 long; a card number has 12 digits, an SSN 9, a
# phone number 8; a NINO has upper-case letters; an IPv4 address has digit-dot-digit, an IPv6 ``:``;
# e-mail needs ``@``; decoding ``\``, ``%`` or ``&``.
_SHORT_ID = re.compile(r"[a-z._/\-]*+(?:[0-9][a-z._/\-]*+){0,7}")
_DIGIT_DOT_DIGIT = re.compile(r"[0-9]\.[0-9]")


def is_short_id(text: str) -> bool:
    """Whether ``text`` is a short id (``_SHORT_ID``), in which no built-in detector finds anything."""
    return (
        len(text) <= 14
        and _SHORT_ID.fullmatch(text) is not None
        and "xox" not in text
        and ("." not in text or _DIGIT_DOT_DIGIT.search(text) is None)
    )


# What repeats in a trace file (system prompts, resource attributes, model names) fits many times
# over; unique text only fills the cache. 2 M characters scanned as fast as 8 M on the benchmark's
# traces and hold 5 MB less in each of an import's processes (ADR 0013: there are three).
_MAX_CACHED_CHARS = 2 * 1024 * 1024
_MAX_CACHED_TEXT = 16 * 1024


def _merge_winners(taken: list[Finding], group: list[Finding]) -> list[Finding]:
    """``taken`` plus the findings of ``group`` (sorted by start) that overlap nothing before them.

    Linear in both lists: a string with a million e-mail addresses must not cost a million
    squared comparisons (the fuzzer's 56 MB record of addresses once ran for hours).
    """
    accepted: list[Finding] = []
    last_end = -1
    position = 0
    for finding in group:
        if finding.start < last_end:
            continue  # overlaps a winner of this group that starts earlier (or is longer)
        while position < len(taken) and taken[position].end <= finding.start:
            position += 1
        if position < len(taken) and taken[position].start < finding.end:
            continue  # overlaps a winner of an earlier detector
        accepted.append(finding)
        last_end = finding.end
    if not taken:
        return accepted
    return sorted(taken + accepted, key=lambda f: f.start)  # two sorted runs: one merge pass


def _by_start_longest_first(finding: Finding) -> tuple[int, int]:
    return finding.start, finding.start - finding.end


class Scanner:
    """All detectors a workspace's settings ask for, resolving overlaps and honouring the allow-list.

    Trace text repeats a lot (system prompts, resource attributes, attribute keys), so results are
    cached per string, with a bound on the characters held so memory stays flat on big imports.
    """

    def __init__(self, settings: RedactionSettings) -> None:
        disabled = set(settings.disabled_kinds)
        # (detector, needs two digits close together): IBANs, cards, phone numbers and IP
        # addresses all do, and most strings of a trace have none, so one search skips four detectors.
        detectors: list[tuple[_Detector, bool]] = [
            (_CustomDetector(rule.kind, rule.pattern), False) for rule in settings.rules
        ]
        self._secrets = SecretDetector(disabled)
        detectors.append((self._secrets, False))
        builtin: tuple[tuple[tuple[str, ...], _Detector, bool], ...] = (
            (("IBAN",), IbanDetector(), True),
            (("CARD",), CardDetector(), True),
            (("US_SSN", "UK_NINO"), SsnDetector(disabled), True),
            (("EMAIL",), EmailDetector(), False),
            (("PHONE",), PhoneDetector(settings.phone_regions), True),
            (("IP_ADDRESS",), IpDetector(), True),
        )
        detectors += [(detector, digits) for kinds, detector, digits in builtin if not disabled.issuperset(kinds)]
        self._detectors = detectors
        # Custom rules can match anything: with any, every string goes through every detector.
        self._prose_gate = not settings.rules
        self._allow = {value.casefold() for value in settings.allow}
        self._allow_patterns = [re.compile(p) for p in settings.allow_patterns]
        self._allows = bool(self._allow or self._allow_patterns)
        self._cache: dict[str, tuple[Finding, ...]] = {}
        self._cached_chars = 0

    def scan(self, text: str) -> tuple[Finding, ...]:
        """The sensitive values in ``text``, in order, none overlapping."""
        if len(text) < 6:
            return ()  # nothing we detect is shorter than an IP address like 1.2.3.4 … or an e-mail a@b.co
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        found = self._scan(text)
        if len(text) <= _MAX_CACHED_TEXT:
            if self._cached_chars + len(text) > _MAX_CACHED_CHARS:
                self._cache.clear()
                self._cached_chars = 0
            self._cache[text] = found
            self._cached_chars += len(text)
        return found

    def _scan(self, text: str) -> tuple[Finding, ...]:
        if self._prose_gate and (is_short_id(text) or is_plain_prose(text)):
            return ()  # most of a trace's text: the gates cost a fraction of one detector
        found = self._scan_plain(text)
        decoded = decoding.decode(text)
        if decoded is None:
            return found
        # What the text says once decoded wins: a value found there is replaced in the original
        # with its escape sequences; what only the raw text shows is kept where it does not overlap.
        mapped = []
        for finding in self._scan_plain(decoded.text):
            start, end = decoded.span(finding.start, finding.end)
            mapped.append(Finding(finding.kind, start, end, finding.key))
        if not found:
            return tuple(mapped)
        return tuple(_merge_winners(mapped, list(found)))

    def _scan_plain(self, text: str) -> tuple[Finding, ...]:
        has_digits = _DIGIT_PAIR.search(text) is not None
        # Earlier detectors win (custom rules, then secrets, then personal data); within one
        # detector the earlier match wins, and at the same start the longer one, so a connection
        # string's password is not also half an e-mail address.
        taken: list[Finding] = []  # sorted by start, none overlapping
        for detector, needs_digits in self._detectors:
            if needs_digits and not has_digits:
                continue
            found = detector.find(text, has_digits) if detector is self._secrets else detector.find(text)
            group = [f for f in found if f.end > f.start]
            if not group:
                continue  # the common case: no sorting, no allow-list lookups
            if self._allows:
                group = [f for f in group if not self._allowed(text[f.start : f.end], f.key)]
            group.sort(key=_by_start_longest_first)
            if group:
                taken = _merge_winners(taken, group)
        return tuple(taken)

    def _allowed(self, value: str, key: str) -> bool:
        if self._allow and (value.casefold() in self._allow or key.casefold() in self._allow):
            return True
        return any(pattern.fullmatch(value) for pattern in self._allow_patterns)
