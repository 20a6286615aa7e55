"""A seeded corpus of clean trace text: strings that look like data but hold nothing to redact.

Generated, like the seeded secrets, so the corpus is large and varied without a file of fixtures:
order and ticket numbers, versions (three- and four-part), UUIDs, hashes, prices, tracking
numbers, ARNs, URLs, image asset names (``logo@2x.png``), slugs that start like key prefixes,
timestamps, model and SDK parameters, and plain prose. The false-positive rate is the share of
these strings that redaction changes.
"""

from __future__ import annotations

import hashlib
import random
import string
import uuid
from collections.abc import Callable

_WORDS = (
    "the", "customer", "asked", "about", "a", "refund", "for", "the", "blue", "jacket", "order", "and", "the",
    "agent", "checked", "the", "policy", "before", "answering", "that", "returns", "are", "free", "within",
    "thirty", "days", "when", "the", "item", "is", "unused", "and", "in", "its", "box", "we", "also", "offered",
    "a", "discount", "code", "for", "the", "next", "purchase", "because", "the", "delivery", "was", "late", "by",
    "two", "days", "the", "model", "summarized", "the", "thread", "and", "proposed", "a", "polite", "reply",
    "with", "the", "tracking", "link", "and", "the", "expected", "date",
)  # fmt: skip


def _prose(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice(string.digits) for _ in range(n - 1))


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _slug(rng: random.Random) -> str:
    return "-".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 6)))


def _version(rng: random.Random, parts: int) -> str:
    return ".".join(str(rng.randint(0, 20)) for _ in range(parts))


_GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "order number": lambda r: rng_choice(
        r,
        [
            f"order {_digits(r, 10)} shipped",
            f"Order #{_digits(r, 10)} is on its way",
            f"order no. {_digits(r, 10)}",
            f"NW-{_digits(r, 7)} refunded",
            f"invoice {_digits(r, 12)} paid",
            f"ticket #{_digits(r, 10)} closed",
            f"reference {_digits(r, 16)}",
            f"ref: {_digits(r, 16)}",
            f"transaction id {_digits(r, 16)}",
            f"booking confirmation {_digits(r, 10)}",
        ],
    ),
    "version": lambda r: rng_choice(
        r,
        [
            f"version {_version(r, 3)}",
            f"version {_version(r, 4)}",
            f"v{_version(r, 4)}",
            f"sdk {_version(r, 4)} on python 3.11.7",
            f"build {_version(r, 4)}",
            f"release {_version(r, 4)} is out",
            f"requests=={_version(r, 4)}",
            f"Mozilla/5.0 Chrome/{_version(r, 4)} Safari/537.36",
            f"firmware {_version(r, 4)}",
            f"openai {_version(r, 3)}, langchain {_version(r, 3)}",
        ],
    ),
    "uuid": lambda r: f"request {uuid.UUID(int=r.getrandbits(128), version=4)} done",
    "hash": lambda r: rng_choice(
        r,
        [
            f"sha256 {hashlib.sha256(r.randbytes(8)).hexdigest()}",
            f"md5: {hashlib.md5(r.randbytes(8)).hexdigest()}",
            f"commit {hashlib.sha1(r.randbytes(8)).hexdigest()}",
            f"image@sha256:{hashlib.sha256(r.randbytes(8)).hexdigest()}",
            f"trace {_hex(r, 32)} span {_hex(r, 16)}",
        ],
    ),
    "price": lambda r: rng_choice(
        r,
        [
            f"${r.randint(1, 9999)}.{r.randint(0, 99):02d}",
            f"total {r.randint(1, 99)},{r.randint(100, 999)}.{r.randint(0, 99):02d} EUR",
            f"€ {r.randint(1, 999)},{r.randint(0, 99):02d}",
            f"refund of {r.randint(1000, 99999999)} cents",
            f"amount={r.randint(1, 9999999)}.{r.randint(0, 99):02d}",
        ],
    ),
    "tracking number": lambda r: rng_choice(
        r,
        [
            f"UPS 1Z{''.join(r.choice(string.ascii_uppercase + string.digits) for _ in range(16))}",
            f"tracking {_digits(r, 12)}",
            f"tracking number {_digits(r, 22)}",
            f"USPS {_digits(r, 4)} {_digits(r, 4)} {_digits(r, 4)} {_digits(r, 4)} {_digits(r, 4)} {_digits(r, 2)}",
            f"parcel {_digits(r, 14)}",
        ],
    ),
    "arn": lambda r: rng_choice(
        r,
        [
            f"arn:aws:iam::{_digits(r, 12)}:role/{_slug(r)}",
            f"arn:aws:lambda:eu-west-1:{_digits(r, 12)}:function:{_slug(r)}",
            f"arn:aws:s3:::{_slug(r)}",
            f"arn:aws:sqs:us-east-1:{_digits(r, 12)}:orders",
        ],
    ),
    "url": lambda r: rng_choice(
        r,
        [
            f"https://api.example.com/v1/orders/{_digits(r, 10)}?page={r.randint(1, 9)}",
            f"https://shop.example.com/products/{_slug(r)}",
            f"https://cdn.example.com/img/logo@{r.randint(2, 3)}x.png",
            f"http://localhost:{r.randint(1024, 65535)}/health",
            f"https://docs.example.com/guide#{_slug(r)}",
            f"https://example.com/search?q={_slug(r).replace('-', '+')}&sort=price",
        ],
    ),
    "asset name": lambda r: rng_choice(
        r, [f"logo@{r.randint(2, 3)}x.png", f"icon-{_slug(r)}@2x.webp", "hero@3x.jpg", "sprite@2x.svg"]
    ),
    "slug": lambda r: rng_choice(
        r,
        [
            f"sk-{_slug(r)}",
            f"sk-admin-{_slug(r)}-settings",
            f"sk-proj-{_slug(r)}-notes",
            f"hf_{_slug(r).replace('-', '_')}",
            f"npm_{_slug(r).replace('-', '_')}",
            f"/blog/{_slug(r)}-{r.randint(2000, 2030)}",
        ],
    ),
    "time": lambda r: rng_choice(
        r,
        [
            f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00Z",
            f"started {_digits(r, 19)} ended {_digits(r, 19)} (ns)",
            f"ts={_digits(r, 13)}",
            f"took {r.randint(1, 9999)} ms",
            f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
        ],
    ),
    "parameters": lambda r: rng_choice(
        r,
        [
            f"max_tokens: {r.randint(1, 8192)}",
            f"temperature={r.random():.2f}",
            f"gen_ai.usage.input_tokens={_digits(r, 10)}",
            f"model gpt-4o-2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            "password_reset_url: https://shop.example.com/reset",
            "api_key_name: production",
            "secret: true",
            "token_count: 123",
            f"port {r.randint(1, 65535)}",
        ],
    ),
    "prose": _prose,
    "code": lambda r: rng_choice(
        r,
        [
            f"SELECT * FROM orders WHERE id = {_digits(r, 10)}",
            "for (int i = 0; i < n; i++) { total += price[i]; }",
            'File "/app/handlers/refund.py", line 42, in handle',
            "std::vector<int> v; v.push_back(3);",
            f"ratio {r.randint(1, 9)}:{r.randint(1, 9)} and C++ std::map",
            f"isbn 978-{r.randint(0, 9)}-{_digits(r, 2)}-{_digits(r, 6)}-{r.randint(0, 9)}",
            f"coordinates {r.uniform(-90, 90):.4f}, {r.uniform(-180, 180):.4f}",
        ],
    ),
}


def rng_choice(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options)


def clean_corpus(seed: int = 16, per_category: int = 150) -> list[tuple[str, str]]:
    """(category, text) pairs: ``per_category`` strings of each category."""
    rng = random.Random(seed)
    return [(name, make(rng)) for name, make in _GENERATORS.items() for _ in range(per_category)]
