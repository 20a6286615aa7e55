"""One module per subcommand. Each has ``register(subparsers)`` and ``run(args) -> exit code``.

To add a command, write its module and list it in ``COMMANDS``; ``cli.main`` does the rest.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from types import ModuleType

from reviewdesk.cli.commands import (
    adjudicate_cmd,
    agreement_cmd,
    assign_cmd,
    audit_cmd,
    cases_cmd,
    claim_cmd,
    demo_cmd,
    export_cmd,
    findings_cmd,
    gui_cmd,
    import_cmd,
    label_cmd,
    package_cmd,
    prices_cmd,
    purge_cmd,
    redaction_cmd,
    report_cmd,
    schema_cmd,
    show_cmd,
    stale_cmd,
    stats_cmd,
    taxonomy_cmd,
    team_cmd,
    workspace_cmd,
)

COMMANDS: list[ModuleType] = [
    import_cmd,
    cases_cmd,
    show_cmd,
    label_cmd,
    assign_cmd,
    claim_cmd,
    agreement_cmd,
    adjudicate_cmd,
    package_cmd,
    team_cmd,
    export_cmd,
    findings_cmd,
    report_cmd,
    schema_cmd,
    taxonomy_cmd,
    stats_cmd,
    redaction_cmd,
    purge_cmd,
    prices_cmd,
    stale_cmd,
    audit_cmd,
    workspace_cmd,
    demo_cmd,
    gui_cmd,
]

Runner = Callable[[argparse.Namespace], int]
