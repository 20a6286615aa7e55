"""Finding credentials: API keys, tokens, passwords, private keys.

Where detect-secrets (1.5, its latest release) has a plugin we run that plugin's ``denylist``
patterns ourselves, because the plugins' ``analyze_string`` yields only the text of a capture
group (``"ghp"`` for a whole GitHub token), with no position to replace. Providers detect-secrets
does not know (Anthropic, Google, Hugging Face, GCP OAuth, AWS session tokens, Azure SAS, OpenAI
project keys …) are written as detect-secrets plugins too (``RegexBasedDetector`` subclasses
below), so they could go upstream unchanged. Two plugin patterns are replaced by our own because
they are quadratic on hostile text (npm's ``//.+/:_authToken``, the JWT pattern's unanchored
``eyJ``), and one plugin check is loosened: a JWT whose header decodes is a JWT, whatever its body.

Every pattern is linear in its input: quantifiers are bounded or stop at a character they
cannot cross, a match's extension over the token characters that follow is done once per run of
them, and private-key blocks are found in one sweep (``bench/redaction_bench.py`` doubles hostile
inputs to hold that).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.discord import DiscordBotTokenDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector

from reviewdesk.privacy.finding import Finding

# --------------------------------------------------------------------------------------------
# detect-secrets plugins for what detect-secrets 1.5 does not cover
# --------------------------------------------------------------------------------------------


class AnthropicKeyDetector(RegexBasedDetector):
    """Anthropic API and admin keys: ``sk-ant-api03-…``, ``sk-ant-admin01-…``."""

    secret_type = "Anthropic API Key"
    denylist = (re.compile(r"sk-ant-(?:api|admin|oat|sid)\d{2}-[A-Za-z0-9_\-]{32,}"),)


class GoogleApiKeyDetector(RegexBasedDetector):
    """Google Cloud / Gemini API keys: ``AIza`` and 35 more characters."""

    secret_type = "Google API Key"
    denylist = (re.compile(r"AIza[0-9A-Za-z_\-]{35}"),)


class GoogleOAuthTokenDetector(RegexBasedDetector):
    """Google Cloud OAuth access tokens (``ya29.…``), what ``gcloud auth print-access-token`` prints."""

    secret_type = "Google OAuth Access Token"
    denylist = (re.compile(r"(?<![A-Za-z0-9])ya29\.[0-9A-Za-z_\-]{20,}"),)


class HuggingFaceTokenDetector(RegexBasedDetector):
    """Hugging Face user access tokens (``hf_`` and 34 letters and digits) and organization keys."""

    secret_type = "Hugging Face Token"
    denylist = (re.compile(r"(?<![A-Za-z0-9_])(?:hf_[A-Za-z0-9]{34}|api_org_[A-Za-z0-9]{34})(?![A-Za-z0-9])"),)


class NpmAccessTokenDetector(RegexBasedDetector):
    """npm access tokens anywhere (``npm_`` and 36 characters), and ``_authToken=`` lines of ``.npmrc``.

    Replaces the plugin's ``//.+/:_authToken=…``, which only finds tokens in ``.npmrc`` lines and
    whose ``.+`` makes it quadratic on a text of many ``//``.
    """

    secret_type = "NPM tokens"
    denylist = (
        re.compile(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])"),
        re.compile(r"_authToken=[ \t]{0,5}([A-Fa-f0-9\-]{36}|[^\s\"'$]{8,512})"),
    )


class AwsSessionTokenDetector(RegexBasedDetector):
    """AWS STS session tokens: long base64 strings that start the same way for every token."""

    secret_type = "AWS Session Token"
    denylist = (re.compile(r"(?<![A-Za-z0-9/+])(?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9/+]{40,8192}={0,2}"),)


class AzureSasSignatureDetector(RegexBasedDetector):
    """The signature of an Azure shared access signature URL (``…&sig=…``): the part that grants access."""

    secret_type = "Azure SAS Signature"
    denylist = (re.compile(r"[?&;]sig=([A-Za-z0-9%+/]{16,512}={0,2}(?:%3[dD]){0,2})"),)


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
    denylist = (re.compile(r"(?i)(?:^|[;\s\"'?&])(?:password|pwd|passwd)[ \t]{0,5}=[ \t]{0,5}([^;\"'\s&]+)"),)


class BearerTokenDetector(RegexBasedDetector):
    """``Authorization: Bearer …`` and ``Basic …`` credentials written out in text."""

    secret_type = "Bearer Token"
    denylist = (re.compile(r"(?i)\b(?:bearer|basic)[ \t]{1,5}([A-Za-z0-9\-._~+/]{16,}=*)"),)


class AwsSecretInTextDetector(RegexBasedDetector):
    """An AWS secret access key assigned without quotes (the plugin wants them quoted)."""

    secret_type = "AWS Secret Access Key"
    denylist = (
        re.compile(
            r"(?i)aws.{0,20}?(?:secret|key).{0,20}?[=:][ \t]{0,5}[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
        ),
    )


class JwtDetector(RegexBasedDetector):
    """JSON Web Tokens: ``eyJ`` (a base64url JSON object), a dot, a body, maybe a signature.

    Anchored (not inside a longer run of base64 characters), so a text of ``eyJeyJeyJ…`` is
    scanned once rather than once per ``eyJ``.
    """

    secret_type = "JSON Web Token"
    denylist = (
        re.compile(
            r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{4,}={0,2}\.[A-Za-z0-9_\-]+={0,2}"
            r"(?:\.[A-Za-z0-9_\-+/]*={0,2}){0,3}"
        ),
    )


# A key named like a credential, then ``:`` or ``=``, then its value: ``password: hunter2``,
# ``"SecretAccessKey": "…"``, ``dbPassword=…``, ``api-key: …``. The name may be glued to a prefix
# (camelCase, ``x-api-key``, ``AWS_SECRET_ACCESS_KEY``) but not followed by more of a word
# (``password_hint``, ``passwords``). The value stops at quotes, spaces and the delimiters of
# query strings, JSON and headers, and does not start with ``[`` (a placeholder, already redacted).
_CREDENTIAL_NAME = re.compile(
    r"(?i)(pass(?:word|wd|phrase)|pwd|secret(?:[_\-]?access[_\-]?key)?|api[_\-]?key"
    r"|(?:session|access|auth|refresh|security)[_\-]?token|private[_\-]?key)(?![A-Za-z0-9_])"
    r"[\"']?[ \t]{0,5}[:=][ \t]{0,5}[\"']?"
    r"([^\s\"'`,;&<>\[\]{}()\\=][^\s\"'`,;&<>\[\]{}()\\]{2,511})"
)
_NOT_A_SECRET = frozenset({"true", "false", "null", "none", "nil", "undefined", "required", "optional", "redacted"})


def _credential_kind(name: str) -> str:
    # casefold, not lower: the name matched case-insensitively, so "Paſſword" (long s) is a password
    # name too — and the connection-string pattern, where it runs, calls its value PASSWORD.
    lowered = name.casefold().replace("_", "").replace("-", "")
    if lowered.startswith(("pass", "pwd")):
        return "PASSWORD"
    if lowered in ("secretaccesskey", "sessiontoken", "securitytoken"):
        return "AWS_KEY"  # the names AWS gives them in STS responses and credentials files
    return "SECRET"


# --------------------------------------------------------------------------------------------
# Secret patterns: which plugin, which placeholder kind, which part of the match
# --------------------------------------------------------------------------------------------

_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-]*")
_PEM_END = re.compile(r"-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|---- END SSH2 ENCRYPTED PRIVATE KEY ----")
_PEM_BEGIN = re.compile(
    r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"
)


def _jwt_header_decodes(token: str) -> bool:
    """A token is a JWT when its first part is base64url of a JSON object naming an algorithm.

    The body and signature are not checked: a token cut short or with a body that does not decode
    is still a credential.
    """
    head = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
        header = json.loads(decoded.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and any(k in header for k in ("alg", "typ", "enc", "kid"))


def _looks_random(value: str) -> bool:
    """A key's body mixes upper case, lower case and digits; a slug (``sk-admin-dashboard-…``) does not."""
    body = value.split("-", 2)[-1]
    return any(c.isupper() for c in body) and any(c.islower() for c in body) and any(c.isdigit() for c in body)


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
    out: list[_SecretPattern] = [
        _SecretPattern("ANTHROPIC_KEY", p, check=_looks_random) for p in _patterns(AnthropicKeyDetector)
    ]
    out += [_SecretPattern("OPENAI_KEY", p, check=_looks_random) for p in _patterns(OpenAIProjectKeyDetector)]
    out += [_SecretPattern("OPENAI_KEY", p) for p in _patterns(OpenAIDetector)]
    out += [_SecretPattern("GOOGLE_API_KEY", p) for p in _patterns(GoogleApiKeyDetector)]
    out += [_SecretPattern("GCP_TOKEN", p) for p in _patterns(GoogleOAuthTokenDetector)]
    out += [_SecretPattern("HUGGINGFACE_TOKEN", p, extend=False) for p in _patterns(HuggingFaceTokenDetector)]
    out += [_SecretPattern("AWS_KEY", aws[0]), _SecretPattern("AWS_KEY", aws[1], group=1, extend=False)]
    out += [_SecretPattern("AWS_KEY", p, group=1, extend=False) for p in _patterns(AwsSecretInTextDetector)]
    out += [_SecretPattern("AWS_KEY", p, extend=False) for p in _patterns(AwsSessionTokenDetector)]
    out += [_SecretPattern("STRIPE_KEY", p) for p in _patterns(StripeAnyKeyDetector) + _patterns(StripeDetector)]
    out += [
        _SecretPattern("GITHUB_TOKEN", p)
        for p in _patterns(GitHubFineGrainedTokenDetector) + _patterns(GitHubTokenDetector)
    ]
    out += [_SecretPattern("GITLAB_TOKEN", p) for p in _patterns(GitLabTokenDetector)]
    out += [_SecretPattern("SLACK_TOKEN", p) for p in _patterns(SlackDetector)]
    out += [_SecretPattern("JWT", p, extend=False, check=_jwt_header_decodes) for p in _patterns(JwtDetector)]
    out += [_SecretPattern("SENDGRID_KEY", p) for p in _patterns(SendGridDetector)]
    out += [_SecretPattern("PYPI_TOKEN", p) for p in _patterns(PypiTokenDetector)]
    npm = _patterns(NpmAccessTokenDetector)
    out += [_SecretPattern("NPM_TOKEN", npm[0], extend=False), _SecretPattern("NPM_TOKEN", npm[1], 1, False)]
    out += [_SecretPattern("SQUARE_SECRET", p) for p in _patterns(SquareOAuthDetector)]
    out += [
        _SecretPattern("AZURE_KEY", p, extend=False, skip_prefix="AccountKey=")
        for p in _patterns(AzureStorageKeyDetector)
    ]
    out += [_SecretPattern("AZURE_KEY", p, group=1, extend=False) for p in _patterns(AzureSasSignatureDetector)]
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
    "GCP_TOKEN",
    "HUGGINGFACE_TOKEN",
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

