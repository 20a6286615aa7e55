"""A mutation fuzzer for trace importers: bad input must be rejected cleanly, never crash the import.

Seeds are real files of each format (tests/data). Each input is one seed changed by one of the
mutations below — truncation, flipped bytes, invalid UTF-8, values of the wrong type, huge
strings, deep nesting, colliding ids, shuffled or doubled lines, or a file that is not text at
all. ``check_input`` runs every importer of the registry on it (the one detection picks, and each
one forced, as ``--format`` does) and returns what went wrong:

* any exception that is not a ``ReviewdeskError`` (a bug: the user would see a traceback);
* a rejection that does not name the file, or a skipped record that does not say where it is;
* a span the storage layer could not write (ids or names not text, numbers out of SQLite's
  64-bit range, attributes that do not encode as JSON) — that would crash the import later,
  in the middle of a transaction.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from reviewdesk.domain.errors import FormatError, RecordError, ReviewdeskError
from reviewdesk.domain.spans import RawSpan
from reviewdesk.importers import registry
from reviewdesk.importers.base import ReadContext
from reviewdesk.importers.reviewdesk_jsonl import CaseExportImporter

INT64 = (-(2**63), 2**63 - 1)
ID_KEYS = ("traceId", "spanId", "parentSpanId", "id", "trace_id", "parent_run_id", "parentObservationId", "run_id")


@dataclass
class Tally:
    """Counts over a fuzzing run."""

    inputs: int = 0
    importer_runs: int = 0
    spans: int = 0
    cases: int = 0
    rejected_files: int = 0
    skipped_records: int = 0
    by_mutation: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


# -- mutations --------------------------------------------------------------------------------------


def _parse(data: bytes) -> tuple[str, Any] | None:
    """``("doc", value)`` for a JSON document, ``("lines", [values])`` for JSON lines, else ``None``."""
    try:
        return "doc", orjson.loads(data)
    except orjson.JSONDecodeError:
        pass
    lines = [line for line in data.splitlines() if line.strip()]
    try:
        return "lines", [orjson.loads(line) for line in lines]
    except orjson.JSONDecodeError:
        return None


def _dump(kind: str, value: Any) -> bytes:
    # The standard library writes what orjson refuses (integers past 64 bits, NaN), on purpose.
    if kind == "doc" or not isinstance(value, list):  # (a mutation may replace the whole list of lines)
        return json.dumps(value).encode()
    return b"".join(json.dumps(line).encode() + b"\n" for line in value)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _nodes(child, (*path, index))


def _set(root: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    node = root
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = new
    return root


def _junk(rng: random.Random) -> Any:
    return rng.choice(
        [
            None, True, False, 0, -1, 2**63, 2**64 + 7, -(2**70), 1e308, -0.0, 3.5, "", "x", "NaN", "Infinity",
            "-5", "99999999999999999999999", "not-hex-\u202e", "\x00\x1b[31m", [], {}, [None], {"": None},
            {"stringValue": 5}, {"intValue": "9" * 30}, {"arrayValue": "oops"}, {"kvlistValue": [1]},
            {"kvlistValue": {"values": [{"key": ["unhashable"], "value": {"stringValue": "v"}}]}},
            {"doubleValue": "nan"}, {"boolValue": {}}, {"bytesValue": 7},
        ]
    )  # fmt: skip


def _deep(rng: random.Random, depth: int) -> bytes:
    """``depth`` levels of nesting as JSON text (json.dumps itself would hit the recursion limit)."""
    shape = rng.choice(["list", "dict", "anyvalue"])
    if shape == "list":
        return b"[" * depth + b'"bottom"' + b"]" * depth
    if shape == "dict":
        return b'{"k":' * depth + b'"bottom"' + b"}" * depth
    return b'{"kvlistValue":{"values":[{"key":"k","value":' * depth + b'{"stringValue":"bottom"}' + b"}]}}" * depth


def _json_mutation(rng: random.Random, data: bytes, how: str) -> bytes | None:
    parsed = _parse(data)
    if parsed is None:
        return None
    kind, root = parsed
    nodes = list(_nodes(root))
    if how == "wrong-type":
        path, _ = rng.choice(nodes)
        return _dump(kind, _set(root, path, _junk(rng)))
    if how == "huge-string":
        strings = [p for p, v in nodes if isinstance(v, str)] or [p for p, _ in nodes]
        size = rng.choice([100_000, 1_000_000, 4_000_000])
        return _dump(kind, _set(root, rng.choice(strings), rng.choice(["A", "é", "\u202e", "ana@x.example "]) * size))
    if how == "deep-nesting":
        path, _ = rng.choice(nodes)
        marker = "__deep_nesting_goes_here__"
        text = _dump(kind, _set(root, path, marker))
        return text.replace(f'"{marker}"'.encode(), _deep(rng, rng.choice([40, 70, 200, 600, 1100])), 1)
    if how == "colliding-ids":
        ids = [p for p, _ in nodes if p and p[-1] in ID_KEYS]
        if not ids:
            return None
        value = rng.choice(["", "0" * 32, "ABCDEF" * 6, "x", "1", "same"])
        for path in ids if rng.random() < 0.5 else rng.sample(ids, max(1, len(ids) // 2)):
            _set(root, path, value)
        return _dump(kind, root)
    if how == "duplicate-records":
        lists = [p for p, v in nodes if isinstance(v, list) and v]
        if not lists:
            return None
        path = rng.choice(lists)
        node = root
        for step in path:
            node = node[step]
        node.extend(json.loads(json.dumps(node)))  # the same records again, ids and all
        if rng.random() < 0.5:
            _set(root, rng.choice([p for p, _ in _nodes(root)]), _junk(rng))  # …and one of them different
        return _dump(kind, root)
    if how == "drop-key":
        keyed = [p for p, _ in nodes if p and isinstance(p[-1], str)]
        if not keyed:
            return None
        path = rng.choice(keyed)
        node = root
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]
        return _dump(kind, root)
    return None


def _bytes_mutation(rng: random.Random, data: bytes, how: str) -> bytes:
    if how == "truncate":
        return data[: rng.randrange(max(len(data), 1))]
    if how == "flip-bytes":
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            if out:
                out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if how == "invalid-utf8":
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(out) + 1)
            out[at:at] = rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\x00"])
        return bytes(out)
    if how == "lines":
        lines = data.splitlines(keepends=True)
        choice = rng.choice(["shuffle", "double", "crlf", "blank", "garbage", "bom"])
        if choice == "shuffle":
            rng.shuffle(lines)
        elif choice == "double":
            lines = [line for line in lines for _ in (0, 1)]
        elif choice == "crlf":
            lines = [line.rstrip(b"\n") + b"\r\n" for line in lines]
        elif choice == "blank":
            lines.insert(rng.randrange(len(lines) + 1), b"   \n")
        elif choice == "garbage":
            lines.insert(rng.randrange(len(lines) + 1), b'{"resourceSpans": [\n')
        else:
            return b"\xef\xbb\xbf" + data
        return b"".join(lines)
    if how == "binary":
        kind = rng.choice(["random", "gzip", "png", "utf16", "nul"])
        if kind == "random":
            return rng.randbytes(rng.randint(1, 70_000))
        if kind == "gzip":
            return gzip.compress(data)
        if kind == "png":
            return b"\x89PNG\r\n\x1a\n" + rng.randbytes(2000)
        if kind == "utf16":
            return data.decode("utf-8", "replace").encode("utf-16")
        return b"\x00" * rng.randint(1, 5000)
    raise ValueError(how)


BYTE_MUTATIONS = ("truncate", "flip-bytes", "invalid-utf8", "lines", "binary")
JSON_MUTATIONS = ("wrong-type", "huge-string", "deep-nesting", "colliding-ids", "duplicate-records", "drop-key")
WEIGHTS = {"huge-string": 0.3, "binary": 0.6}  # slow or repetitive ones less often


def mutate(rng: random.Random, seed: bytes) -> tuple[str, bytes]:
    """One mutation of ``seed``: its name and the new bytes."""
    names = [*BYTE_MUTATIONS, *JSON_MUTATIONS]
    weights = [WEIGHTS.get(name, 1.0) for name in names]
    while True:
        how = rng.choices(names, weights)[0]
        if how in JSON_MUTATIONS:
            out = _json_mutation(rng, seed, how)
            if out is None:
                continue
            return how, out
        return how, _bytes_mutation(rng, seed, how)


# -- checks -------------------------------------------------------------------------------------


def storable_problem(span: RawSpan) -> str | None:
    """Why the storage layer could not write ``span``, or ``None``."""
    if not isinstance(span.trace_id, str) or not isinstance(span.span_id, str) or not isinstance(span.name, str):
        return "trace id, span id and name must be text"
    if span.parent_span_id is not None and not isinstance(span.parent_span_id, str):
        return "parent span id must be text"
    if span.status_message is not None and not isinstance(span.status_message, str):
        return "status message must be text"
    for name in ("start_ns", "end_ns", "kind", "status_code"):
        value = getattr(span, name)
        if value is not None and (not isinstance(value, int) or not INT64[0] <= value <= INT64[1]):
            return f"{name} {value!r:.40} does not fit SQLite's INTEGER"
    try:
        for value in (span.attributes, [e.to_json() for e in span.events], span.resource, span.scope, span.links):
            orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
    except (TypeError, orjson.JSONEncodeError) as exc:
        return f"does not encode as JSON: {exc}"
    for text in (span.trace_id, span.span_id, span.name, span.parent_span_id or "", span.status_message or ""):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "text with lone surrogates cannot be stored"
    return None


def _run_importer(importer: Any, path: Path, tally: Tally, label: str) -> None:
    skipped: list[RecordError] = []
    context = ReadContext(path=path, file_hash=hashlib.sha256(path.read_bytes()).hexdigest(), report=skipped.append)
    tally.importer_runs += 1
    try:
        if isinstance(importer, CaseExportImporter):
            for _record in importer.read_cases(context):  # each record is a validated Case
                tally.cases += 1
            return
        for chunk in importer.read(context):
            for span in chunk.spans:
                tally.spans += 1
                problem = storable_problem(span)
                if problem is not None:
                    tally.failures.append(f"{label}: {importer.name}: {chunk.where}: unstorable span: {problem}")
                    return
    except ReviewdeskError as exc:
        tally.rejected_files += 1
        if path.name not in str(exc):
            tally.failures.append(f"{label}: {importer.name}: rejection does not name the file: {exc}")
    except RecursionError:
        tally.failures.append(f"{label}: {importer.name}: RecursionError")
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        tally.failures.append(
            f"{label}: {importer.name}: {type(exc).__name__}: {str(exc)[:120]}"
            f" at {Path(where.filename).name}:{where.lineno}"
        )
    for error in skipped:
        tally.skipped_records += 1
        if not str(error).startswith(f"{path.name}: ") or not error.where:
            tally.failures.append(f"{label}: {importer.name}: skipped record not named: {error}")


def check_input(path: Path, tally: Tally, label: str) -> None:
    """Every importer on ``path``: the detected one, and each one forced."""
    tally.inputs += 1
    tally.by_mutation[label.split(" ", maxsplit=1)[0]] = tally.by_mutation.get(label.split(" ", maxsplit=1)[0], 0) + 1
    try:
        registry.detect(path)
    except FormatError as exc:
        if path.name not in str(exc):
            tally.failures.append(f"{label}: detection message does not name the file: {exc}")
    except Exception as exc:
        tally.failures.append(f"{label}: detection: {type(exc).__name__}: {exc}")
    for importer in registry.IMPORTERS:
        _run_importer(importer, path, tally, label)


def seed_paths(data_dir: Path) -> list[Path]:
    """The seed files: every sample each importer reads (reviewdesk's own export included)."""
    found: list[Path] = []
    candidates = [*data_dir.glob("samples/*.json*"), *data_dir.glob("instrumented/*.json*")]
    candidates += [p for p in data_dir.glob("formats/*") if p.suffix in (".json", ".jsonl", ".txt")]
    for path in sorted([*candidates, *data_dir.glob("exports/*.jsonl")]):
        if path.name == "expected.json":
            continue
        try:
            registry.detect(path)
        except FormatError:
            continue
        found.append(path)
    return found


def seeds(data_dir: Path) -> dict[str, bytes]:
    """The seed files' content, by name."""
    return {path.name: path.read_bytes() for path in seed_paths(data_dir)}


def fuzz(
    work: Path,
    seed_files: dict[str, bytes],
    *,
    inputs: int,
    seed: int,
    on_input: Callable[[Path, str], None] | None = None,
) -> Tally:
    """Run ``inputs`` mutated inputs through every importer; ``on_input`` sees each file too."""
    rng = random.Random(seed)
    tally = Tally()
    names = sorted(seed_files)
    for n in range(inputs):
        name = rng.choice(names)
        how, data = mutate(rng, seed_files[name])
        path = work / f"input-{n}{Path(name).suffix}"
        path.write_bytes(data)
        label = f"{how} of {name} (input {n}, seed {seed})"
        check_input(path, tally, label)
        if on_input is not None:
            on_input(path, label)
        path.unlink()
    return tally
