"""``--split``: stratified, seeded, written as each tool keeps splits; the dataset manifest and its changes."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import UsageError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import exports, labels
from reviewdesk.services.exports import ExportSelection
from reviewdesk.services.splits import SplitSpec, assign_splits, parse_shares
from tests.consumers.labeled import LabeledWorkspace
from tests.unit.exporters.helpers import records

EVAL_CASES = {"oi:A", "oi:B", "genai:A", "genai:B", "legacy:A", "new:A", "new:B"}


def run_export(labeled: LabeledWorkspace, fmt: str, out: Path, **kwargs) -> exports.ExportResult:
    ws = labeled.open()
    try:
        return exports.export_cases(ws, fmt, out, **kwargs)
    finally:
        ws.close()


def test_split_files_partition_the_cases_and_repeat_with_the_seed(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    spec = SplitSpec(shares=(80, 20), seed=3)
    result = run_export(labeled, "inspect", tmp_path / "a" / "set.jsonl", split=spec)
    assert set(result.files) == {"train", "test"}
    assert result.files["train"].name == "set.train.jsonl" and not (tmp_path / "a" / "set.jsonl").exists()
    ids = {split: {r["id"] for r in records(path)} for split, path in result.files.items()}
    assert ids["train"] and ids["test"] and not ids["train"] & ids["test"]
    assert ids["train"] | ids["test"] == {labeled.case_ids[k] for k in EVAL_CASES}
    assert result.splits == {"test": len(ids["test"]), "train": len(ids["train"])}
    again = run_export(labeled, "inspect", tmp_path / "b" / "set.jsonl", split=spec)
    assert all(again.files[s].read_bytes() == result.files[s].read_bytes() for s in result.files)
    assignments = set()
    for seed in range(6):
        other = run_export(
            labeled, "inspect", tmp_path / f"s{seed}" / "set.jsonl", split=SplitSpec((80, 20), seed=seed)
        )
        assignments.add(frozenset(r["id"] for r in records(other.files["test"])))
    assert len(assignments) > 1  # the seed decides


def test_platform_formats_keep_the_split_in_one_file(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    spec = SplitSpec(shares=(60, 20, 20), seed=1)
    langsmith = run_export(labeled, "langsmith-examples", tmp_path / "ls.jsonl", split=spec)
    phoenix = run_export(labeled, "phoenix-dataset", tmp_path / "px.jsonl", split=spec)
    assert set(langsmith.files) == set(phoenix.files) == {"all"}
    ls_splits = {r["metadata"]["case_id"]: r["split"] for r in records(langsmith.path)}
    px_splits = {r["metadata"]["case_id"]: r["splits"] for r in records(phoenix.path)}
    assert set(ls_splits.values()) == {"train", "test", "validation"}
    assert px_splits == {case_id: [split] for case_id, split in ls_splits.items()}  # one assignment, two shapes
    unsplit = run_export(labeled, "langsmith-examples", tmp_path / "plain.jsonl")
    assert {r["split"] for r in records(unsplit.path)} == {"reference", "regression"}


def test_splits_are_stratified_and_small_strata_still_fill_the_test_split() -> None:
    strata = {f"a{i:03d}": "hallucination" for i in range(60)} | {f"b{i:03d}": "tool_error" for i in range(40)}
    got = assign_splits(strata, SplitSpec(shares=(80, 20), seed=7))
    counts = Counter((case_id[0], split) for case_id, split in got.items())
    assert counts == {("a", "train"): 48, ("a", "test"): 12, ("b", "train"): 32, ("b", "test"): 8}
    singletons = {f"c{i}": f"cause{i}" for i in range(10)}
    assert Counter(assign_splits(singletons, SplitSpec(shares=(80, 20)))).values()
    assert Counter(assign_splits(singletons, SplitSpec(shares=(80, 20))).values()) == {"train": 8, "test": 2}
    assert assign_splits(strata, SplitSpec((80, 20), seed=7)) == got  # reproducible


@pytest.mark.parametrize("text", ["80", "80/20/10/5", "a/b", "-10/110", "0/0"])
def test_bad_shares_are_refused_with_the_rule(text: str) -> None:
    with pytest.raises(UsageError, match="two or three shares such as 80/20"):
        parse_shares(text)


def test_cli_split_and_a_bad_split(labeled: LabeledWorkspace, tmp_path: Path, capsys) -> None:
    base = ["--workspace", str(labeled.path), "export", "--format", "deepeval"]
    assert main([*base, "-o", str(tmp_path / "g.json"), "--split", "70/30", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "train: " in out and "test: " in out and (tmp_path / "g.train.json").exists()
    assert main([*base, "-o", str(tmp_path / "x.json"), "--split", "80"]) != 0
    assert "--split takes two or three shares" in capsys.readouterr().err
    assert not list(tmp_path.glob("x*"))


def test_manifest_pins_the_dataset_and_says_what_changed(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    out = tmp_path / "set.jsonl"
    selection = ExportSelection(flt=CaseFilter(verdict="fail"))
    first = run_export(labeled, "inspect", out, selection=selection, split=SplitSpec((50, 50), seed=2))
    manifest = json.loads(first.manifest.read_bytes())
    assert first.manifest == tmp_path / "set.manifest.json"
    assert manifest["name"] == "set" and manifest["version"] == 1 and manifest["changes"] is None
    assert manifest["format"] == "inspect" and manifest["label_schema_version"] == 1
    assert manifest["selection"]["filter"] == {"verdict": "fail"}
    assert manifest["selection"]["split"] == {
        "shares": [50, 50],
        "names": ["train", "test"],
        "by": "root_cause",
        "seed": 2,
    }
    assert manifest["counts"]["cases"] == 5
    assert sum(manifest["counts"]["by_split"].values()) == 5
    assert manifest["counts"]["by_root_cause"]["tool_error"] == 2
    assert set(manifest["files"].values()) == {"set.train.jsonl", "set.test.jsonl"}
    assert manifest["content_hash"].startswith("sha256:")
    before = first.manifest.read_bytes()

    same = run_export(labeled, "inspect", out, selection=selection, split=SplitSpec((50, 50), seed=2))
    assert same.manifest.read_bytes() == before  # nothing changed: same version, same bytes

    ws = labeled.open()
    try:
        labels.record_label(ws, labeled.case_ids["legacy:A"], LabelChange(comment="Still wrong."), reviewer="alice")
    finally:
        ws.close()
    later = run_export(labeled, "inspect", out, split=SplitSpec((50, 50), seed=2))
    changed = json.loads(later.manifest.read_bytes())
    assert changed["version"] == 2
    assert changed["changes"]["since_version"] == 1
    assert changed["changes"]["since_content_hash"] == manifest["content_hash"]
    assert changed["changes"]["relabeled"] == [labeled.case_ids["legacy:A"]]
    assert set(changed["changes"]["added"]) == {labeled.case_ids["oi:A"], labeled.case_ids["new:A"]}
    assert changed["changes"]["removed"] == []


def test_a_foreign_file_in_the_manifests_place_is_refused(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    from reviewdesk.domain.errors import ReviewdeskError

    (tmp_path / "set.manifest.json").write_text("not json")
    with pytest.raises(ReviewdeskError, match=r"set\.manifest\.json: not a reviewdesk dataset manifest"):
        run_export(labeled, "inspect", tmp_path / "set.jsonl")
    assert not (tmp_path / "set.jsonl").exists()  # refused before anything was written