# Literal anchors of the secret patterns above. Most strings of a trace hold none of them, and
# one search for all of them is far cheaper than running forty patterns on every string. They are
# compiled as a trie (``_trie_pattern``), because Python's regex engine tries every branch of a
# flat alternation at every position: the trie made this check four times faster, and the check
# made redaction of the benchmark's spans two to three times faster.
_ANCHOR_WORDS = (
    "sk-", "T3BlbkFJ", "AIza", "A3T", "ABIA", "ACCA", "AKIA", "ASIA", "AC", "SK", "aws", "AWS", "Aws",
    "k_live_", "k_test_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glft-",
    "glsoat-", "glrt-", "glcbt-", "glimt-", "glptt-", "glagent-", "gloas-", "GR1348941", "xox", "XOX", "Xox",
    "hooks.slack.com", "eyJ", "SG.", "pypi-", "_authToken", "npm_", "hf_", "api_org_", "ya29.", "FwoGZXIvYXdz",
    "IQoJb3JpZ2lu", "sig=", "sq0csp-", "AccountKey=", "-us", "://",
    "password", "Password", "PASSWORD", "passwd", "Passwd", "pwd", "Pwd", "PWD", "bearer", "Bearer", "BEARER",
    "basic", "Basic", "BASIC", "PRIVATE KEY", "PuTTY-User-Key-File",
)  # fmt: skip
# Discord and Telegram tokens have no literal part: their own cheapest distinctive pieces instead
# (measured separately: one alternation of both cost more than the two searches).
_DISCORD_HINT = re.compile(r"\.[a-zA-Z\d_\-]{6}\.[a-zA-Z\d_\-]{27}")
_TELEGRAM_HINT = re.compile(r"\d{8,10}:[0-9A-Za-z_\-]{35}")
# The credential names of ``_CREDENTIAL_NAME``, any case: a cheap gate before the full pattern.
_CREDENTIAL_HINT = re.compile(r"(?i)pass|pwd|secret|api[_\-]?key|token|private[_\-]?key")
# A word each alternative of ``_CREDENTIAL_HINT`` contains. A case-insensitive match of a word is,
# character by character, the word once case-folded (``ſ`` and the Kelvin sign ``K`` included:
# tests/unit/privacy/test_prefilter.py checks every code point), so a text whose case-folded form
# holds none of them has no match. Fifteen times cheaper than the pattern on the benchmark's text.
_CREDENTIAL_WORDS = ("pass", "pwd", "secret", "key", "token")


