"""``reviewdesk redaction``: the workspace's redaction rules and what imports redacted.

Redaction runs on every import unless turned off, replacing secrets and personal data with
placeholders such as ``[EMAIL_1]`` before anything is written (docs/privacy.md). The settings live
in the workspace, so everyone importing into it redacts the same way; changes are logged in the
audit log and apply to later imports only.

    reviewdesk redaction                          settings and totals
    reviewdesk redaction report [--json]          per file: how many values of each kind were replaced
    reviewdesk redaction-report                   the same
    reviewdesk redaction test "TEXT"              what the current rules make of TEXT (nothing is stored)
    reviewdesk redaction enable | disable
    reviewdesk redaction add-rule KIND REGEX      e.g. add-rule CUSTOMER_ID 'CUST-\\d{6}'
    reviewdesk redaction remove-rule KIND
    reviewdesk redaction allow VALUE [--pattern]  never redact VALUE (or values matching a pattern)
    reviewdesk redaction unallow VALUE [--pattern]
    reviewdesk redaction skip-kind KIND | unskip-kind KIND    e.g. skip-kind IP_ADDRESS
    reviewdesk redaction phone-regions US,DE      where numbers without +country code are read from
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from reviewdesk.cli import render
from reviewdesk.cli.commands.common import workspace
from reviewdesk.domain.errors import UsageError
from reviewdesk.privacy import RedactionSettings
from reviewdesk.services import redaction
from reviewdesk.services.import_records import redaction_counts


def register(sub: Any) -> None:
    p = sub.add_parser(
        "redaction",
        help="redaction rules of the workspace, and what imports redacted",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(run=run, action="show", json=False)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    report = actions.add_parser("report", help="per file: values replaced, by kind")
    report.add_argument("--json", action="store_true")
    actions.add_parser("show", help="settings and totals (the default)")
    test = actions.add_parser("test", help="show what the current rules make of a text")
    test.add_argument("text")
    actions.add_parser("enable", help="redact on import (the default)")
    actions.add_parser("disable", help="stop redacting later imports")
    add_rule = actions.add_parser("add-rule", help="add a pattern of your own")
    add_rule.add_argument("kind", help="placeholder kind, e.g. CUSTOMER_ID")
    add_rule.add_argument("pattern", help="Python regular expression; a group named 'value' limits what is replaced")
    remove_rule = actions.add_parser("remove-rule", help="remove your patterns of a kind")
    remove_rule.add_argument("kind")
    for name, helptext in (("allow", "never redact this value"), ("unallow", "take a value off the allow-list")):
        allow = actions.add_parser(name, help=helptext)
        allow.add_argument("value")
        allow.add_argument("--pattern", action="store_true", help="VALUE is a regular expression matched in full")
    for name, helptext in (("skip-kind", "stop redacting a built-in kind"), ("unskip-kind", "redact it again")):
        kind = actions.add_parser(name, help=helptext)
        kind.add_argument("kind", help="a built-in kind such as IP_ADDRESS or PHONE (an unknown one lists them all)")
    regions = actions.add_parser("phone-regions", help="countries numbers without +country code are read from")
    regions.add_argument("regions", help="comma-separated ISO codes, e.g. US,DE")

    alias = sub.add_parser("redaction-report", help="per file: values replaced by redaction, by kind")
    alias.add_argument("--json", action="store_true")
    alias.set_defaults(run=run, action="report")


def _change(args: argparse.Namespace) -> Callable[[RedactionSettings], dict[str, Any]] | None:
    """The settings change an action asks for, or ``None`` for actions that only read."""
    action = args.action
    if action == "enable":
        return lambda s: {"enabled": True}
    if action == "disable":
        return lambda s: {"enabled": False}
    if action == "add-rule":
        rule = {"kind": args.kind, "pattern": args.pattern}
        return lambda s: {"rules": [*[r.model_dump() for r in s.rules], rule]}
    if action == "remove-rule":
        kind = args.kind.strip().upper()

        def remove(s: RedactionSettings) -> dict[str, Any]:
            if not any(r.kind == kind for r in s.rules):
                raise UsageError(f"no rule of kind {kind}; rules: {', '.join(r.kind for r in s.rules) or 'none'}")
            return {"rules": [r.model_dump() for r in s.rules if r.kind != kind]}

        return remove
    if action in ("allow", "unallow"):
        field = "allow_patterns" if args.pattern else "allow"
        value = args.value

        def allow(s: RedactionSettings) -> dict[str, Any]:
            current: list[str] = list(getattr(s, field))
            if action == "allow":
                return {field: current if value in current else [*current, value]}
            if value not in current:
                raise UsageError(f"{value!r} is not on the allow-list")
            return {field: [v for v in current if v != value]}

        return allow
    if action in ("skip-kind", "unskip-kind"):
        from reviewdesk.privacy.detectors import BUILTIN_KINDS

        kind = args.kind.strip().upper()
        if kind not in BUILTIN_KINDS:
            raise UsageError(f"unknown kind {kind}; built-in kinds: {', '.join(BUILTIN_KINDS)}")
        if action == "skip-kind":
            return lambda s: {"disabled_kinds": [*s.disabled_kinds, kind]}
        return lambda s: {"disabled_kinds": [k for k in s.disabled_kinds if k != kind]}
    if action == "phone-regions":
        return lambda s: {"phone_regions": args.regions.split(",")}
    return None


def run(args: argparse.Namespace) -> int:
    change = _change(args)
    ws = workspace(args)
    try:
        if change is not None:
            settings = redaction.update_settings(ws, change)
            print(_settings_text(settings))
            return 0
        if args.action == "test":
            from reviewdesk.privacy.redactor import Redactor, TraceNumbering

            redactor = Redactor(redaction.get_settings(ws), key=b"reviewdesk-redaction-test")
            numbering = TraceNumbering()
            print(render.safe(redactor.redact_value(args.text, numbering)))
            if numbering.counts:
                print(f"redacted: {redaction_counts(dict(numbering.counts))}")
            return 0
        result = redaction.report(ws)
    finally:
        ws.close()
    if args.json:
        print(json.dumps(_report_json(result), indent=2))
        return 0
    if args.action == "show":
        print(_settings_text(result.settings))
        print()
    print(_report_text(result))
    return 0


def _settings_text(settings: RedactionSettings) -> str:
    lines = [f"redaction on import: {'ON' if settings.enabled else 'OFF (later imports keep values as they are)'}"]
    lines.append(f"  phone numbers without +country code read as: {', '.join(settings.phone_regions) or 'none'}")
    if settings.disabled_kinds:
        lines.append(f"  kinds not redacted: {', '.join(settings.disabled_kinds)}")
    for rule in settings.rules:
        lines.append(f"  rule {rule.kind}: {render.safe(rule.pattern)}")
    for value in settings.allow:
        lines.append(f"  allowed value: {render.safe(value)}")
    for pattern in settings.allow_patterns:
        lines.append(f"  allowed pattern: {render.safe(pattern)}")
    return "\n".join(lines)


def _report_text(report: redaction.RedactionReport) -> str:
    if not report.files:
        return "no imports yet"
    lines = []
    for item in report.files:
        counts = redaction_counts(item.counts) if item.counts else "nothing redacted"
        lines.append(
            f"{item.started_at:%Y-%m-%d %H:%M}  {render.safe(item.file_name)} ({item.status}):"
            f" {item.total} value(s): {counts}"
        )
    totals = report.totals
    lines.append(f"total: {sum(totals.values())} value(s) in {len(report.files)} import(s)")
    if totals:
        lines.append(f"  {redaction_counts(totals)}")
    return "\n".join(lines)


def _report_json(report: redaction.RedactionReport) -> dict[str, Any]:
    return {
        "settings": report.settings.model_dump(mode="json"),
        "files": [
            {
                "import_rowid": item.import_rowid,
                "file": item.file_name,
                "started_at": item.started_at.isoformat(),
                "status": item.status,
                "counts": item.counts,
                "total": item.total,
            }
            for item in report.files
        ],
        "totals": report.totals,
    }
