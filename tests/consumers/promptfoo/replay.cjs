// A promptfoo provider that answers each test with the answer recorded in the trace (offline).
// REVIEWDESK_REPLAY names a JSON file {case_id: recorded answer}; the test case's metadata.case_id
// picks the answer, and the rendered prompt is echoed back in metadata so the test can check it.
const fs = require("fs");

module.exports = class ReplayProvider {
  constructor(options) {
    this.answers = JSON.parse(fs.readFileSync(process.env.REVIEWDESK_REPLAY, "utf8"));
    this.providerId = (options && options.id) || "reviewdesk-replay";
  }
  id() {
    return this.providerId;
  }
  async callApi(prompt, context) {
    const caseId = context && context.test && context.test.metadata && context.test.metadata.case_id;
    if (!(caseId in this.answers)) return { error: `no recorded answer for case ${caseId}` };
    return { output: this.answers[caseId], metadata: { renderedPrompt: prompt } };
  }
};
