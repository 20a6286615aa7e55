"""The redaction key does not travel: not in the workspace file, not in an export; moved out of old workspaces."""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from reviewdesk import paths
from reviewdesk.cli.main import main
from reviewdesk.exporters.registry import EXPORTERS
from reviewdesk.services import cases, imports, redaction_key
from reviewdesk.services.workspace import open_workspace
from tests.conftest import REPO
from tests.otlp_builder import span, write_jsonl
from tests.robustness.helpers import checkpoint, raw_bytes

FIXTURE = REPO / "tests" / "data" / "workspaces" / "rev-0003.reviewdesk"
LEGACY_KEY = bytes.fromhex("ab" * 32)  # what make_fixtures.py stores in rev-0003
TRACE = "0e" * 16


def _trace_file(tmp_path: Path, text: str, trace: str = TRACE) -> Path:
    return write_jsonl(
        tmp_path / f"t-{trace[:4]}.jsonl",
        [[span("step", trace_id=trace, span_id="00000000000000a1", attributes={"output.value": text})]],
    )


def _settings(path: Path) -> dict[str, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT key, value FROM workspace_settings").fetchall())
    finally:
        conn.close()


def test_a_new_workspace_keeps_its_key_outside_and_no_export_carries_it(tmp_path: Path) -> None:
    ws_path = tmp_path / "w.reviewdesk"
    assert main(["--workspace", str(ws_path), "import", str(_trace_file(tmp_path, "mail ana@x.example"))]) == 0
    settings = _settings(ws_path)
    assert redaction_key.LEGACY_KEY not in settings
    identifier = settings[redaction_key.WORKSPACE_ID].strip('"')
    key_file = redaction_key.key_path(identifier)
    assert key_file.parent == paths.data_dir() / "keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    key_hex = key_file.read_text().strip()
    assert len(bytes.fromhex(key_hex)) == 32
    checkpoint(ws_path)
    assert key_hex.encode() not in raw_bytes(ws_path)
    assert bytes.fromhex(key_hex) not in raw_bytes(ws_path)
    written = []
    for exporter in EXPORTERS:
        target = tmp_path / "out" / f"{exporter.name}{exporter.file_ending}"
        assert main(["--workspace", str(ws_path), "export", "--format", exporter.name, "-o", str(target)]) == 0
        written.append(target)
    report = tmp_path / "out" / "report.html"
    assert main(["--workspace", str(ws_path), "report", "-o", str(report)]) == 0
    written.append(report)
    for target in written:
        data = target.read_bytes()
        assert key_hex.encode() not in data and key_hex.upper().encode() not in data, target.name
    # The copy of the file alone (what one hands on) cannot recompute a placeholder's hash.
    copy = tmp_path / "copy.reviewdesk"
    shutil.copy(ws_path, copy)
    assert key_hex.encode() not in copy.read_bytes()


def test_a_workspace_of_schema_0003_has_its_key_moved_out_and_placeholders_continue(tmp_path: Path) -> None:
    ws_path = tmp_path / "old.reviewdesk"
    shutil.copy(FIXTURE, ws_path)
    # An earlier import numbered this value 7 in trace TRACE, with the key kept in the file.
    digest = hmac.new(LEGACY_KEY, b"EMAIL\x00ana@x.example", hashlib.sha256).digest()[:16]
    conn = sqlite3.connect(ws_path)
    conn.execute(
        "INSERT INTO redaction_tokens (trace_id, kind, digest, number) VALUES (?, 'EMAIL', ?, 7)", (TRACE, digest)
    )
    conn.commit()
    conn.close()
    assert LEGACY_KEY.hex().encode() in raw_bytes(ws_path)

    ws = open_workspace(ws_path)
    try:
        settings = _settings(ws_path)
        assert redaction_key.LEGACY_KEY not in settings
        identifier = redaction_key.workspace_id(ws)
        assert redaction_key.key_path(identifier).read_text().strip() == LEGACY_KEY.hex()
        summary = imports.import_files(ws, [_trace_file(tmp_path, "write to ANA@x.example")]).files[0]
        assert summary.redactions == {"EMAIL": 1}
        (stored,) = cases.get_spans(ws, TRACE)
        assert stored.attributes["output.value"] == "write to [EMAIL_7]"
    finally:
        ws.close()
    checkpoint(ws_path)
    assert LEGACY_KEY.hex().encode() not in raw_bytes(ws_path)  # zeroed, not left in a free page


def test_a_copy_opened_where_its_key_is_not_gets_a_new_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws_path = tmp_path / "w.reviewdesk"
    ws = open_workspace(ws_path)
    first = redaction_key.load_key(ws)
    assert redaction_key.load_key(ws) == first  # stable
    ws.close()
    monkeypatch.setenv("REVIEWDESK_DATA_DIR", str(tmp_path / "elsewhere"))
    ws = open_workspace(ws_path)
    try:
        assert redaction_key.load_key(ws) != first
        assert imports.import_files(ws, [_trace_file(tmp_path, "ana@x.example")]).files[0].redactions == {"EMAIL": 1}
    finally:
        ws.close()


def test_two_processes_making_one_key_agree(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "w.key"
    assert redaction_key._write_once(path, b"a" * 32) == b"a" * 32
    assert redaction_key._write_once(path, b"b" * 32) == b"a" * 32  # the second finds the first's
    assert [p.name for p in path.parent.iterdir()] == ["w.key"]  # no temporary file left
    os.chmod(path, 0o600)
