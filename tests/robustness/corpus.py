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