def _may_name_credential(text: str) -> bool:
    """Whether ``text`` can hold a credential name (``_CREDENTIAL_HINT``): the pre-filter, then the gate."""
    folded = text.casefold()
    return any(word in folded for word in _CREDENTIAL_WORDS) and _CREDENTIAL_HINT.search(text) is not None


def _may_hold_telegram_token(text: str) -> bool:
    """``_TELEGRAM_HINT`` has a literal ``:``: most text has none, and ``in`` is far cheaper than the pattern."""
    return ":" in text and _TELEGRAM_HINT.search(text) is not None


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


class SecretDetector:
    """All secret patterns, credential-named values, and private-key blocks."""

    kinds = SECRET_KINDS

    def __init__(self, disabled: set[str]) -> None:
        self._patterns = [p for p in _secret_patterns() if p.kind not in disabled]
        self._private_keys = "PRIVATE_KEY" not in disabled
        self._named = {"PASSWORD", "SECRET", "AWS_KEY"} - disabled
        self._headers = _patterns(PrivateKeyDetector)

    def find(self, text: str, has_digits: bool = True) -> Iterator[Finding]:
        # A Telegram token starts with eight digits: without two digits close together there is none.
        if (
            _SECRET_ANCHORS.search(text)
            or _DISCORD_HINT.search(text)
            or (has_digits and _may_hold_telegram_token(text))
        ):
            yield from self._patterned(text)
        # Last, so that where both find the same value the provider's kind wins (ties keep order).
        if self._named and _may_name_credential(text):
            yield from self._named_values(text)

    def _patterned(self, text: str) -> Iterator[Finding]:
        if self._private_keys and ("PRIVATE KEY" in text or "PuTTY-User-Key-File" in text):
            yield from self._private_key_blocks(text)
        for pattern in self._patterns:
            covered = -1  # the end of the last match's extension: later matches inside it are the same token
            for match in pattern.regex.finditer(text):
                start, end = match.span(pattern.group)
                if start < 0 or end <= start or start < covered:
                    continue
                if pattern.skip_prefix and text.startswith(pattern.skip_prefix, start):
                    start += len(pattern.skip_prefix)
                if pattern.extend:
                    tail = _TOKEN_CHARS.match(text, end)
                    end = tail.end() if tail else end
                    covered = end
                value = text[start:end]
                if pattern.check is not None and not pattern.check(value):
                    continue
                yield Finding(pattern.kind, start, end, value)

    def _named_values(self, text: str) -> Iterator[Finding]:
        for match in _CREDENTIAL_NAME.finditer(text):
            value = match.group(2)
            if value.lower() in _NOT_A_SECRET or value.strip("*•xX.") == "":
                continue  # a flag, a null, or masked by the producer (****)
            kind = _credential_kind(match.group(1))
            if kind in self._named:
                yield Finding(kind, match.start(2), match.end(2), value)

    def _private_key_blocks(self, text: str) -> Iterator[Finding]:
        """Each PEM block from its BEGIN line to its END line (or to the end of the string when cut off).

        One sweep over the headers in order, each looking up the next END line by bisection: a
        text of many headers without an END line costs one pass, not one pass per header.
        """
        headers = sorted(m.span() for header in self._headers for m in header.finditer(text))
        ends = [m.end() for m in _PEM_END.finditer(text)]
        block_end = -1
        for header_start, header_end in headers:
            if header_start < block_end:
                continue  # inside the block found before (a block cut off runs to the end)
            begin = _PEM_BEGIN.search(text, max(header_start - 20, 0), header_end + 5)
            start = begin.start() if begin is not None and begin.start() <= header_start else header_start
            index = bisect.bisect_left(ends, header_end)
            block_end = ends[index] if index < len(ends) else len(text)
            yield Finding("PRIVATE_KEY", start, block_end, text[start:block_end])
