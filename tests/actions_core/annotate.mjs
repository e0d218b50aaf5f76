// Reads a JSON list of {command, message, properties} on stdin and writes each one with GitHub's
// own toolkit (@actions/core), so tests/test_reporter_github.py can compare its bytes with ours.
// @actions/core 3 is an ES module: the test copies this file next to the node_modules it installed.
import * as core from "@actions/core";

const calls = { error: core.error, warning: core.warning, notice: core.notice };

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) {
  input += chunk;
}
for (const annotation of JSON.parse(input)) {
  const call = calls[annotation.command];
  if (!call) {
    throw new Error(`unknown annotation command ${annotation.command}`);
  }
  call(annotation.message, annotation.properties);
}
