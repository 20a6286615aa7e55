"""Run OpenAI Evals exports with ``oaieval`` itself: ``openai-evals`` with ``evals.elsuite.basic.match:Match``
and ``openai-evals-graded`` with ``ModelBasedClassify`` and the closedqa spec; the completion
functions are ``reviewdesk_replay`` (the recorded answers) and its fixed grader. Prints, per
sample, whether it passed, joined back to case ids by sample order (oaieval numbers samples
``<eval>.<index>`` in file order).

argv: match.jsonl graded.jsonl answers.json (case id → recorded answer). Runs in the evals venv.
"""

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

match_file, graded_file, answers_file = (Path(a).resolve() for a in sys.argv[1:4])
answers = json.loads(answers_file.read_text())
work = Path.cwd()
registry = work / "registry"
(registry / "evals").mkdir(parents=True, exist_ok=True)
(registry / "completion_fns").mkdir(parents=True, exist_ok=True)


def lines(path):
    return [json.loads(line) for line in path.read_bytes().decode().split("\n") if line.strip()]


samples = {"match": lines(match_file), "graded": lines(graded_file)}
pairs = [[s["input"], answers[s["metadata"]["case_id"]]] for rows in samples.values() for s in rows]
(work / "replay.json").write_text(json.dumps(pairs))
(registry / "completion_fns" / "reviewdesk.yaml").write_text(
    json.dumps(
        {
            "reviewdesk-replay": {
                "class": "reviewdesk_replay:ReplayCompletionFn",
                "args": {"answers_path": str(work / "replay.json")},
            },
            "reviewdesk-grader": {"class": "reviewdesk_replay:FixedGraderCompletionFn"},
        }
    )
)
(registry / "evals" / "reviewdesk.yaml").write_text(
    json.dumps(
        {
            "reviewdesk-match": {"id": "reviewdesk-match.dev.v0", "metrics": ["accuracy"]},
            "reviewdesk-match.dev.v0": {
                "class": "evals.elsuite.basic.match:Match",
                "args": {"samples_jsonl": str(match_file)},
            },
            "reviewdesk-graded": {"id": "reviewdesk-graded.dev.v0", "metrics": ["accuracy"]},
            "reviewdesk-graded.dev.v0": {
                "class": "evals.elsuite.modelgraded.classify:ModelBasedClassify",
                "args": {
                    "samples_jsonl": str(graded_file),
                    "eval_type": "cot_classify",
                    "modelgraded_spec": "closedqa",
                },
            },
        }
    )
)
env = {
    **os.environ,
    "PYTHONPATH": str(Path(__file__).resolve().parent),
    "OPENAI_API_KEY": "offline-no-key",  # evals builds an OpenAI client at import; nothing calls it
    "EVALS_THREADS": "1",
    "EVALS_SEQUENTIAL": "1",
}
oaieval = Path(sys.executable).parent / "oaieval"
results = {}
for name, fns in (("match", "reviewdesk-replay"), ("graded", "reviewdesk-replay,reviewdesk-grader")):
    record = work / f"{name}.record.jsonl"
    ran = subprocess.run(
        [str(oaieval), fns, f"reviewdesk-{name}", "--registry_path", str(registry), "--record_path", str(record)],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=600,
        check=False,
    )
    if ran.returncode != 0:
        raise SystemExit(f"oaieval {name} failed ({ran.returncode}):\n{ran.stdout[-3000:]}\n{ran.stderr[-5000:]}")
    events = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
    rows = samples[name]
    for event in events:
        if event.get("type") not in ("match", "metrics") or "sample_id" not in event or event["sample_id"] is None:
            continue
        index = int(event["sample_id"].rsplit(".", 1)[1])
        case_id = rows[index]["metadata"]["case_id"]
        data = event["data"]
        passed = data["correct"] if event["type"] == "match" else data.get("score") == 1.0
        results.setdefault(name, {})[case_id] = passed
print(json.dumps({"version": version("evals"), "results": results}))
