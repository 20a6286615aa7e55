"""Finding personal data: e-mail addresses, phone numbers, cards, IBANs, IP addresses, SSNs, NINOs.

Each candidate a cheap pattern finds is confirmed by the rules of its kind, from maintained
libraries where one exists:

* phone numbers: ``phonenumbers`` (Google's libphonenumber), which knows every country's
  numbering plan, so amounts and dates are not taken for phone numbers;
* IBANs and payment cards: python-stdnum's ISO 7064 (mod 97) and Luhn checks, plus the card
  issuers' number ranges, so a random 16-digit id is rarely taken for a card;
* US Social Security numbers: python-stdnum's area, group and serial rules (``stdnum.us.ssn``);
  UK National Insurance numbers: the prefix rules of HMRC's manual, as Presidio's recognizer has
  them (docs/adr/0007-detectors-and-encodings.md says why Presidio itself is not a dependency);
* IP addresses: the standard library's ``ipaddress`` validates every candidate.

E-mail addresses are found by a pattern (no library does better without DNS), in any script.

A number written as one bare run of digits is an id far more often than a card or a phone
number: after a word such as "order", "invoice" or "tracking" it is left alone, and a bare run
is taken for a phone number only after a word such as "call" or "phone". Four-part numbers after
"version" or "build" are versions, not IP addresses.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Sequence

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn
from stdnum.us import ssn as stdnum_ssn

from reviewdesk.privacy.finding import Finding

PERSONAL_KINDS: tuple[str, ...] = ("IBAN", "CARD", "US_SSN", "UK_NINO", "EMAIL", "PHONE", "IP_ADDRESS")

# Letters, digits, and the marks of scripts that have them: an address may be written in any script.
_EMAIL = re.compile(
    r"(?<![\w.%+\-])[^\W_][\w.%+\-]{0,63}@(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+"
    r"(?:[^\W\d_]{2,24}|xn--[a-z0-9\-]{1,59})(?!\w)"  # a top-level label has no "-": "a@b.example-7" ends at "e"
)
# ``logo@2x.png`` and ``icon@3x.webp`` are file names of image assets, not addresses.
_FILE_ENDINGS = frozenset((
    "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico", "bmp", "tif", "tiff", "heic", "css", "scss", "js",
    "mjs", "cjs", "ts", "tsx", "jsx", "json", "yaml", "yml", "html", "htm", "xml", "pdf", "txt", "log", "csv",
    "tsv", "map", "woff", "woff2", "ttf", "otf", "eot", "lock", "toml", "ini", "cfg", "wasm", "mp3", "mp4", "wav",
))  # fmt: skip
# Every space separator (Unicode category Zs) but " ": no-break, figure, thin, narrow no-break,
# ideographic … — a reader sees a space in each, and a number may be grouped with any of them.
_SPACES = "\u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u202f\u205f\u3000"
# Digit groups of a card number: 4111 1111 1111 1111, 4111-1111-…, 4111.1111.…, 378282246310005.
_CARD = re.compile(rf"(?<![\w\-.,/])\d{{4,19}}(?:[ \-.{_SPACES}]\d{{3,7}}){{0,4}}(?![\w]|[\-.,/]\d)")
_LAST_SPACED_GROUP = re.compile(rf"[ {_SPACES}]\d+$")
_FOUR_DIGIT_GROUPS = re.compile(rf"\d{{4}}(?:[ \-.{_SPACES}]\d{{4}})+")
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV4_HINT = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])")
_SSN = re.compile(r"(?<![\w\-])\d{3}([- ])\d{2}\1\d{4}(?![\w]|-\d)")
_NINO = re.compile(
    r"(?<![A-Za-z0-9])(?!BG|GB|NK|KN|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"( ?)\d{2}\1\d{2}\1\d{2}\1[A-D](?![A-Za-z0-9])"
)
# Something a phone number could be made of; only around these does libphonenumber get to look.
# (At least eight digits, see _PhoneDetector._plausible.)
_PHONE_HINT = re.compile(rf"(?:\+|\(|\b)\d(?:[ \t().\-/{_SPACES}]{{0,3}}\d){{7,16}}")
# A field named for a phone number and a run of digits: ``"phone": 442079460958`` (stored as an integer).
_PHONE_FIELD = re.compile(
    r"(?i)(?:phone|mobile|cell|tel|telephone|msisdn|fax|whatsapp)(?:[_\-]?(?:number|no|nr))?[\"']?[ \t]{0,3}[:=]"
    r"[ \t]{0,3}[\"']?(\+?\d{8,15})(?![\d.])"
)
_MAX_WINDOWS = 20_000
_TO_SPACE = str.maketrans(dict.fromkeys(_SPACES, " "))

# The words before a number that make it an id, a phone number or a version.
_ID_BEFORE = re.compile(
    r"(?i)(?:order|ref|reference|invoice|inv|tracking|track|txn|transaction|booking|confirmation|shipment|parcel"
    r"|ticket|sku|item|article|po|case|claim|policy|request|req|id|#)"
    r"[ \t]{0,3}(?:no\.?|nr\.?|num\.?|number|id)?[ \t]{0,3}[.:#=]?[ \t]{0,3}$"
)
_PHONE_BEFORE = re.compile(
    r"(?i)\b(?:call|phone|tel|telephone|mobile|cell|cellphone|fax|sms|text|whatsapp|contact|dial|reach)\b"
    r"[^\d\n]{0,16}$"
)
_VERSION_BEFORE = re.compile(
    r"(?i)\b(?:version|ver|v|release|build|rev|revision|sdk|firmware|fw|python|node|chrome|firefox|windows|macos"
    r"|ios|android|driver|runtime)[ \t]{0,3}[:=]?[ \t]{0,3}$"
    r"|(?:[=~<>!]=|[A-Za-z]/)$"  # "requests==1.2.3.4", "Chrome/120.0.6099.1"
)

# Issuer ranges (ISO/IEC 7812 prefixes) and lengths of the card schemes in use.
_CARD_SCHEMES: tuple[tuple[tuple[int, int], int, frozenset[int]], ...] = (
    ((4, 4), 1, frozenset({13, 16, 19})),  # Visa
    ((51, 55), 2, frozenset({16})),  # Mastercard
    ((2221, 2720), 4, frozenset({16})),  # Mastercard 2-series
    ((34, 34), 2, frozenset({15})),  # American Express
    ((37, 37), 2, frozenset({15})),
    ((6011, 6011), 4, frozenset({16, 17, 18, 19})),  # Discover
    ((644, 649), 3, frozenset({16, 17, 18, 19})),
    ((65, 65), 2, frozenset({16, 17, 18, 19})),
    ((3528, 3589), 4, frozenset({16, 17, 18, 19})),  # JCB
    ((300, 305), 3, frozenset({14, 15, 16, 17, 18, 19})),  # Diners Club
    ((36, 36), 2, frozenset({14, 15, 16, 17, 18, 19})),
    ((38, 39), 2, frozenset({14, 15, 16, 17, 18, 19})),
    ((62, 62), 2, frozenset({16, 17, 18, 19})),  # UnionPay
    ((2200, 2204), 4, frozenset({16, 17, 18, 19})),  # Mir
    ((50, 50), 2, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),  # Maestro
    ((56, 58), 2, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
    ((63, 63), 2, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
    ((67, 67), 2, frozenset({12, 13, 14, 15, 16, 17, 18, 19})),
)


BARE_CARD_LENGTHS = (15, 16)
"""Lengths of the card numbers people write as one run of digits (Amex; Visa, Mastercard …)."""


def is_card_number(digits: str) -> bool:
    """A payment card number: a known issuer range, that scheme's length, and a valid Luhn digit."""
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    for (low, high), width, lengths in _CARD_SCHEMES:
        if len(digits) in lengths and low <= int(digits[:width]) <= high:
            return bool(luhn.is_valid(digits))
    return False


