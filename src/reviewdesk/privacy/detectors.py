"""Finding secrets and personal data in a string.

Where a well-kept detector exists we use it rather than write our own pattern:

* secrets: the regular expressions of detect-secrets' plugins (AWS, Azure storage, basic-auth
  URLs, Discord, GitHub, GitLab, JWT with its structural check, Mailchimp, npm, OpenAI, private
  keys, PyPI, SendGrid, Slack, Square, Stripe, Telegram, Twilio). We run their ``denylist``
  patterns ourselves because the plugins' ``analyze_string`` yields only the text of a capture
  group (``"ghp"`` for a whole GitHub token), with no position to replace. Providers detect-secrets
  does not know yet (Anthropic, Google API keys, OpenAI project keys, GitHub fine-grained tokens,
  Stripe test keys, connection-string passwords, bearer tokens) are written as detect-secrets
  plugins too (``RegexBasedDetector`` subclasses below), so they could go upstream unchanged;
* phone numbers: ``phonenumbers`` (Google's libphonenumber), which knows every country's
  numbering plan, so order numbers, amounts and dates are not taken for phone numbers;
* IBANs and payment cards: python-stdnum's ISO 7064 (mod 97) and Luhn checks, plus the card
  issuers' number ranges, so a random 16-digit id is not taken for a card;
* IP addresses: the standard library's ``ipaddress`` validates every candidate.

E-mail addresses are found by a plain pattern (no library does better without DNS).

Each ``Finding`` carries a normalized ``key`` (lower-case e-mail, E.164 phone, digits of a card …)
so the same value written two ways gets the same placeholder.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import phonenumbers
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.npm import NpmDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector
from stdnum import iban as stdnum_iban
from stdnum import luhn

from reviewdesk.privacy.settings import RedactionSettings


@dataclass(frozen=True, slots=True)
class Finding:
    """One sensitive value inside a string: ``text[start:end]`` is replaced by a placeholder."""

    kind: str
    start: int
    end: int
    key: str
    """The value normalized, so that two spellings of one value share a placeholder."""


# --------------------------------------------------------------------------------------------
# detect-secrets plugins for what detect-secrets 1.5 does not cover yet
# --------------------------------------------------------------------------------------------


class AnthropicKeyDetector(RegexBasedDetector):
    """Anthropic API and admin keys: ``sk-ant-api03-…``, ``sk-ant-admin01-…``."""

    secret_type = "Anthropic API Key"
    denylist = (re.compile(r"sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_\-]{32,}"),)


class GoogleApiKeyDetector(RegexBasedDetector):
    """Google Cloud / Gemini API keys: ``AIza`` and 35 more characters."""

    secret_type = "Google API Key"
    denylist = (re.compile(r"AIza[0-9A-Za-z_\-]{35}"),)


class OpenAIProjectKeyDetector(RegexBasedDetector):
    """OpenAI project, service-account and admin keys (the plugin only knows the older ``sk-`` form)."""

    secret_type = "OpenAI Project Key"
    denylist = (re.compile(r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,}"),)


class GitHubFineGrainedTokenDetector(RegexBasedDetector):
    """GitHub fine-grained personal access tokens (``github_pat_…``)."""

    secret_type = "GitHub Fine-grained Token"
    denylist = (re.compile(r"github_pat_[A-Za-z0-9_]{22,}"),)


class StripeAnyKeyDetector(RegexBasedDetector):
    """Stripe secret and restricted keys, live and test (the plugin knows live keys of 24 characters only)."""

    secret_type = "Stripe Key"
    denylist = (re.compile(r"(?:sk|rk)_(?:live|test)_[0-9a-zA-Z]{16,}"),)


class ConnectionStringPasswordDetector(RegexBasedDetector):
    """``Password=…;`` in ADO.NET/ODBC/JDBC connection strings (URL passwords are BasicAuthDetector's)."""

    secret_type = "Connection String Password"
    denylist = (re.compile(r"(?i)(?:^|[;\s\"'?&])(?:password|pwd|passwd)\s*=\s*([^;\"'\s&]+)"),)


class BearerTokenDetector(RegexBasedDetector):
    """``Authorization: Bearer …`` and ``Basic …`` credentials written out in text."""

    secret_type = "Bearer Token"
    denylist = (re.compile(r"(?i)\b(?:bearer|basic)\s+([A-Za-z0-9\-._~+/]{16,}=*)"),)


class AwsSecretInTextDetector(RegexBasedDetector):
    """An AWS secret access key assigned without quotes (the plugin wants them quoted)."""

    secret_type = "AWS Secret Access Key"
    denylist = (
        re.compile(
            r"(?i)aws.{0,20}?(?:secret|key).{0,20}?[=:]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        ),
    )


# --------------------------------------------------------------------------------------------
# Secret patterns: which plugin, which placeholder kind, which part of the match
# --------------------------------------------------------------------------------------------

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-]*")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|---- END SSH2 ENCRYPTED PRIVATE KEY ----")
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----")


