#!/usr/bin/env python
"""Redaction on hostile text: does the time stay linear as an attribute doubles, up to 8 MB?

    python bench/redaction_bench.py                    # every input, 512 kB to 8 MB (a few minutes)
    python bench/redaction_bench.py --max-mb 2         # quicker
    python bench/redaction_bench.py --only http,pem    # some inputs
    python bench/redaction_bench.py --instructions     # also instructions per size, under valgrind (slow)

Untrusted trace text can be built to make a detector's regular expression backtrack: a run of
``http://a:b`` made the npm pattern (``//.+/:_authToken``) rescan to the end from every ``//``,
a PEM header without its END line made every header search to the end, ``eyJeyJeyJ…`` made the
JWT pattern start again at every ``eyJ``. Each input below is one unit repeated into a single
string (one attribute); the script redacts it at sizes doubling from ``--min-kb`` to ``--max-mb``
with the import's own ``Redactor`` and prints the time of each size and the ratio to the size
before. Linear work doubles (ratio 2); quadratic work quadruples (ratio 4). The target is a
ratio of at most 2.2 at every doubling; the last column says whether each input held it.

CPU time on a shared machine is noisy, and at megabytes it also grows with cache misses, which
other processes cause: ``--instructions`` adds a second table, the instructions the redaction
executes at each size (counted by ``valgrind --tool=callgrind``, instrumentation switched on only
around the one ``redact_text`` call, so start-up and warm-up do not count), which the load does not
change. A linear algorithm doubles them exactly; this is the table that says whether a detector is
linear, the time table says what it costs. Under valgrind a run is ~50x slower, so this table
defaults to 128 kB to 2 MB (``--instructions-max-mb``).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

from reviewdesk.privacy import RedactionSettings
from reviewdesk.privacy.redactor import Redactor

HOSTILE: dict[str, str] = {
    "http": "http://a:b",  # URL credentials without the @
    "pem": "-----BEGIN RSA PRIVATE KEY-----\n",  # headers without an END line
    "jwt": "eyJ",  # JWT starts that never reach a dot
    "npm": "//a/:_authToken",  # .npmrc prefixes without a value
    "token-run": "AKIAABCDEFGHIJKLMNOP",  # a key prefix in one endless token
    "email": "a@b.",  # domains that never reach a top-level label
    "email-local": "a.b-c+",  # an endless local part without @
    "digits": "1 ",  # phone-number candidates everywhere
    "card-groups": "4111 ",  # card-digit groups everywhere
    "colons": "a:",  # IPv6 candidates everywhere
    "dotted": "1.2.",  # IPv4 candidates everywhere
    "password": "password=",  # credential names whose value is another name
    "bearer": "Bearer ",  # a bearer scheme without a token
    "percent": "%41",  # URL encoding to decode
    "backslashes": "\\\\",  # escaped backslashes, decoded round after round
    "entities": "&#64;",  # HTML references to decode
    "iban": "DE89 ",  # IBAN starts
}
TARGET = 2.2


def _time(redactor: Redactor, text: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        # CPU time of this process: other processes on a shared machine do not count.
        start = time.process_time()
        redactor.redact_text(text, None)
        best = min(best, time.process_time() - start)
    return best


def _hostile(name: str, size: int) -> str:
    unit = HOSTILE[name]
    return (unit * (size // len(unit) + 1))[:size]


def _redactor() -> Redactor:
    redactor = Redactor(RedactionSettings(), key=b"bench-key-0123456789abcdef012345")
    redactor.redact_text("warm up a@b.example +44 20 7946 0958", None)  # load the detectors' data
    return redactor


def _child(name: str, size: int) -> int:
    """Under callgrind: warm up uninstrumented, then count the instructions of one redaction only."""
    redactor = _redactor()
    text = _hostile(name, size)
    redactor.redact_text(text[:4096], None)  # every detector's first-use work, outside the count
    control = ["callgrind_control", "--instr=on", str(os.getpid())]
    subprocess.run(control, check=True, capture_output=True)
    redactor.redact_text(text, None)
    subprocess.run([*control[:1], "--instr=off", str(os.getpid())], check=True, capture_output=True)
    return 0


_COLLECTED = re.compile(r"Collected : (\d+)")


def _instructions(name: str, size: int, scratch: Path) -> int:
    """Instructions one ``redact_text`` of ``name`` at ``size`` executes (callgrind, in a child)."""
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={scratch / f'{name}-{size}.out'}",
            sys.executable,
            __file__,
            "--child",
            name,
            str(size),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},  # the same dict layouts in every run
    )
    match = _COLLECTED.search(result.stderr)
    if result.returncode != 0 or match is None:
        raise SystemExit(f"valgrind run of {name} at {size} failed:\n{result.stderr[-2000:]}")
    return int(match.group(1))


def _doublings(min_kb: int, max_mb: float) -> list[int]:
    sizes = []
    size = min_kb * 1024
    while size <= max_mb * 1024 * 1024:
        sizes.append(size)
        size *= 2
    return sizes


def _row(name: str, values: list[float], fmt: str) -> tuple[str, float]:
    """One table row (value and ratio to the size before) and the worst ratio in it."""
    cells: list[str] = []
    worst = 0.0
    for previous, value in zip([None, *values], values, strict=False):
        if previous:
            ratio = value / previous
            worst = max(worst, ratio)
            cells.append(f"{value:{fmt}} x{ratio:4.2f}")
        else:
            cells.append(f"{value:{fmt}}      ")
    verdict = "ok" if worst <= TARGET else "OVER"
    return name.ljust(12) + "".join(f"{c:>16}" for c in cells) + f"   {worst:4.2f} {verdict}", worst


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        return _child(sys.argv[2], int(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-kb", type=int, default=512, help="smallest size in kB (default 512)")
    parser.add_argument("--max-mb", type=float, default=8, help="largest size in MB (default 8)")
    parser.add_argument("--only", default="", help="comma-separated input names (default: all)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per size; the fastest counts (default 1)")
    parser.add_argument("--instructions", action="store_true", help="also count instructions per size (valgrind)")
    parser.add_argument("--instructions-min-kb", type=int, default=128, help="instruction table from (default 128)")
    parser.add_argument("--instructions-max-mb", type=float, default=2, help="instruction table to (default 2)")
    parser.add_argument("--no-time", action="store_true", help="only the instruction table")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(HOSTILE)
    unknown = set(names) - set(HOSTILE)
    if unknown:
        parser.error(f"unknown inputs {sorted(unknown)}; known: {', '.join(HOSTILE)}")
    sizes = _doublings(args.min_kb, args.max_mb)
    if len(sizes) < 2:
        parser.error("need at least two sizes: lower --min-kb or raise --max-mb")
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    over: dict[str, list[str]] = {}
    if not args.no_time:
        redactor = _redactor()
        print("CPU seconds of one redaction per size (ratio to the size before; linear 2, quadratic 4)")
        print("input".ljust(12) + "".join(f"{s // 1024:>13} kB" for s in sizes) + "   worst")
        for name in names:
            row, worst = _row(name, [_time(redactor, _hostile(name, size), args.repeats) for size in sizes], "7.2f")
            print(row, flush=True)
            if worst > TARGET:
                over.setdefault("time", []).append(name)
    if args.instructions:
        counted = _doublings(args.instructions_min_kb, args.instructions_max_mb)
        print("\nmillions of instructions of one redaction per size (valgrind; ratio to the size before)")
        print("input".ljust(12) + "".join(f"{s // 1024:>13} kB" for s in counted) + "   worst")
        with TemporaryDirectory() as scratch:
            for name in names:
                values = [_instructions(name, size, Path(scratch)) / 1e6 for size in counted]
                row, worst = _row(name, values, "7.1f")
                print(row, flush=True)
                if worst > TARGET:
                    over.setdefault("instructions", []).append(name)
    for table in ("time", "instructions"):
        if table in over:
            print(f"{table}: over the {TARGET} target at some doubling: {', '.join(over[table])}")
    print(f"every doubling within {TARGET}: {'no' if over else 'yes'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