def phone_number_key(value: str, regions: Sequence[str | None]) -> str | None:
    """The E.164 form of ``value`` when all of it is a valid phone number (a field named ``phone``).

    Tried with a ``+`` in front first (numbers stored as integers lose it), then in each region.
    """
    digits = value.strip()
    if not 8 <= sum(c.isdigit() for c in digits) <= 15 or len(digits) > 40:
        return None
    candidates: list[tuple[str, str | None]] = []
    if digits.isdigit():
        candidates.append(("+" + digits.removeprefix("00"), None))
    candidates += [(digits, region) for region in regions]
    for candidate, region in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def _before(text: str, start: int, pattern: re.Pattern[str]) -> bool:
    return pattern.search(text, max(start - 32, 0), start) is not None


class EmailDetector:
    kinds = ("EMAIL",)

    def find(self, text: str) -> Iterator[Finding]:
        if "@" not in text:
            return
        for match in _EMAIL.finditer(text):
            value = match.group()
            if value.rsplit(".", 1)[-1].lower() in _FILE_ENDINGS:
                # A file name: "logo@2x.png" is an asset, "export-ana@shop.example.json" holds an address.
                value = value.rsplit(".", 1)[0]
                if "." not in value.split("@", 1)[1]:
                    continue
            yield Finding("EMAIL", match.start(), match.start() + len(value), value.casefold())