@dataclass(frozen=True, slots=True)
class _SecretPattern:
    kind: str
    regex: re.Pattern[str]
    group: int = 0
    """Which group is the secret: 0 for the whole match, 1 where the pattern includes context."""
    extend: bool = True
    """Extend the match over the token characters that follow: several plugins match a fixed-length
    prefix of tokens that have since grown longer, and half a key is still a key."""
    check: Callable[[str], bool] | None = None
    skip_prefix: str = ""


def _patterns(plugin: type[RegexBasedDetector]) -> list[re.Pattern[str]]:
    # ``denylist`` is declared an abstract property and defined as a class attribute (a tuple or
    # list of compiled patterns) by every plugin: read the attribute from the class.
    patterns: Iterable[re.Pattern[str]] = getattr(plugin, "denylist")  # noqa: B009
    return list(patterns)


def _secret_patterns() -> list[_SecretPattern]:
    aws = _patterns(AWSKeyDetector)
    out: list[_SecretPattern] = [_SecretPattern("ANTHROPIC_KEY", p) for p in _patterns(AnthropicKeyDetector)]
    out += [_SecretPattern("OPENAI_KEY", p) for p in _patterns(OpenAIProjectKeyDetector) + _patterns(OpenAIDetector)]
    out += [_SecretPattern("GOOGLE_API_KEY", p) for p in _patterns(GoogleApiKeyDetector)]
    out += [_SecretPattern("AWS_KEY", aws[0]), _SecretPattern("AWS_KEY", aws[1], group=1, extend=False)]
    out += [_SecretPattern("AWS_KEY", p, group=1, extend=False) for p in _patterns(AwsSecretInTextDetector)]
    out += [_SecretPattern("STRIPE_KEY", p) for p in _patterns(StripeAnyKeyDetector) + _patterns(StripeDetector)]
    out += [
        _SecretPattern("GITHUB_TOKEN", p)
        for p in _patterns(GitHubFineGrainedTokenDetector) + _patterns(GitHubTokenDetector)
    ]
    out += [_SecretPattern("GITLAB_TOKEN", p) for p in _patterns(GitLabTokenDetector)]
    out += [_SecretPattern("SLACK_TOKEN", p) for p in _patterns(SlackDetector)]
    out += [_SecretPattern("JWT", p, check=JwtTokenDetector.is_formally_valid) for p in _patterns(JwtTokenDetector)]
    out += [_SecretPattern("SENDGRID_KEY", p) for p in _patterns(SendGridDetector)]
    out += [_SecretPattern("PYPI_TOKEN", p) for p in _patterns(PypiTokenDetector)]
    out += [_SecretPattern("NPM_TOKEN", p, group=1, extend=False) for p in _patterns(NpmDetector)]
    out += [_SecretPattern("SQUARE_SECRET", p) for p in _patterns(SquareOAuthDetector)]
    out += [
        _SecretPattern("AZURE_KEY", p, extend=False, skip_prefix="AccountKey=")
        for p in _patterns(AzureStorageKeyDetector)
    ]
    out += [_SecretPattern("DISCORD_TOKEN", p) for p in _patterns(DiscordBotTokenDetector)]
    out += [_SecretPattern("TELEGRAM_TOKEN", p) for p in _patterns(TelegramBotTokenDetector)]
    out += [_SecretPattern("MAILCHIMP_KEY", p) for p in _patterns(MailchimpDetector)]
    out += [_SecretPattern("TWILIO_KEY", p) for p in _patterns(TwilioKeyDetector)]
    out += [_SecretPattern("PASSWORD", p, group=1, extend=False) for p in _patterns(BasicAuthDetector)]
    out += [_SecretPattern("PASSWORD", p, group=1, extend=False) for p in _patterns(ConnectionStringPasswordDetector)]
    out += [_SecretPattern("SECRET", p, group=1, extend=False) for p in _patterns(BearerTokenDetector)]
    return out


