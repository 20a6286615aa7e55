"""Run an Inspect AI dataset export with ``inspect_ai.eval``: ``mockllm`` replays each case's recorded
answer (argv[2]: JSON {case id: answer}); print each sample's score as JSON.

Scoring: a sample whose target is the reference answer (``metadata.target_kind == "reference"``)
uses Inspect's own ``exact()`` scorer; a regression sample (the target is a rubric for
``model_graded_qa``, which needs a model grader) is scored by a fixed, offline stand-in for that
grader: incorrect when the answer is empty or repeats ``metadata.rejected_output``.

Runs in the inspect consumer venv (tests/consumers/envs.py), never in reviewdesk's own.
"""

import json
import sys
from importlib.metadata import version
from pathlib import Path

from inspect_ai import Task, eval
from inspect_ai.dataset import json_dataset
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.scorer import CORRECT, INCORRECT, Score, Target, exact, scorer
from inspect_ai.scorer._metrics import accuracy
from inspect_ai.solver import TaskState, generate

dataset_path, replay_path = sys.argv[1], sys.argv[2]
answers = json.loads(Path(replay_path).read_text())
lines = [json.loads(line) for line in Path(dataset_path).read_bytes().decode().split("\n") if line.strip()]


def key(messages):
    return json.dumps([[m["role"], m.get("content") or ""] for m in messages], sort_keys=True)


by_input = {}
for line in lines:
    k = key(line["input"])
    if k in by_input and by_input[k] != answers[line["id"]]:
        raise SystemExit(f"two samples share an input but not an answer: {line['id']}")
    by_input[k] = answers[line["id"]]


def replay(messages, tools, tool_choice, config):
    k = json.dumps([[m.role, m.text] for m in messages], sort_keys=True)
    output = ModelOutput.from_content(model="mockllm/model", content=by_input[k])
    # With usage set, mockllm does not count tokens with tiktoken (which downloads its encoding).
    output.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
    return output


@scorer(metrics=[accuracy()])
def reviewed():
    reference = exact()

    async def score(state: TaskState, target: Target) -> Score:
        if state.metadata.get("target_kind") == "reference":
            return await reference(state, target)
        answer = state.output.completion
        rejected = state.metadata.get("rejected_output")
        bad = not answer.strip() or answer == rejected
        return Score(value=INCORRECT if bad else CORRECT, answer=answer)

    return score


task = Task(dataset=json_dataset(dataset_path), solver=generate(), scorer=reviewed())
(log,) = eval(
    task,
    model=get_model("mockllm/model", custom_outputs=replay),
    log_dir=str(Path.cwd() / "logs"),
    display="none",
)
errors = [f"{s.id}: {s.error.message}" for s in log.samples if s.error]
if errors:
    raise SystemExit("samples failed: " + "; ".join(errors))
scores = {str(s.id): next(iter(s.scores.values())).value for s in log.samples}
print(json.dumps({"version": version("inspect_ai"), "status": log.status, "scores": scores}))
