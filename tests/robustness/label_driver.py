"""Child process of test_crash: record labels as fast as it can, acknowledging each one on stdout.

    python -m tests.robustness.label_driver WORKSPACE TAG

Prints ``READY`` once the workspace is open, then ``ACK <case_id> <comment>`` after each
``record_label`` has returned — the moment the GUI would show the change as saved. The parent
kills it with SIGKILL at a random moment and then checks that every acknowledged label is there.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import cases, labels
from reviewdesk.services.workspace import open_workspace

ROOT_CAUSES = (["hallucination"], ["stale_source", "tool_error"], [])
VERDICTS = ("pass", "fail", "unsure")


def main() -> None:
    path, tag = Path(sys.argv[1]), sys.argv[2]
    ws = open_workspace(path)
    ids = [row.case_id for row in cases.list_cases(ws, limit=50)]
    print("READY", flush=True)
    n = 0
    while True:
        case_id = ids[n % len(ids)]
        change = LabelChange(
            verdict=VERDICTS[n % 3], root_causes=ROOT_CAUSES[n % 3], comment=f"{tag}-{n}", scores={"safety": n % 5 + 1}
        )
        labels.record_label(ws, case_id, change, reviewer="crash-test", seconds_spent=0.1)
        print(f"ACK {case_id} {tag}-{n}", flush=True)
        n += 1


if __name__ == "__main__":
    main()
