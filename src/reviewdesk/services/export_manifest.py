"""The dataset manifest written next to each export (``<name>.manifest.json``).

An eval run is only comparable with another when both ran on the same dataset, so each export
says what it is: its name and version, a content hash over the files it wrote, the filters,
sample, split and seed that chose the cases, the label-schema version and its taxonomy, counts by
split and by root cause, and for every case its split, a fingerprint of its label and the
label-schema version that label was made under. When a manifest is already there
(an earlier export to the same path), the new one says what changed since: the version goes up
by one and ``changes`` lists the cases added, removed, relabeled and moved to another split. An
export whose content did not change keeps the version and the manifest's bytes.

No export time is written, so the same workspace and options give the same manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.domain.taxonomy import Taxonomy
from reviewdesk.exporters.base import ExportItem
from reviewdesk.files import write_text_atomically
from reviewdesk.services.sampling import NONE_STRATUM

MANIFEST_VERSION = 1
UNSPLIT = "all"
"""The split name of a case in an export without ``--split``."""


@dataclass(slots=True)
class ManifestRecorder:
    """Collects, while the exporter writes, what the manifest says about each case."""

    cases: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, item: ExportItem) -> None:
        label = item.case.labels
        label_json = label.model_dump(mode="json", exclude={"labeled_at", "reviewer"}) if label else None
        self.cases[item.case.case_id] = {
            "split": item.split or UNSPLIT,
            "root_causes": list(label.root_causes) if label and label.root_causes else [NONE_STRATUM],
            "label": hashlib.sha256(orjson.dumps(label_json, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16],
            "label_schema_version": label.schema_version if label else None,
        }


def manifest_path(out: Path) -> Path:
    """``evals/set.jsonl`` → ``evals/set.manifest.json``."""
    return out.with_name(f"{out.stem}.manifest.json")


def _content_hash(files: dict[str, Path]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].read_bytes() + b"\0")
    return "sha256:" + digest.hexdigest()


def selection_json(selection: Any, split: Any) -> dict[str, Any]:
    """The filters, sample and split of an export as plain JSON (only what was set)."""
    flt = {f.name: getattr(selection.flt, f.name) for f in fields(selection.flt)}
    out: dict[str, Any] = {"filter": {k: v for k, v in flt.items() if v not in (None, False, "started")}}
    if selection.case_rowids is not None:
        out["cases"] = len(selection.case_rowids)
    for name in ("reviewer", "has_corrected_output"):
        if getattr(selection, name) is not None:
            out[name] = getattr(selection, name)
    if selection.labeled_since is not None:
        out["labeled_since"] = selection.labeled_since.isoformat()
    if selection.sample is not None:
        sample = selection.sample
        out["sample"] = {"per_stratum": sample.per_stratum, "by": sample.by, "seed": sample.seed}
    if split is not None:
        out["split"] = {"shares": list(split.shares), "names": list(split.names), "by": split.by, "seed": split.seed}
    return out


def previous_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest an earlier export to ``out`` left, checked before anything is written."""
    path = manifest_path(out)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise ReviewdeskError(
            f"{path}: not a reviewdesk dataset manifest ({exc}); move it away to start over"
        ) from None
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        raise ReviewdeskError(f"{path}: not a reviewdesk dataset manifest (manifest_version {MANIFEST_VERSION})")
    return data


def _changes(previous: dict[str, Any], cases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    before: dict[str, dict[str, Any]] = previous.get("cases", {})
    common = sorted(set(before) & set(cases))
    return {
        "since_version": previous["version"],
        "since_content_hash": previous["content_hash"],
        "added": sorted(set(cases) - set(before)),
        "removed": sorted(set(before) - set(cases)),
        "relabeled": [c for c in common if before[c].get("label") != cases[c]["label"]],
        "moved": [c for c in common if before[c].get("split") != cases[c]["split"]],
    }


def _schema_json(taxonomy: Taxonomy, cases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The taxonomy the exported labels are read under, and which versions they were made under.

    Root-cause ids and score names in the export are the newest version's (a renamed cause lists
    its former ids); each case's ``label_schema_version`` is the version of its label's last change.
    """
    used = Counter(c["label_schema_version"] for c in cases.values() if c.get("label_schema_version") is not None)
    return {
        **taxonomy.to_json(),
        "labels_by_version": {str(version): count for version, count in sorted(used.items())},
    }


def write_manifest(
    out: Path,
    *,
    name: str,
    format_name: str,
    files: dict[str, Path],
    recorder: ManifestRecorder,
    selection: dict[str, Any],
    taxonomy: Taxonomy,
    previous: dict[str, Any] | None,
) -> Path:
    """Write (or update, from ``previous``) the manifest of the export at ``out``; return its path."""
    path = manifest_path(out)
    content_hash = _content_hash(files)
    cases = dict(sorted(recorder.cases.items()))
    if previous is not None and previous.get("content_hash") == content_hash and previous.get("cases") == cases:
        version, changes = previous["version"], previous.get("changes")
    elif previous is not None:
        version, changes = previous["version"] + 1, _changes(previous, cases)
    else:
        version, changes = 1, None
    by_root_cause: Counter[str] = Counter(rc for c in cases.values() for rc in c["root_causes"])
    by_split: Counter[str] = Counter(c["split"] for c in cases.values())
    by_split_and_cause = {
        split: dict(
            sorted(Counter(rc for c in cases.values() if c["split"] == split for rc in c["root_causes"]).items())
        )
        for split in sorted(by_split)
    }
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "name": name,
        "version": version,
        "format": format_name,
        "content_hash": content_hash,
        "files": {split: p.name for split, p in sorted(files.items())},
        "selection": selection,
        "label_schema_version": taxonomy.version,
        "label_schema": _schema_json(taxonomy, cases),
        "counts": {
            "cases": len(cases),
            "by_split": dict(sorted(by_split.items())),
            "by_root_cause": dict(sorted(by_root_cause.items())),
            "by_split_and_root_cause": by_split_and_cause,
        },
        "changes": changes,
        "cases": cases,
    }
    write_text_atomically(path, json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n")
    return path
