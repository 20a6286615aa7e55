"""Identifier types.

Integer primary keys of our own tables are ``*_rowid``; identifiers that come from the source
system (the trace bundle) are ``*_id``. Keeping the two apart in names and types stops the
classic bug of joining a trace id against a row id.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import UTC, datetime
from typing import NewType

TraceId = NewType("TraceId", str)
SpanId = NewType("SpanId", str)
CaseId = NewType("CaseId", str)

TraceRowId = NewType("TraceRowId", int)
SpanRowId = NewType("SpanRowId", int)
CaseRowId = NewType("CaseRowId", int)
ImportRowId = NewType("ImportRowId", int)

CASE_ID_LENGTH = 12


def normalize_hex_id(raw: str) -> str:
    """OTLP ids are case-insensitive hex; we store them lower-case so lookups are exact."""
    return raw.strip().lower()


def case_id_for_trace(trace_id: str) -> CaseId:
    """A short, stable case id derived from the trace id alone.

    Derived rather than random so that the same trace imported into two workspaces, or from two
    vendors' exports of it, gets the same case id; short so that people can type it.
    """
    digest = hashlib.sha256(trace_id.encode("utf-8")).hexdigest()
    return CaseId(digest[:CASE_ID_LENGTH])


# -- label event ids ---------------------------------------------------------------------------------

_UUID7_RANDOM_BITS = 74
_last_uuid7 = [0]  # the latest id made by this process (a list: mutable without ``global``)
_uuid7_lock = threading.Lock()


def _compose_uuid7(ms: int, rand: int) -> int:
    rand_a, rand_b = rand >> 62, rand & ((1 << 62) - 1)
    return (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b


def _split_uuid7(value: int) -> tuple[int, int]:
    return value >> 80, (((value >> 64) & 0xFFF) << 62) | (value & ((1 << 62) - 1))


def _format_uuid(value: int) -> str:
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def uuid7(at: datetime | None = None, *, after: str | None = None) -> str:
    """A UUIDv7 (RFC 9562) for a label event: 48 bits of Unix milliseconds, then random bits.

    The ids of label events are their identity across workspaces (the same event merged twice is
    stored once) and their order (a label is folded from its events in id order). So ids made in
    one process only grow — within a millisecond the random part counts up (RFC 9562 §6.2,
    method 2) — and ``after`` forces the new id past a given one (the latest event of a case,
    should the clock have gone back). ``at`` gives the time part (upgrades of old events).
    """
    moment = at or datetime.now(UTC)
    value = _compose_uuid7(int(moment.timestamp() * 1000), secrets.randbits(_UUID7_RANDOM_BITS))
    floors = [int(after.replace("-", ""), 16)] if after else []
    with _uuid7_lock:
        if at is None:
            floors.append(_last_uuid7[0])
        floor = max(floors, default=0)
        if value <= floor:
            ms, rand = _split_uuid7(floor)
            rand += 1
            if rand >> _UUID7_RANDOM_BITS:
                ms, rand = ms + 1, 0
            value = _compose_uuid7(ms, rand)
        if at is None:
            _last_uuid7[0] = value
    return _format_uuid(value)


def uuid7_time(event_id: str) -> datetime:
    """The time part of a UUIDv7, to the millisecond."""
    ms = int(event_id.replace("-", "")[:12], 16)
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
