"""``reviewdesk prices``: the workspace's own model prices for cost estimates.

Traces that record no cost get an estimate from list prices: the bundled genai-prices table,
unless the workspace sets its own price for a model (a negotiated rate, a fine-tuned or local
model the table does not know). Prices are US dollars per million tokens; setting or removing one
re-estimates the stored cases whose traces record no cost. A recorded cost is never replaced.

    reviewdesk prices [show] [--json]                         the workspace's prices and the table version
    reviewdesk prices set MODEL --input 0.15 --output 0.60 [--cached-input 0.075]
    reviewdesk prices unset MODEL
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.cli.commands.common import workspace
from reviewdesk.cli.render import safe
from reviewdesk.domain.prices import PriceBook
from reviewdesk.services import prices


def register(sub: Any) -> None:
    p = sub.add_parser(
        "prices",
        help="the workspace's model prices for estimated costs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(run=run, action="show", json=False)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    show = actions.add_parser("show", help="the workspace's prices and the price table's version (the default)")
    show.add_argument("--json", action="store_true")
    set_ = actions.add_parser("set", help="price a model in this workspace (dollars per million tokens)")
    set_.add_argument("model", help="model name as the traces spell it, e.g. gpt-4o-mini")
    set_.add_argument("--input", type=float, required=True, metavar="USD", help="per million input tokens")
    set_.add_argument("--output", type=float, required=True, metavar="USD", help="per million output tokens")
    set_.add_argument(
        "--cached-input", type=float, metavar="USD", help="per million cached input tokens (default: --input)"
    )
    unset = actions.add_parser("unset", help="remove a model's workspace price (the table prices it again)")
    unset.add_argument("model")


def run(args: argparse.Namespace) -> int:
    ws = workspace(args)
    try:
        if args.action == "set":
            change = prices.set_price(
                ws,
                args.model,
                input_per_mtok=args.input,
                output_per_mtok=args.output,
                cached_input_per_mtok=args.cached_input,
            )
            print(f"{safe(args.model)}: price set; {change.reestimated} case(s) re-estimated")
            return 0
        if args.action == "unset":
            change = prices.unset_price(ws, args.model)
            print(f"{safe(args.model)}: workspace price removed; {change.reestimated} case(s) re-estimated")
            return 0
        book = prices.get_prices(ws)
    finally:
        ws.close()
    if args.json:
        print(json.dumps(_json(book), indent=2))
    else:
        print(_text(book))
    return 0


def _json(book: PriceBook) -> dict[str, Any]:
    return {
        "table": prices.table(),
        "changed_at": book.changed_at.isoformat() if book.changed_at else None,
        "models": {name: price.model_dump(mode="json") for name, price in sorted(book.models.items())},
    }


def _text(book: PriceBook) -> str:
    lines = [f"price table: {prices.table()} (models not listed below)"]
    if not book.models:
        lines.append("workspace prices: none (reviewdesk prices set MODEL --input USD --output USD)")
        return "\n".join(lines)
    changed = book.changed_at.strftime("%Y-%m-%d %H:%M UTC") if book.changed_at else "-"
    lines.append(f"workspace prices (USD per million tokens, changed {changed}):")
    width = max(len(name) for name in book.models)
    for name, price in sorted(book.models.items()):
        cached = "" if price.cached_input is None else f"   cached input {price.cached_input:g}"
        lines.append(f"  {safe(name).ljust(width)}   input {price.input:g}   output {price.output:g}{cached}")
    return "\n".join(lines)
