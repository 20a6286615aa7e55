// A fixed, offline stand-in for promptfoo's model grader, so `factuality` and `llm-rubric` run
// without a model: factuality agrees ("C") only when the answer equals the expert answer exactly,
// else disagrees ("D"); llm-rubric fails an empty answer and an answer that repeats the rejected
// answer quoted in reviewdesk's rubric ("The rejected answer was: …"), and passes the rest.
const REJECTED = "The rejected answer was: ";

module.exports = class FixedGrader {
  id() {
    return "reviewdesk-fixed-grader";
  }
  async callApi(prompt, context) {
    const vars = (context && context.vars) || {};
    if ("ideal" in vars) {
      const agree = vars.completion === vars.ideal;
      return { output: JSON.stringify({ category: agree ? "C" : "D", reason: agree ? "identical" : "differs" }) };
    }
    const rubric = String(vars.rubric || "");
    const output = String(vars.output || "");
    const at = rubric.indexOf(REJECTED);
    const rejected = at >= 0 ? rubric.slice(at + REJECTED.length) : null;
    const pass = output.length > 0 && output !== rejected;
    return { output: JSON.stringify({ pass, score: pass ? 1 : 0, reason: pass ? "avoids the failure" : "repeats it" }) };
  }
};
