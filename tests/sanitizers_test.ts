/**
 * Deno 2.9 turns the op and resource sanitizers off by default, so a test leaking a timer or a
 * connection would pass unnoticed. The test tasks turn them on with flags; this proves they do
 * by running a leaking fixture with exactly the flags written in deno.json.
 */
import assert from "node:assert/strict";

const LEAKY_FIXTURE = "tests/fixtures/leaky_timer.ts";
const tasks = JSON.parse(await Deno.readTextFile("deno.json")).tasks;

for (const task of ["test:service", "test:browser"]) {
  Deno.test(`a test leaking a timer fails under the flags of deno task ${task}`, async () => {
    // The task's flags without its file arguments, applied to the fixture alone.
    const flags = (tasks[task] as string).split(/\s+/).filter((arg) => arg.startsWith("--"));
    const run = await new Deno.Command("deno", {
      args: ["test", ...flags, LEAKY_FIXTURE],
      env: { NO_COLOR: "1" },
    }).output();
    const output = new TextDecoder().decode(run.stdout) + new TextDecoder().decode(run.stderr);
    assert.notEqual(run.code, 0, output);
    assert.match(output, /Leaks detected/);
    assert.match(output, /A timer was started in this test, but never completed/);
  });
}