class CardDetector:
    kinds = ("CARD",)

    def find(self, text: str) -> Iterator[Finding]:
        for match in _CARD.finditer(text):
            raw = match.group()
            digits = "".join(c for c in raw if c.isdigit())
            # The pattern runs on over the digit groups that follow ("373834701746811 000"): drop
            # those after a space one by one. Not when every group has four digits: such a run is
            # one number ("USPS 5608 2812 2377 5186 5587 44" starts with a Luhn-valid Maestro number).
            while not is_card_number(digits) and (last := _LAST_SPACED_GROUP.search(raw)) is not None:
                if _FOUR_DIGIT_GROUPS.fullmatch(raw):
                    break
                raw = raw[: last.start()]
                digits = "".join(c for c in raw if c.isdigit())
            if not is_card_number(digits):
                continue
            if raw.isdigit() and (len(raw) not in BARE_CARD_LENGTHS or _before(text, match.start(), _ID_BEFORE)):
                # "reference 4000123412341236": a bare run after an id word is that id; and cards
                # written as one run have 15 or 16 digits (a 13- or 19-digit run is a timestamp).
                continue
            yield Finding("CARD", match.start(), match.start() + len(raw), digits)


def _mod97(candidate: str) -> bool:
    """ISO 7064 mod 97-10 alone, far cheaper than stdnum's full check (which also knows each country's format)."""
    compact = candidate.replace(" ", "").upper()
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


class IbanDetector:
    kinds = ("IBAN",)

    def find(self, text: str) -> Iterator[Finding]:
        for match in _IBAN.finditer(text):
            candidate = match.group()
            # The pattern may run on into a following word ("… 3000 AND"): back off one character
            # at a time until the checksum holds, but never below the shortest IBAN.
            for end in range(len(candidate), 14, -1):
                piece = candidate[:end].rstrip()
                if len(piece) < end:
                    continue
                if _mod97(piece) and stdnum_iban.is_valid(piece.upper()):
                    yield Finding("IBAN", match.start(), match.start() + end, stdnum_iban.compact(piece.upper()))
                    break


class SsnDetector:
    kinds = ("US_SSN", "UK_NINO")

    def __init__(self, disabled: set[str]) -> None:
        self._ssn = "US_SSN" not in disabled
        self._nino = "UK_NINO" not in disabled

    def find(self, text: str) -> Iterator[Finding]:
        if self._ssn:
            for match in _SSN.finditer(text):
                digits = match.group().replace(" ", "").replace("-", "")
                if stdnum_ssn.is_valid(digits):
                    yield Finding("US_SSN", match.start(), match.end(), digits)
        if self._nino:
            for match in _NINO.finditer(text):
                yield Finding("UK_NINO", match.start(), match.end(), match.group().replace(" ", ""))


class IpDetector:
    kinds = ("IP_ADDRESS",)

    def find(self, text: str) -> Iterator[Finding]:
        if _IPV4_HINT.search(text):
            for match in _IPV4.finditer(text):
                if _before(text, match.start(), _VERSION_BEFORE):
                    continue  # "version 2.1.0.4", "build 10.0.1.7"
                yield from self._checked(match.group(), match.start())
        if "::" in text or text.count(":") >= 3:
            for match in _IPV6.finditer(text):
                if match.group().count(":") >= 2 and any(c.isdigit() for c in match.group()):
                    yield from self._checked(match.group(), match.start())

    @staticmethod
    def _checked(candidate: str, start: int) -> Iterator[Finding]:
        try:
            address = ipaddress.ip_address(candidate)
        except ValueError:
            return
        # Loopback and "this network" (0.x.x.x) addresses say nothing about anyone.
        if address.is_loopback or address.is_unspecified or (address.version == 4 and address.packed[0] == 0):
            return
        yield Finding("IP_ADDRESS", start, start + len(candidate), address.compressed)


def _starts_the_hint(found: list[tuple[int, int, str]], at: int) -> bool:
    """Whether a number found in a window starts where its hint does (``+`` in place of ``00`` is one on)."""
    return any(start <= at + 1 for start, _, _ in found)


