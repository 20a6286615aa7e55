"""``reviewdesk schema case``: the JSON Schema of reviewdesk's public case format."""

from __future__ import annotations

import argparse
import json
from typing import Any

from reviewdesk.domain.case import Case


def register(sub: Any) -> None:
    p = sub.add_parser("schema", help="print a JSON Schema")
    p.add_argument("what", choices=["case"])
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    print(json.dumps(Case.model_json_schema(), indent=2, ensure_ascii=False))
    return 0