SECRET_KINDS: tuple[str, ...] = (
    "PRIVATE_KEY",
    "ANTHROPIC_KEY",
    "OPENAI_KEY",
    "GOOGLE_API_KEY",
    "AWS_KEY",
    "STRIPE_KEY",
    "GITHUB_TOKEN",
    "GITLAB_TOKEN",
    "SLACK_TOKEN",
    "JWT",
    "SENDGRID_KEY",
    "PYPI_TOKEN",
    "NPM_TOKEN",
    "SQUARE_SECRET",
    "AZURE_KEY",
    "DISCORD_TOKEN",
    "TELEGRAM_TOKEN",
    "MAILCHIMP_KEY",
    "TWILIO_KEY",
    "PASSWORD",
    "SECRET",
)
PERSONAL_KINDS: tuple[str, ...] = ("IBAN", "CARD", "EMAIL", "PHONE", "IP_ADDRESS")
BUILTIN_KINDS: tuple[str, ...] = SECRET_KINDS + PERSONAL_KINDS
"""Every kind the built-in detectors report, in priority order (earlier wins an overlap)."""


# Literal anchors of the secret patterns above. Most strings of a trace hold none of them, and
# one search for all of them is far cheaper than running forty patterns on every string. They are
# compiled as a trie (``_trie_pattern``), because Python's regex engine tries every branch of a
# flat alternation at every position: the trie made this check four times faster, and the check
# made redaction of the benchmark's spans two to three times faster.
_ANCHOR_WORDS = (
    "sk-", "T3BlbkFJ", "AIza", "A3T", "ABIA", "ACCA", "AKIA", "ASIA", "AC", "SK", "aws", "AWS", "Aws",
    "k_live_", "k_test_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glft-",
    "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-", "glagent-", "gloas-", "GR1348941", "xox", "XOX", "Xox",
    "hooks.slack.com", "eyJ", "SG.", "pypi-", "_authToken", "sq0csp-", "AccountKey=", "-us", "://",
    "password", "Password", "PASSWORD", "passwd", "Passwd", "pwd", "Pwd", "PWD", "bearer", "Bearer", "BEARER",
    "basic", "Basic", "BASIC", "PRIVATE KEY", "PuTTY-User-Key-File",
)  # fmt: skip
# Discord and Telegram tokens have no literal part: their own cheapest distinctive pieces instead
# (measured separately: one alternation of both cost more than the two searches).
_DISCORD_HINT = re.compile(r"\.[a-zA-Z\d_\-]{6}\.[a-zA-Z\d_\-]{27}")
_TELEGRAM_HINT = re.compile(r"\d{8,10}:[0-9A-Za-z_\-]{35}")


