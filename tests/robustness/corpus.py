"""A seeded corpus of secrets and personal data, generated rather than stored.

Every value is made at run time from a seed, valid by its kind's own rules (Luhn, IBAN mod 97,
libphonenumber, JWT structure, the providers' key formats), and unique enough that finding it in
a file's bytes can only mean it leaked. None is stored literally in the repository: secret
scanners would (rightly) flag a file of keys, and the tests must prove we redact what a scanner
would find.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum import luhn

_ALNUM = string.ascii_letters + string.digits
_UPPER_DIGITS = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Seeded:
    """One sensitive value, the kind it must be redacted as, and a sentence carrying it."""

    kind: str
    value: str
    sentence: str
    needles: tuple[str, ...]
    """Byte strings that must not appear anywhere afterwards: the value and its other spellings."""
    structured: Any = None
    """Where the value is not text but a JSON structure (an STS response, a phone stored as an
    integer): the attribute value to place; ``sentence`` is then its JSON."""
    name: str = ""
    """What the variant tests (``EMAIL url-encoded``); the kind when empty."""

    @property
    def label(self) -> str:
        return self.name or self.kind


def _word(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _card(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    return body + luhn.calc_check_digit(body)


def _iban(rng: random.Random) -> str:
    bban = "37040044" + "".join(rng.choice(string.digits) for _ in range(10))  # German: bank code + account
    check = stdnum_iban.calc_check_digits("DE00" + bban)
    return f"DE{check}{bban}"


def _phone(rng: random.Random, template: str, region: str) -> str:
    for _ in range(1000):
        number = "".join(rng.choice(string.digits) if c == "#" else c for c in template)
        parsed = phonenumbers.parse(number, region)
        if phonenumbers.is_valid_number(parsed):
            return number
    raise RuntimeError(f"no valid number for {template}")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def corpus(seed: int = 7) -> list[Seeded]:
    """At least one value of each of the 18 kinds below, all distinct."""
    rng = random.Random(seed)
    tag = _word(rng, 6, string.ascii_lowercase)
    email = f"zq{tag}.customer@{_word(rng, 7, string.ascii_lowercase)}.example.org"
    phone_uk = _phone(rng, "+44 20 7### ####", "GB")
    phone_us = _phone(rng, "(415) ###-####", "US")
    visa = _card(rng, "4", 16)
    amex = _card(rng, "37", 15)
    iban = _iban(rng)
    ipv4 = f"203.0.113.{rng.randint(2, 250)}"
    ipv6 = f"2001:db8:{rng.randint(1, 0xFFFF):x}::{rng.randint(1, 0xFFFF):x}"
    aws = "AKIA" + _word(rng, 16, _UPPER_DIGITS)
    pem_body = base64.b64encode(rng.randbytes(96)).decode()
    private_key = (
        "-----BEGIN RSA PRIVATE KEY-----\n"
        + "\n".join(pem_body[i : i + 64] for i in range(0, len(pem_body), 64))
        + "\n-----END RSA PRIVATE KEY-----"
    )
    jwt = ".".join(
        [
            _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()),
            _b64url(json.dumps({"sub": _word(rng, 10), "name": "Jo"}).encode()),
            _b64url(rng.randbytes(32)),
        ]
    )
    openai = "sk-proj-" + _word(rng, 40) + "T3BlbkFJ" + _word(rng, 20)
    anthropic = "sk-ant-api03-" + _word(rng, 93, _ALNUM + "-_") + "AA"
    google = "AIza" + _word(rng, 35, _ALNUM + "-_")
    stripe = "sk_" + "live_" + _word(rng, 24)
    github = "ghp_" + _word(rng, 36)
    slack = "xoxb-" + _word(rng, 12, string.digits) + "-" + _word(rng, 13, string.digits) + "-" + _word(rng, 24)
    url_password = "pw" + _word(rng, 14)
    conn_password = "Cp" + _word(rng, 12) + "!9"
    bearer = _word(rng, 40, _ALNUM + "-._")

    def digits(text: str) -> str:
        return "".join(c for c in text if c.isdigit())

    return [
        Seeded("EMAIL", email, f"Please write to {email} about the refund.", (email, email.upper(), f"zq{tag}")),
        Seeded("PHONE", phone_uk, f"Call me on {phone_uk} after six.", (phone_uk, digits(phone_uk))),
        Seeded("PHONE", phone_us, f"My cell is {phone_us}.", (phone_us, "1" + digits(phone_us))),
        Seeded(
            "CARD",
            visa,
            f"Charge card {visa[:4]} {visa[4:8]} {visa[8:12]} {visa[12:]} exp 12/29.",
            (visa, f"{visa[:4]} {visa[4:8]} {visa[8:12]} {visa[12:]}"),
        ),
        Seeded("CARD", amex, f"Amex {amex}", (amex,)),
        Seeded(
            "IBAN",
            iban,
            "Refund to IBAN " + " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)) + " please",
            (iban, " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))),
        ),
        Seeded("IP_ADDRESS", ipv4, f"client connected from {ipv4}:443", (ipv4,)),
        Seeded("IP_ADDRESS", ipv6, f"peer {ipv6} refused", (ipv6,)),
        Seeded("AWS_KEY", aws, f"aws_access_key_id={aws}", (aws,)),
        Seeded("PRIVATE_KEY", private_key, f"key:\n{private_key}\n", (pem_body[:40], pem_body[-40:])),
        Seeded("JWT", jwt, f"token {jwt} expired", (jwt, jwt.split(".")[2])),
        Seeded("OPENAI_KEY", openai, f"OPENAI_API_KEY is {openai}", (openai, openai[8:40])),
        Seeded("ANTHROPIC_KEY", anthropic, f"using {anthropic} for claude", (anthropic, anthropic[14:60])),
        Seeded("GOOGLE_API_KEY", google, f"maps key {google}", (google,)),
        Seeded("STRIPE_KEY", stripe, f"stripe.api_key = '{stripe}'", (stripe, stripe[8:])),
        Seeded("GITHUB_TOKEN", github, f"git clone https://{github}@github.com/acme/app", (github, github[4:])),
        Seeded("SLACK_TOKEN", slack, f"SLACK_BOT_TOKEN={slack}", (slack, slack.split("-")[-1])),
        Seeded(
            "PASSWORD",
            url_password,
            f"DATABASE_URL=postgres://app:{url_password}@db.internal.example:5432/orders",
            (url_password,),
        ),
        Seeded(
            "PASSWORD",
            conn_password,
            f"Server=tcp:sql.example.net;Database=crm;User ID=svc;Password={conn_password};Encrypt=True",
            (conn_password,),
        ),
        Seeded("SECRET", bearer, f"Authorization: Bearer {bearer}", (bearer,)),
    ]


def kinds(values: list[Seeded]) -> set[str]:
    return {v.kind for v in values}


def _html_escape_all(text: str, hexadecimal: bool = False) -> str:
    return "".join(f"&#x{ord(c):x};" if hexadecimal else f"&#{ord(c)};" for c in text)


def variants(seed: int = 7) -> list[Seeded]:
    """The encodings and kinds of issue 16: values hidden behind escapes, and kinds once missed.

    Each needle is a piece of the value that can only be there if the value leaked, in every
    spelling the variant uses (encoded and decoded).
    """
    rng = random.Random(seed * 7919 + 16)
    out: list[Seeded] = []

    def add(name: str, kind: str, sentence: str, needles: tuple[str, ...], structured: Any = None) -> None:
        out.append(Seeded(kind, needles[0], sentence, needles, structured, name))

    def tag() -> str:
        return "zq" + _word(rng, 7, string.ascii_lowercase)

    def mail() -> tuple[str, str]:
        t = tag()
        return t, f"{t}.buyer@{_word(rng, 6, string.ascii_lowercase)}.example.com"

    def visa() -> str:
        return _card(rng, "4", 16)

    def grouped(card: str, sep: str = " ") -> str:
        return sep.join(card[i : i + 4] for i in range(0, len(card), 4))

    # -- JSON-encoded text ------------------------------------------------------------------
    card = visa()
    add(
        "CARD json.dumps of text",
        "CARD",
        json.dumps(f"Order notes:\n{grouped(card)}\nthanks"),
        (card[4:], grouped(card)[5:]),
    )
    card = visa()
    add(
        "CARD JSON after a prefix",
        "CARD",
        "Tool result: " + json.dumps({"note": f"pay with\n{grouped(card)}"}),
        (card[4:], grouped(card)[5:]),
    )
    phone = _phone(rng, "+44 20 7### ####", "GB")
    add(
        "PHONE truncated JSON",
        "PHONE",
        json.dumps({"messages": [{"role": "user", "content": f"call me\n{phone} tonight please"}]})[:-12],
        (phone, phone.replace(" ", "")),
    )
    t, email = mail()
    add("EMAIL JSON of JSON", "EMAIL", json.dumps(json.dumps({"to": email.replace("@", "\u0040")})), (t,))
    t, email = mail()
    add("EMAIL \\u0040 in text", "EMAIL", f"reply to {email.replace('@', chr(92) + 'u0040')} today", (t,))
    anthropic = "sk-ant-api03-" + _word(rng, 93, _ALNUM + "-_") + "AA"
    add("ANTHROPIC_KEY JSON-escaped", "ANTHROPIC_KEY", json.dumps(json.dumps({"key": anthropic})), (anthropic[14:60],))
    bearer = _word(rng, 40, _ALNUM + "-._")
    add(
        "SECRET bearer JSON-escaped",
        "SECRET",
        json.dumps({"headers": "Authorization: Bearer " + bearer})[:-2],
        (bearer,),
    )
    # -- URL encoding ---------------------------------------------------------------------------
    t, email = mail()
    add("EMAIL url-encoded", "EMAIL", f"GET /lookup?email={quote(email)} returned 404", (t,))
    t, email = mail()
    add("EMAIL url-encoded upper", "EMAIL", f"error: user {quote(email.upper())} not found", (t.upper(), t))
    phone = _phone(rng, "+44 20 7### ####", "GB")
    add(
        "PHONE url-encoded",
        "PHONE",
        f"/sms?to={quote(phone, safe='')}",
        (phone.replace(" ", "")[3:], quote(phone, safe="")),
    )
    password = "Pw" + _word(rng, 14)
    add("PASSWORD url-encoded query", "PASSWORD", "POST body: user%3Dana%26password%3D" + password, (password,))
    github = "ghp_" + _word(rng, 36)
    add(
        "GITHUB_TOKEN url-encoded",
        "GITHUB_TOKEN",
        "redirect=" + quote(f"https://x.example/?t={github}", safe=""),
        (github[4:],),
    )
    t, email = mail()
    add("EMAIL in a tool error (the demo's)", "EMAIL", f"HTTP 409 for /customers/{quote(email)}: already exists", (t,))
    # -- HTML -------------------------------------------------------------------------------------
    t, email = mail()
    add("EMAIL html decimal entity", "EMAIL", "<p>" + email.replace("@", "&#64;") + "</p>", (t,))
    t, email = mail()
    add("EMAIL html hex entity", "EMAIL", "<a>" + email.replace("@", "&#x40;") + "</a>", (t,))
    t, email = mail()
    add("EMAIL html named entity", "EMAIL", "mail: " + email.replace("@", "&commat;").replace(".", "&period;"), (t,))
    t, email = mail()
    add("EMAIL fully entity-encoded", "EMAIL", "<b>" + _html_escape_all(email) + "</b>", (_html_escape_all(t), t))
    ipv4 = f"198.51.100.{rng.randint(2, 250)}"
    add(
        "IP_ADDRESS html",
        "IP_ADDRESS",
        "<td>" + ipv4.replace(".", "&#46;") + "</td>",
        (ipv4, ipv4.replace(".", "&#46;")),
    )
    slack = "xoxb-" + _word(rng, 12, string.digits) + "-" + _word(rng, 13, string.digits) + "-" + _word(rng, 24)
    add("SLACK_TOKEN html", "SLACK_TOKEN", f"<code>{slack}</code>&nbsp;", (slack.split("-")[-1],))
    # -- JWTs -------------------------------------------------------------------------------------
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    body = _word(rng, 40, _ALNUM)  # not base64 of JSON
    signature = _word(rng, 43, _ALNUM + "-_")
    jwt = f"{header}.{body}.{signature}"
    add("JWT body does not decode", "JWT", f"id_token was {jwt} (expired)", (body, signature))
    jwt2 = f"{header}.{_word(rng, 30, _ALNUM)}"
    add("JWT cut after the body", "JWT", f"token={jwt2}", (jwt2.split(".")[1],))
    # -- kinds once missed --------------------------------------------------------------------------
    secret_key = _word(rng, 40, _ALNUM + "/+")
    session = "IQoJb3JpZ2luX2Vj" + _word(rng, 300, _ALNUM + "/+")
    sts = {
        "Credentials": {
            "AccessKeyId": "ASIA" + _word(rng, 16, _UPPER_DIGITS),
            "SecretAccessKey": secret_key,
            "SessionToken": session,
            "Expiration": "2026-12-02T15:00:00Z",
        }
    }
    add(
        "AWS_KEY STS response (JSON)",
        "AWS_KEY",
        json.dumps(sts),
        (secret_key, session[16:80], sts["Credentials"]["AccessKeyId"]),
        sts,
    )
    secret_key = _word(rng, 40, _ALNUM + "/+")
    add(
        "AWS_KEY STS response (text)",
        "AWS_KEY",
        "aws sts said: " + json.dumps({"SecretAccessKey": secret_key})[:-1],
        (secret_key,),
    )
    secret_key = _word(rng, 40, _ALNUM + "/+")
    add("AWS_KEY credentials file", "AWS_KEY", f"[default]\naws_secret_access_key = {secret_key}\n", (secret_key,))
    session = "FwoGZXIvYXdzE" + _word(rng, 200, _ALNUM + "/+")
    add("AWS_KEY session token", "AWS_KEY", f"export AWS_SESSION_TOKEN={session}", (session[13:80],))
    npm = "npm_" + _word(rng, 36)
    add("NPM_TOKEN", "NPM_TOKEN", f"publishing with {npm}", (npm[4:],))
    hf = "hf_" + _word(rng, 34)
    add("HUGGINGFACE_TOKEN", "HUGGINGFACE_TOKEN", f"HF_TOKEN={hf} set", (hf[3:],))
    gcp = "ya29." + _word(rng, 120, _ALNUM + "-_")
    add("GCP_TOKEN", "GCP_TOKEN", f"gcloud token: {gcp}", (gcp[5:60],))
    azure = _word(rng, 32, "0123456789abcdef")
    add("SECRET azure api-key header", "SECRET", f"api-key: {azure}", (azure,))
    sas = quote(base64.b64encode(rng.randbytes(32)).decode(), safe="")
    add(
        "AZURE_KEY SAS sig=",
        "AZURE_KEY",
        f"https://acct.blob.core.windows.net/c/f.txt?sv=2022-11-02&se=2026-12-31&sr=b&sp=r&sig={sas}",
        (sas[:30],),
    )
    password = "Hx" + _word(rng, 12)
    add("PASSWORD with a colon", "PASSWORD", f"login ana, password: {password}", (password,))
    password = "Db" + _word(rng, 12)
    add("PASSWORD camelCase in text", "PASSWORD", f"config dbPassword={password} loaded", (password,))
    password = "Cc" + _word(rng, 12)
    add(
        "SECRET camelCase key (JSON)",
        "SECRET",
        json.dumps({"dbPassword": password}),
        (password,),
        {"connection": {"dbPassword": password, "apiKey": "Ak" + password}},
    )
    t = "zq" + _word(rng, 5, "äöüßéñ")
    email = f"{t}@müller-straße.example.de"
    add("EMAIL non-ASCII", "EMAIL", f"Kontakt: {email}", (t, email))
    email = "\u7528\u6237" + _word(rng, 4, "\u4e00\u4e01\u4e03\u4e07") + "@\u4f8b\u5b50.\u4e2d\u56fd"
    add("EMAIL non-Latin script", "EMAIL", f"联系 {email} 谢谢", (email.split("@")[0],))
    phone = _phone(rng, "+44 20 7### ####", "GB")
    add("PHONE 0044", "PHONE", f"ring 00{phone[1:]} after 6", (phone[1:], phone.replace(" ", "")[1:]))
    phone = _phone(rng, "+44 20 7### ####", "GB")
    add(
        "PHONE NBSP",
        "PHONE",
        "tel " + phone.replace(" ", "\u00a0"),
        (phone.replace(" ", "\u00a0"), phone.replace(" ", "")),
    )
    phone = _phone(rng, "+44 20 7### ####", "GB")
    digits = phone.replace(" ", "").lstrip("+")
    add(
        "PHONE stored as an integer",
        "PHONE",
        json.dumps({"phone": int(digits)}),
        (digits,),
        {"customer": {"phone": int(digits)}},
    )
    phone = _phone(rng, "(415) ###-####", "US")
    bare = "".join(c for c in phone if c.isdigit())
    add("PHONE bare digits after call", "PHONE", f"please call {bare} tomorrow", (bare,))
    card = visa()
    add("CARD with dots", "CARD", f"card {grouped(card, '.')} exp 01/30", (card, grouped(card, ".")))
    card = visa()
    add("CARD with NBSP", "CARD", f"card {grouped(card, chr(0xA0))}", (card, grouped(card, chr(0xA0))))
    card = _card(rng, "51", 16)
    add("CARD stored as an integer", "CARD", json.dumps({"pan": int(card)}), (card,), {"payment": {"pan": int(card)}})
    iban = _iban(rng)
    add("IBAN lower case", "IBAN", f"iban {iban.lower()} please", (iban.lower(), iban))
    iban = _iban(rng)
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower()
    add("IBAN lower case grouped", "IBAN", f"to {spaced}.", (spaced, iban))
    ssn = f"{rng.randint(100, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
    add("US_SSN", "US_SSN", f"SSN {ssn} on file", (ssn, ssn.replace("-", "")))
    ssn = f"{rng.randint(100, 665)} {rng.randint(10, 99)} {rng.randint(1000, 9999)}"
    add("US_SSN with spaces", "US_SSN", f"social security number {ssn}", (ssn, ssn.replace(" ", "")))
    nino = rng.choice("ACEHJ") + rng.choice("ABCEH") + _word(rng, 6, string.digits) + rng.choice("ABCD")
    add("UK_NINO", "UK_NINO", f"NI number {nino}.", (nino,))
    nino = rng.choice("ACEHJ") + rng.choice("ABCEH") + _word(rng, 6, string.digits) + rng.choice("ABCD")
    spaced = f"{nino[:2]} {nino[2:4]} {nino[4:6]} {nino[6:8]} {nino[8]}"
    add("UK_NINO with spaces", "UK_NINO", f"NINO: {spaced}", (spaced, nino))
    pem_body = base64.b64encode(rng.randbytes(120)).decode()
    pem = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(pem_body[i : i + 64] for i in range(0, 128, 64))
    add("PRIVATE_KEY cut off", "PRIVATE_KEY", "key was " + pem, (pem_body[:40], pem_body[64:100]))
    return out


def seeded(seed: int = 7) -> list[Seeded]:
    """The corpus and its variants: every kind and encoding the tests plant."""
    return corpus(seed) + variants(seed)