class PhoneDetector:
    kinds = ("PHONE",)

    def __init__(self, regions: Sequence[str]) -> None:
        # Without a region only numbers written with +CC are found; the first region also catches them.
        self._regions: list[str | None] = list(regions) or [None]
        # libphonenumber's verdict on a window (about 0.3 ms each): text repeats, and so do windows.
        self._windows: dict[str, list[tuple[int, int, str]]] = {}
        # What a window without a number gives once its last digit groups are dropped (the same reason).
        self._trimmed: dict[tuple[str, int, int], list[tuple[int, int, str]]] = {}

    def find(self, text: str) -> Iterator[Finding]:
        hints = list(_PHONE_HINT.finditer(text))
        # Where ``_PHONE_FIELD`` matches, its digits start a hint: the character before them is one
        # of ``:="' \t`` (a word boundary before a digit) or the ``+`` the hint also starts with,
        # and eight digits in a row make a hint. So without a hint there is no field either, and
        # the field's case-insensitive alternation (two thirds of this detector's time on the
        # benchmark's text) runs only where a hint is.
        if not hints:
            return
        for field in _PHONE_FIELD.finditer(text):
            key = phone_number_key(field.group(1), self._regions)
            if key is not None:
                yield Finding("PHONE", field.start(1), field.end(1), key)
        for hint in hints:
            # libphonenumber is thorough but slow: run it on the candidate and two characters
            # around it (it refuses numbers glued to letters, so it must see the neighbours).
            lo, hi = max(hint.start() - 2, 0), min(hint.end() + 2, len(text))
            # No-break spaces are spaces to a reader; "0044 …" is "+44 …" written with the
            # international prefix most of the world dials (replaced keeping every position).
            window = text[lo:hi].translate(_TO_SPACE)
            at = hint.start() - lo
            international = window.startswith("00", at) and window[at + 2 : at + 3] in tuple("123456789")
            if international:
                window = window[:at] + " +" + window[at + 2 :]
            for match_start, match_end, key in self._matches_trimmed(window, at, hint.end() - lo):
                start, end = lo + match_start, lo + match_end
                if international and match_start == at + 1:
                    start -= 1  # the first "0" of "00", turned into a space above
                if self._plausible(text, start, text[start:end]):
                    yield Finding("PHONE", start, end, key)

    def _matches_trimmed(self, window: str, at: int, end: int) -> list[tuple[int, int, str]]:
        """The numbers in ``window``, and, when none starts where the hint (``at:end``) does, those
        in the hint without its last digit groups.

        The hint runs on over every digit group that follows, and libphonenumber takes the whole
        run for one number: "+44 20 7654 6832 0" is no valid number, so the phone number before
        " 0" was missed (or only a tail of the run was found: "3100000" in "… 6832 3100000").
        Groups after a space are dropped one by one while eight digits remain; the scanner keeps
        the earliest and longest of what overlaps.
        """
        found = self._matches(window)
        if _starts_the_hint(found, at) or (" " not in window and "\t" not in window):
            return found
        cache_key = (window, at, end)
        trimmed = self._trimmed.get(cache_key)
        if trimmed is not None:
            return trimmed  # repeated text: the drops below cost more than libphonenumber's cached verdicts
        found = list(found)
        while not _starts_the_hint(found, at):
            cut = max(window.rfind(" ", at, end), window.rfind("\t", at, end))
            if cut < 0:
                break
            end = at + len(window[at:cut].rstrip(" \t"))
            if sum(c.isdigit() for c in window[at:end]) < 8:
                break
            found += self._matches(window[: end + 1])  # with the space after it, as a neighbour
        if len(self._trimmed) >= _MAX_WINDOWS:
            self._trimmed.clear()
        self._trimmed[cache_key] = found
        return found

    def _matches(self, window: str) -> list[tuple[int, int, str]]:
        """The valid numbers libphonenumber finds in ``window`` in the first region that has any."""
        cached = self._windows.get(window)
        if cached is not None:
            return cached
        found: list[tuple[int, int, str]] = []
        for region in self._regions:
            matcher = phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID)
            for match in matcher:
                key = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
                found.append((match.start, match.end, key))
            if found:
                break
        if len(self._windows) >= _MAX_WINDOWS:
            self._windows.clear()
        self._windows[window] = found
        return found

    @staticmethod
    def _plausible(text: str, start: int, raw: str) -> bool:
        """Reject what libphonenumber accepts but people do not write as phone numbers.

        Seven digits pass as a US local number, and ``NW-3108321`` (an order id) would be one:
        we want at least eight digits, no ``#`` right before (``ticket #4155552671``), no letters
        joined to the number by ``-``, ``_`` or ``/`` (``NW-3108321``, ``sess_82834342443``), and a
        bare run of digits only after a word that says it is a phone number (``call 4155552671``).
        """
        if sum(c.isdigit() for c in raw) < 8:
            return False
        before = text[max(start - 2, 0) : start]
        if before.endswith("#"):
            return False
        if len(before) == 2 and before[1] in "-_/" and before[0].isalnum():
            return False
        return not (raw.isdigit() and not raw.startswith("00") and not _before(text, start, _PHONE_BEFORE))