def _trie_pattern(words: Sequence[str]) -> str:
    """One regular expression matching any of ``words``, with shared prefixes factored out."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        # A word that ends here while longer ones go on ("sk-" and … ): the rest is optional.
        return body + "?" if "" in node else body

    return emit(root)


_SECRET_ANCHORS = re.compile(_trie_pattern(_ANCHOR_WORDS))


class _SecretDetector:
    """All secret patterns, plus private-key blocks (the plugin finds the header; we take the block)."""

    kinds = SECRET_KINDS

    def __init__(self, disabled: set[str]) -> None:
        self._patterns = [p for p in _secret_patterns() if p.kind not in disabled]
        self._private_keys = "PRIVATE_KEY" not in disabled
        self._headers = _patterns(PrivateKeyDetector)

    def find(self, text: str, has_digits: bool = True) -> Iterator[Finding]:
        # A Telegram token starts with eight digits: without two digits close together there is none.
        if not (
            _SECRET_ANCHORS.search(text) or _DISCORD_HINT.search(text) or (has_digits and _TELEGRAM_HINT.search(text))
        ):
            return
        if self._private_keys and ("PRIVATE KEY" in text or "PuTTY-User-Key-File" in text):
            yield from self._private_key_blocks(text)
        for pattern in self._patterns:
            for match in pattern.regex.finditer(text):
                start, end = match.span(pattern.group)
                if start < 0 or end <= start:
                    continue
                if pattern.skip_prefix and text.startswith(pattern.skip_prefix, start):
                    start += len(pattern.skip_prefix)
                if pattern.extend:
                    tail = _TOKEN_CHARS.match(text, end)
                    end = tail.end() if tail else end
                value = text[start:end]
                if pattern.check is not None and not pattern.check(value):
                    continue
                yield Finding(pattern.kind, start, end, value)

    def _private_key_blocks(self, text: str) -> Iterator[Finding]:
        for header in self._headers:
            for match in header.finditer(text):
                # The whole PEM block from its BEGIN line to its END line (or to the end of the
                # string when the block was cut off): the base64 body is the secret.
                begin = _PEM_BEGIN.search(text, max(match.start() - 20, 0))
                start = begin.start() if begin is not None and begin.start() <= match.start() else match.start()
                end_match = _PEM_END.search(text, match.end())
                end = end_match.end() if end_match is not None else len(text)
                yield Finding("PRIVATE_KEY", start, end, text[start:end])


# --------------------------------------------------------------------------------------------
# Personal data
# --------------------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}(?![\w\-])"
)
# Digit groups of a card number: 4111 1111 1111 1111, 4111-1111-…, 378282246310005, 3782 822463 10005.
_CARD = re.compile(r"(?<![\w\-.,/])\d{4,19}(?:[ \-]\d{3,7}){0,4}(?![\w]|[\-.,/]\d)")
# IBANs are written with a capital country code; requiring it keeps the scan off every lower-case letter.
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ ]?[A-Za-z0-9]){11,30}(?![A-Za-z0-9])")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV4_HINT = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")
_IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])")
# Something a phone number could be made of; only around these does libphonenumber get to look.
# (At least eight digits, see _PhoneDetector._plausible.)
_PHONE_HINT = re.compile(r"(?:\+|\(|\b)\d(?:[ \t().\-/]{0,3}\d){7,16}")

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


def is_card_number(digits: str) -> bool:
    """A payment card number: a known issuer range, that scheme's length, and a valid Luhn digit."""
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return False
    for (low, high), width, lengths in _CARD_SCHEMES:
        if len(digits) in lengths and low <= int(digits[:width]) <= high:
            return bool(luhn.is_valid(digits))
    return False


class _EmailDetector:
    kinds = ("EMAIL",)

    def find(self, text: str) -> Iterator[Finding]:
        if "@" not in text:
            return
        for match in _EMAIL.finditer(text):
            yield Finding("EMAIL", match.start(), match.end(), match.group().lower())


class _CardDetector:
    kinds = ("CARD",)

    def find(self, text: str) -> Iterator[Finding]:
        for match in _CARD.finditer(text):
            digits = re.sub(r"[ \-]", "", match.group())
            if is_card_number(digits):
                yield Finding("CARD", match.start(), match.end(), digits)


class _IbanDetector:
    kinds = ("IBAN",)

    def find(self, text: str) -> Iterator[Finding]:
        for match in _IBAN.finditer(text):
            candidate = match.group()
            # The pattern may run on into a following word of capitals ("… 3000 AND"): back off
            # one character at a time until the checksum holds, but never below the shortest IBAN.
            for end in range(len(candidate), 14, -1):
                piece = candidate[:end].rstrip()
                if len(piece) < end:
                    continue
                if stdnum_iban.is_valid(piece):
                    yield Finding("IBAN", match.start(), match.start() + end, stdnum_iban.compact(piece))
                    break


