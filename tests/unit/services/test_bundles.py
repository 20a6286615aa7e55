"""Compressed and bundled input: .gz, .zip (every member that is a trace file) and directories, recursively."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from reviewdesk.services import cases, imports
from reviewdesk.services.import_records import describe_left_out
from reviewdesk.services.workspace import open_workspace
from tests.conftest import DATA

OI = DATA / "instrumented" / "openinference_openai.json"  # 2 traces
GENAI = DATA / "instrumented" / "otel_genai_v2.jsonl"  # 2 traces
CONSOLE = DATA / "formats" / "otel_console_agent.txt"  # 1 trace
EXPORT = DATA / "exports" / "reviewdesk_v1.jsonl"


def _import(tmp_path: Path, *paths: Path) -> imports.ImportResult:
    ws = open_workspace(tmp_path / "w.reviewdesk")
    try:
        return imports.import_files(ws, list(paths))
    finally:
        ws.close()


def _case_ids(tmp_path: Path) -> list[str]:
    ws = open_workspace(tmp_path / "w.reviewdesk")
    try:
        return sorted(c.case_id for c in cases.list_cases(ws))
    finally:
        ws.close()


def test_a_gzip_file_imports_like_the_file_and_counts_as_the_same_content(tmp_path: Path) -> None:
    packed = tmp_path / "traces.gz"  # no .json in the name: content decides
    packed.write_bytes(gzip.compress(OI.read_bytes()))
    [summary] = _import(tmp_path, packed).files
    assert (summary.name, summary.format, summary.cases_created, summary.spans) == ("traces.gz", "otlp-json", 2, 9)
    [again] = _import(tmp_path, OI).files
    assert again.already_imported  # the same content, compressed or not


def test_a_zip_imports_every_member_that_is_a_trace_file(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.zip"
    with zipfile.ZipFile(bundle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(OI, "run1/openinference.json")
        archive.writestr("run1/README.md", "# notes about the run\n")
        archive.writestr("run2/genai.jsonl.gz", gzip.compress(GENAI.read_bytes()))
        archive.write(CONSOLE, "console.txt")
        archive.write(EXPORT, "labels/export.jsonl")
        broken = GENAI.read_text().splitlines()
        archive.writestr("run3/broken.jsonl", "\n".join([broken[0], "{not json"]) + "\n")
    result = _import(tmp_path, bundle)
    by_name = {s.name: s for s in result.files}
    assert list(by_name) == [
        "bundle.zip/run1/openinference.json",
        "bundle.zip/run2/genai.jsonl.gz",
        "bundle.zip/console.txt",
        "bundle.zip/labels/export.jsonl",
        "bundle.zip/run3/broken.jsonl",
    ]  # the README is left out
    assert by_name["bundle.zip/run2/genai.jsonl.gz"].format == "otlp-jsonl"
    assert by_name["bundle.zip/console.txt"].format == "otel-console"
    assert isinstance(by_name["bundle.zip/labels/export.jsonl"], imports.RestoreSummary)
    [error] = by_name["bundle.zip/run3/broken.jsonl"].errors
    assert error.startswith("bundle.zip/run3/broken.jsonl: line 2: not valid JSON")
    assert by_name["bundle.zip/run1/openinference.json"].path == bundle / "run1/openinference.json"
    assert len(_case_ids(tmp_path)) == 2 + 2 + 1 + 1  # the export's third case is a trace of OI's


def test_a_directory_is_read_recursively_with_archives_inside(tmp_path: Path) -> None:
    root = tmp_path / "traces"
    (root / "a" / "b").mkdir(parents=True)
    shutil.copy(OI, root / "a" / "b" / "oi.json")
    (root / "a" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    with zipfile.ZipFile(root / "more.zip", "w") as archive:
        archive.write(CONSOLE, "console.txt")
    (root / "notes.txt").write_text("nothing to see\n")
    result = _import(tmp_path, root)
    assert [(s.name, s.ok) for s in result.files] == [
        ("traces/a/b/oi.json", True),
        ("traces/more.zip/console.txt", True),
    ]
    assert len(_case_ids(tmp_path)) == 3
    # Passed over, and said so: what each looks like, once, after the files imported.
    assert [(o.name, o.reason) for o in result.left_out] == [
        ("traces/a/.DS_Store", "not a trace file: it looks like a binary file"),
        ("traces/notes.txt", "not a trace file: it looks like text that is not JSON (it starts with 'nothing to see')"),
    ]
    assert describe_left_out(result) == (
        "left out 2 file(s) of the folders and archives given: traces/a/.DS_Store (not a trace file: it looks"
        " like a binary file), traces/notes.txt (not a trace file: it looks like text that is not JSON (it starts"
        " with 'nothing to see'))"
    )


def test_the_left_out_line_names_five_and_counts_the_rest(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    shutil.copy(OI, root / "oi.json")
    for n in range(7):
        (root / f"empty-{n}.txt").write_text("")
    result = _import(tmp_path, root)
    assert [s.name for s in result.files] == ["in/oi.json"]
    text = describe_left_out(result)
    assert text is not None and text.startswith(
        "left out 7 file(s) of the folders and archives given: in/empty-0.txt (empty),"
    )
    assert text.count("(empty)") == 5 and text.endswith("in/empty-4.txt (empty) and 2 more")
    # A file given on its own is never "left out": it is refused, with its reason.
    assert _import(tmp_path, root / "empty-5.txt").left_out == []


def test_a_bundle_without_trace_files_says_what_it_left_out(tmp_path: Path) -> None:
    bundle = tmp_path / "docs.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("README.md", "# hi\n")
        archive.writestr("table.csv", "a,b\n1,2\n")
    [summary] = _import(tmp_path, bundle).files
    assert summary.failed == (
        "docs.zip: no trace files in it; left out: docs.zip/README.md (not a trace file: it looks like text"
        " that is not JSON (it starts with '# hi')), docs.zip/table.csv (not a trace file: it looks like CSV or"
        " other tabular text)"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    [nothing] = _import(tmp_path, empty).files
    assert nothing.failed == "empty: no trace files in it (it is empty)"


def test_a_corrupt_gzip_given_on_its_own_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "traces.json.gz"
    bad.write_bytes(gzip.compress(OI.read_bytes())[:200])
    [summary] = _import(tmp_path, bad).files
    assert summary.failed is not None and summary.failed.startswith("traces.json.gz: not a trace file")
    assert "a gzip-compressed file whose content could not be read" in summary.failed


@pytest.mark.slow  # a subprocess (or large data): kept out of the fast loop
def test_cli_imports_a_directory_end_to_end(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "oi.json.gz").write_bytes(gzip.compress(OI.read_bytes()))
    shutil.copy(CONSOLE, root / "console.txt")
    env = {**os.environ, "REVIEWDESK_WORKSPACE": str(tmp_path / "cli.reviewdesk")}
    done = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "import", str(root)], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "in/console.txt (otel-console): 1 new case(s), 3 span(s) added" in done.stdout
    assert "in/oi.json.gz (otlp-json): 2 new case(s), 9 span(s) added" in done.stdout
    assert "left out" not in done.stdout  # nothing was
    (root / "README.md").write_text("# notes\n")
    again = subprocess.run(
        [sys.executable, "-m", "reviewdesk", "import", str(root)], capture_output=True, text=True, env=env, check=False
    )
    assert again.returncode == 0, again.stderr  # a README beside the traces is not an error
    assert again.stdout.splitlines()[-1] == (
        "left out 1 file(s) of the folders and archives given: in/README.md (not a trace file: it looks like text"
        " that is not JSON (it starts with '# notes'))"
    )


@pytest.mark.parametrize("forced", ["otlp-json"])
def test_a_forced_format_applies_to_every_member(tmp_path: Path, forced: str) -> None:
    root = tmp_path / "in"
    root.mkdir()
    shutil.copy(OI, root / "oi.json")
    (root / "notes.txt").write_text("not json\n")
    ws = open_workspace(tmp_path / "w.reviewdesk")
    try:
        result = imports.import_files(ws, [root], format_name=forced)
    finally:
        ws.close()
    by_name = {s.name: s for s in result.files}
    assert by_name["in/oi.json"].cases_created == 2
    assert by_name["in/notes.txt"].failed  # forced: nothing is left out silently
