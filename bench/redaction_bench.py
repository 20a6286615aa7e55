#!/usr/bin/env python
"""Redaction on hostile text: does the time stay linear as an attribute doubles, up to 8 MB?

    python bench/redaction_bench.py                    # every input, 512 kB to 8 MB (a few minutes)
    python bench/redaction_bench.py --max-mb 2         # quicker
    python bench/redaction_bench.py --only http,pem    # some inputs

Untrusted trace text can be built to make a detector's regular expression backtrack: a run of
``http://a:b`` made the npm pattern (``//.+/:_authToken``) rescan to the end from every ``//``,
a PEM header without its END line made every header search to the end, ``eyJeyJeyJ…`` made the
JWT pattern start again at every ``eyJ``. Each input below is one unit repeated into a single
string (one attribute); the script redacts it at sizes doubling from ``--min-kb`` to ``--max-mb``
with the import's own ``Redactor`` and prints the time of each size and the ratio to the size
before. Linear work doubles (ratio 2); quadratic work quadruples (ratio 4). The target is a
ratio of at most 2.2 at every doubling; the last column says whether each input held it.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--min-kb", type=int, default=512, help="smallest size in kB (default 512)")
    parser.add_argument("--max-mb", type=float, default=8, help="largest size in MB (default 8)")
    parser.add_argument("--only", default="", help="comma-separated input names (default: all)")
    parser.add_argument("--repeats", type=int, default=1, help="runs per size; the fastest counts (default 1)")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n] or list(HOSTILE)
    unknown = set(names) - set(HOSTILE)
    if unknown:
        parser.error(f"unknown inputs {sorted(unknown)}; known: {', '.join(HOSTILE)}")
    sizes = []
    size = args.min_kb * 1024
    while size <= args.max_mb * 1024 * 1024:
        sizes.append(size)
        size *= 2
    if len(sizes) < 2:
        parser.error("need at least two sizes: lower --min-kb or raise --max-mb")
    redactor = Redactor(RedactionSettings(), key=b"bench-key-0123456789abcdef012345")
    redactor.redact_text("warm up a@b.example +44 20 7946 0958", None)  # load the detectors' data
    header = "input".ljust(12) + "".join(f"{s // 1024:>10} kB" for s in sizes) + "   worst ratio"
    print(f"redaction of one attribute made of a repeated unit; seconds per size (ratio to the size before)\n{header}")
    worst_overall = 0.0
    failed: list[str] = []
    for name in names:
        unit = HOSTILE[name]
        cells: list[str] = []
        previous: float | None = None
        worst = 0.0
        for size in sizes:
            text = (unit * (size // len(unit) + 1))[:size]
            seconds = _time(redactor, text, args.repeats)
            if previous is not None and previous > 0:
                ratio = seconds / previous
                worst = max(worst, ratio)
                cells.append(f"{seconds:7.2f} x{ratio:3.1f}")
            else:
                cells.append(f"{seconds:7.2f}     ")
            previous = seconds
        worst_overall = max(worst_overall, worst)
        verdict = "ok" if worst <= TARGET else "OVER"
        if worst > TARGET:
            failed.append(name)
        print(name.ljust(12) + "".join(f"{c:>13}" for c in cells) + f"   {worst:4.2f} {verdict}", flush=True)
    print(f"\nworst ratio per doubling: {worst_overall:.2f} (target <= {TARGET}); over target: {failed or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
