"""Keeping stored cases' cost estimates current: after an upgrade, a new price table, or new prices.

A case built before estimates existed, or estimated with another version of the price table or
other workspace prices, is re-estimated from its stored spans by the same rule as an import
(``normalize.case_usage``); nothing else of the case changes, and a recorded cost is never touched.
The workspace remembers which prices its estimates were made with (``workspace_settings`` key
``prices.estimated_with``), so opening it re-estimates only when that changed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reviewdesk.domain.case import CASE_FORMAT_VERSION
from reviewdesk.domain.prices import PriceBook
from reviewdesk.normalize import case_usage, table_version
from reviewdesk.storage import governance, writes
from reviewdesk.storage.handles import Connection, Engine

PRICES_KEY = "prices"
ESTIMATED_WITH_KEY = "prices.estimated_with"
_PAGE = 500


def load_prices(conn: Connection) -> PriceBook:
    """The workspace's own prices (none until someone sets one)."""
    stored = governance.get_setting(conn, PRICES_KEY)
    return PriceBook.model_validate(stored) if stored is not None else PriceBook()


def estimated_with(prices: PriceBook) -> str:
    """What the estimates depend on: the table's version and when the workspace's prices changed."""
    changed = prices.changed_at.isoformat() if prices.changed_at is not None else "-"
    return f"{table_version()}; workspace prices {changed}; case format {CASE_FORMAT_VERSION}"


def refresh_if_outdated(engine: Engine) -> int:
    """Re-estimate every estimated case when the prices changed since the last estimates (or the
    workspace predates them); the number of cases re-estimated."""
    with engine.connect() as conn:
        prices = load_prices(conn)
        current = estimated_with(prices)
        if governance.get_setting(conn, ESTIMATED_WITH_KEY) == current:
            return 0
    return refresh_estimates(engine, prices)


def refresh_estimates(engine: Engine, prices: PriceBook) -> int:
    """Re-estimate the cost of every case whose trace records none, page by page (each page one
    transaction, so an interruption leaves every case either as it was or re-estimated)."""
    done = 0
    after = 0
    while True:
        with engine.begin() as conn:
            page = writes.cases_without_recorded_cost(conn, after_rowid=after, limit=_PAGE)
            if not page:
                governance.put_setting(conn, ESTIMATED_WITH_KEY, estimated_with(prices), datetime.now(UTC))
                return done
            spans = writes.load_spans(conn, [trace_rowid for _, trace_rowid, _ in page])
            updates = []
            for case_rowid, trace_rowid, data in page:
                trace_spans = spans.get(trace_rowid)
                if trace_spans:
                    updated = _with_estimate(data, case_usage(trace_spans, prices).model_dump(mode="json"))
                    updates.append((case_rowid, updated, (updated["usage"].get("cost_estimate") or {}).get("usd")))
            writes.set_case_usage(conn, updates)
            done += len(updates)
            after = page[-1][0]


def _with_estimate(data: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
    """The stored case with the new estimate (and the token details it lacked), else unchanged."""
    stored = dict(data.get("usage") or {})
    stored["cost_estimate"] = usage.get("cost_estimate")
    for key in ("cached_input_tokens", "reasoning_tokens"):
        if stored.get(key) is None:
            stored[key] = usage.get(key)
    return {**data, "usage": stored, "format_version": max(int(data.get("format_version") or 1), CASE_FORMAT_VERSION)}
