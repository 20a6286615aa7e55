"""The workspace's own model prices (``reviewdesk prices``, the Prices dialog) and what they change.

A price set here wins over the bundled table for that model in every cost estimate; setting or
removing one re-estimates the stored cases whose traces record no cost (a recorded cost is never
touched), and the change goes to the audit log like every settings change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.prices import ModelPrice, PriceBook
from reviewdesk.normalize import table_version
from reviewdesk.services import audit, cost_estimates
from reviewdesk.services.workspace import Workspace
from reviewdesk.storage import governance


@dataclass(frozen=True, slots=True)
class PriceChange:
    """The prices after a change, and how many stored cases were re-estimated with them."""

    prices: PriceBook
    reestimated: int


def get_prices(workspace: Workspace) -> PriceBook:
    """The workspace's prices (none until someone sets one)."""
    with workspace.engine.connect() as conn:
        return cost_estimates.load_prices(conn)


def table() -> str:
    """The bundled price table and its version, for ``prices show`` and the dialog."""
    return table_version()


def set_price(
    workspace: Workspace,
    model: str,
    *,
    input_per_mtok: float,
    output_per_mtok: float,
    cached_input_per_mtok: float | None = None,
    actor: str | None = None,
) -> PriceChange:
    """Price ``model`` (US dollars per million tokens) in this workspace; refused with the reason
    when a price is negative or not a number, before anything is written."""
    name = model.strip()
    if not name:
        raise UsageError("prices not changed: name the model, e.g. gpt-4o-mini")
    try:
        price = ModelPrice(input=input_per_mtok, output=output_per_mtok, cached_input=cached_input_per_mtok)
    except ValidationError as exc:
        reasons = "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())
        raise UsageError(f"prices not changed: {reasons}") from None
    return _change(workspace, lambda models: {**models, name: price}, actor=actor)


def unset_price(workspace: Workspace, model: str, *, actor: str | None = None) -> PriceChange:
    """Remove the workspace's price of ``model``: the bundled table prices it again."""
    current = get_prices(workspace)
    name = next((m for m in current.models if m.lower() == model.strip().lower()), None)
    if name is None:
        listed = ", ".join(sorted(current.models)) or "none"
        raise UsageError(f"no workspace price for {model!r} (workspace prices: {listed})")
    return _change(workspace, lambda models: {k: v for k, v in models.items() if k != name}, actor=actor)


def _change(
    workspace: Workspace, change: Callable[[dict[str, ModelPrice]], dict[str, ModelPrice]], *, actor: str | None
) -> PriceChange:
    if workspace.read_only:
        raise UsageError(f"prices not changed: the workspace is read-only ({workspace.read_only_reason})")
    with workspace.engine.begin() as conn:
        before = cost_estimates.load_prices(conn)
        after = PriceBook(models=change(dict(before.models)), changed_at=datetime.now(UTC))
        governance.put_setting(conn, cost_estimates.PRICES_KEY, after.model_dump(mode="json"), datetime.now(UTC))
        audit.record(
            workspace,
            "settings",
            cost_estimates.PRICES_KEY,
            {"before": before.model_dump(mode="json"), "after": after.model_dump(mode="json")},
            conn=conn,
            actor=actor,
        )
    return PriceChange(after, cost_estimates.refresh_estimates(workspace.engine, after))
