"""A workspace whose trace text attacks the report: markup, remote images, ANSI, bidi overrides.

Every place where trace content reaches the report carries something hostile: the workflow and
tenant (slice names), the user request and the answer (examples), a retrieved document's id and
source (source health), and the reviewer's comment (examples). Built from a real OTLP/JSON file
(OpenInference attributes) through the normal import, and labeled through ``record_label``.
"""

from __future__ import annotations

from pathlib import Path

from reviewdesk.domain.labels import Evidence, LabelChange
from reviewdesk.services import imports
from reviewdesk.services.labels import record_label
from reviewdesk.services.workspace import open_workspace
from tests.otlp_builder import span, write_json

SCRIPT = "<script>window.__pwned = 1; alert('x')</script>"
REMOTE_IMG = '<img src="https://evil.example/pixel.png" onerror="window.__pwned=2">'
ANSI = "\x1b[31mRED\x1b[0m\x07"
BIDI = "\u202egnp.exe\u202c and \u2066isolate\u2069"
STYLE = '<style>body{background:url(https://evil.example/bg.png)}</style><link rel="stylesheet" href="https://evil.example/x.css">'
HOSTILE = f'{SCRIPT} {REMOTE_IMG} {ANSI} {BIDI} {STYLE} <iframe src="https://evil.example/"></iframe>'
DOC_ID = '<img src="https://evil.example/doc.png">'
TRACE_ID = "5e1f0c3b9a7d4e2f8a6b1c0d9e8f7a6b"


def hostile_workspace(tmp: Path) -> Path:
    bundle = write_json(
        tmp / "hostile.json",
        [
            span(
                "agent",
                trace_id=TRACE_ID,
                span_id="aaaaaaaaaaaaaaa1",
                start_ms=0,
                end_ms=1200,
                attributes={
                    "openinference.span.kind": "CHAIN",
                    "reviewdesk.workflow": f"refund{SCRIPT}",
                    "reviewdesk.release": f"2026.1{REMOTE_IMG}",
                    "tenant.id": f"acme{BIDI}",
                    "metadata": '{"locale": "de-DE"}',
                    "input.value": f"Please help {HOSTILE}",
                    "output.value": f"Sure {HOSTILE}",
                },
            ),
            span(
                "retrieve",
                trace_id=TRACE_ID,
                span_id="aaaaaaaaaaaaaaa2",
                parent="aaaaaaaaaaaaaaa1",
                start_ms=10,
                end_ms=100,
                attributes={
                    "openinference.span.kind": "RETRIEVER",
                    "retrieval.documents.0.document.id": DOC_ID,
                    "retrieval.documents.0.document.content": f"Policy text {HOSTILE}",
                    "retrieval.documents.0.document.metadata": (
                        '{"source": "javascript:alert(1)//<script>", "updated_at": "2025-01-01"}'
                    ),
                },
            ),
        ],
    )
    path = tmp / "hostile.reviewdesk"
    workspace = open_workspace(path)
    try:
        result = imports.import_files(workspace, [bundle])
        assert all(s.failed is None and not s.skipped for s in result.files), result.files
        record_label(
            workspace,
            TRACE_ID,
            LabelChange(
                verdict="fail",
                root_causes=["stale_source", "prompt_injection"],
                comment=f"reviewer saw {HOSTILE}",
                evidence=[Evidence(root_cause="stale_source", kind="document", ref=DOC_ID)],
            ),
            reviewer=f"eve{SCRIPT}",
            seconds_spent=12,
        )
    finally:
        workspace.close()
    return path