class _IpDetector:
    kinds = ("IP_ADDRESS",)

    def find(self, text: str) -> Iterator[Finding]:
        if _IPV4_HINT.search(text):
            for match in _IPV4.finditer(text):
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
        # Loopback and "any" addresses say nothing about anyone.
        if address.is_loopback or address.is_unspecified:
            return
        yield Finding("IP_ADDRESS", start, start + len(candidate), address.compressed)


class _PhoneDetector:
    kinds = ("PHONE",)

    def __init__(self, regions: Sequence[str]) -> None:
        # Without a region only numbers written with +CC are found; the first region also catches them.
        self._regions: list[str | None] = list(regions) or [None]

    def find(self, text: str) -> Iterator[Finding]:
        for hint in _PHONE_HINT.finditer(text):
            # libphonenumber is thorough but slow: run it on the candidate and two characters
            # around it (it refuses numbers glued to letters, so it must see the neighbours).
            lo, hi = max(hint.start() - 2, 0), min(hint.end() + 2, len(text))
            window = text[lo:hi]
            for region in self._regions:
                matcher = phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID)
                found = False
                for match in matcher:
                    start, end = lo + match.start, lo + match.end
                    if not self._plausible(text, start, match.raw_string):
                        continue
                    found = True
                    key = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
                    yield Finding("PHONE", start, end, key)
                if found:
                    break

    @staticmethod
    def _plausible(text: str, start: int, raw: str) -> bool:
        """Reject what libphonenumber accepts but people do not write as phone numbers.

        Seven digits pass as a US local number, and ``NW-3108321`` (an order id) would be one:
        we want at least eight digits, no ``#`` right before (``ticket #4155552671``), and no
        letters joined to the number by ``-``, ``_`` or ``/`` (``NW-3108321``, ``sess_82834342443``).
        """
        if sum(c.isdigit() for c in raw) < 8:
            return False
        before = text[max(start - 2, 0) : start]
        if before.endswith("#"):
            return False
        return not (len(before) == 2 and before[1] in "-_/" and before[0].isalnum())


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
_MAX_CACHED_CHARS = 8 * 1024 * 1024
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
        self._secrets = _SecretDetector(disabled)
        detectors.append((self._secrets, False))
        builtin: tuple[tuple[str, _Detector, bool], ...] = (
            ("IBAN", _IbanDetector(), True),
            ("CARD", _CardDetector(), True),
            ("EMAIL", _EmailDetector(), False),
            ("PHONE", _PhoneDetector(settings.phone_regions), True),
            ("IP_ADDRESS", _IpDetector(), True),
        )
        detectors += [(detector, digits) for kind, detector, digits in builtin if kind not in disabled]
        self._detectors = detectors
        self._allow = {value.casefold() for value in settings.allow}
        self._allow_patterns = [re.compile(p) for p in settings.allow_patterns]
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
        has_digits = _DIGIT_PAIR.search(text) is not None
        # Earlier detectors win (custom rules, then secrets, then personal data); within one
        # detector the earlier match wins, and at the same start the longer one, so a connection
        # string's password is not also half an e-mail address.
        taken: list[Finding] = []  # sorted by start, none overlapping
        for detector, needs_digits in self._detectors:
            if needs_digits and not has_digits:
                continue
            found = detector.find(text, has_digits) if detector is self._secrets else detector.find(text)
            group = sorted(
                (f for f in found if f.end > f.start and not self._allowed(text[f.start : f.end], f.key)),
                key=lambda f: (f.start, f.start - f.end),
            )
            if group:
                taken = _merge_winners(taken, group)
        return tuple(taken)

    def _allowed(self, value: str, key: str) -> bool:
        if self._allow and (value.casefold() in self._allow or key.casefold() in self._allow):
            return True
        return any(pattern.fullmatch(value) for pattern in self._allow_patterns)
