import assert from "node:assert/strict";
import { describe, runMain } from "../lib/cli.ts";

Deno.test("a missing permission reads as one line naming what was refused", () => {
  const refused = new Deno.errors.NotCapable(
    'Requires net access to "127.0.0.2:5433", run again with the --allow-net flag',
  );
  assert.equal(
    describe(refused),
    'Requires net access to "127.0.0.2:5433": this task\'s permission flags (deno.json) do not ' +
      "allow it; run it with `deno run` and a wider flag",
  );
  assert.match(
    describe(new Error("getaddrinfo EPERM db.example")),
    /^Requires net access to "db\.example": /,
  );
  assert.equal(describe(new Error('role "nouser" does not exist')), 'role "nouser" does not exist');
});

Deno.test("an entry point's unhandled error becomes one error line and exit code 1", async () => {
  const lines: string[] = [];
  const { error } = console;
  console.error = (line: string) => lines.push(line);
  try {
    assert.equal(await runMain(() => Promise.reject(new Error("boom"))), 1);
    assert.equal(await runMain(() => Promise.resolve(3)), 3);
  } finally {
    console.error = error;
  }
  assert.deepEqual(lines, ["error: boom"]);
});
