"""One reviewer labeling as fast as they can: a child process of the concurrency test and the bench.

    python -m tools.team_labeler URL COUNT [--cases N] [--seed S]

Opens the workspace at URL (as that URL's database user, who is the reviewer), reads the first
``--cases`` case ids, prints ``READY`` and waits for a line on standard input, so that every
reviewer starts at the same moment. Then it records ``COUNT`` label changes through the app's own
``record_label`` (a verdict, root causes and a comment naming the change's number, on cases picked
by a seeded generator) and prints one JSON line: the reviewer, each write's time in milliseconds,
the errors, the comment it last wrote per case (what the case's label of this reviewer must
say afterwards), and the statements and transactions its writes sent (SQLAlchemy's
``before_cursor_execute`` and ``begin`` events: a transaction costs its BEGIN and COMMIT besides).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time

from sqlalchemy import Connection, event

from reviewdesk.domain.errors import ReviewdeskError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import cases, labels, roles
from reviewdesk.services.workspace import open_workspace

VERDICTS = ("pass", "fail", "unsure")
ROOT_CAUSES = (["hallucination"], ["stale_source", "tool_error"], [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    ws = open_workspace(args.url)
    try:
        me = roles.identity(ws).user or "reviewer"
        ids = [row.case_id for row in cases.list_cases(ws, limit=args.cases)]
        rng = random.Random(f"{me}:{args.seed}")
        print("READY", flush=True)
        sys.stdin.readline()
        latencies: list[float] = []
        errors: list[str] = []
        last: dict[str, str] = {}
        sent = {"statements": 0, "transactions": 0}

        def statement(*_: object) -> None:
            sent["statements"] += 1

        def begin(conn: Connection) -> None:  # an autocommit connection's "begin" sends nothing
            sent["transactions"] += conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT"

        event.listen(ws.engine, "before_cursor_execute", statement)
        event.listen(ws.engine, "begin", begin)
        for n in range(args.count):
            case_id = rng.choice(ids)
            comment = f"{me}-{n}"
            change = LabelChange(verdict=VERDICTS[n % 3], root_causes=ROOT_CAUSES[n % 3], comment=comment)
            started = time.perf_counter()
            try:
                labels.record_label(ws, case_id, change, seconds_spent=1.0)
            except ReviewdeskError as exc:
                errors.append(str(exc))
                continue
            latencies.append((time.perf_counter() - started) * 1000)
            last[case_id] = comment
    finally:
        ws.close()
    report = {"reviewer": me, "latencies_ms": latencies, "errors": errors, "last": last, **sent}
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
