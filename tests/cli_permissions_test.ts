/**
 * The CLIs as deno.json runs them, with a base URL outside the task's --allow-net: they stop
 * at once with one line naming the host and the setting, instead of retrying a host the task
 * may never reach.
 */
import assert from "node:assert/strict";
import { listRuns } from "../db/run_log.ts";
import { createTestDatabase, type TestDatabase } from "./helpers/database.ts";

const PROJECT = new URL("..", import.meta.url).pathname;

/**
 * `deno task -q <task>` (no "Task …" header) on the test's schema, with `env`; its exit code,
 * stdout and stderr lines.
 */
async function runTask(task: string, db: TestDatabase, env: Record<string, string>) {
  const { code, stdout, stderr } = await new Deno.Command("deno", {
    args: ["task", "-q", task],
    cwd: PROJECT,
    env: { DATABASE_URL: `${db.url}?search_path=${db.schema}`, NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return {
    code,
    stdout: text.decode(stdout),
    stderr: text.decode(stderr).trimEnd().split("\n"),
  };
}

const refused = (host: string, setting: string) =>
  `error: Cannot reach "${host}": not allowed by this task's --allow-net (deno.json); ` +
  `point ${setting} at an allowed host or change the task`;

Deno.test("deno task airquality stops at once with one line when AIRQINO_BASE_URL is not allowed", async () => {
  await using db = await createTestDatabase();
  const run = await runTask("airquality", db, {
    AIRQINO_BASE_URL: "http://127.0.0.2:8080",
  });
  assert.deepEqual(run, {
    code: 2,
    stdout: "",
    stderr: [refused("127.0.0.2:8080", "AIRQINO_BASE_URL")],
  });
  assert.deepEqual(await listRuns(db.sql, "airqino"), [], "no run is recorded");
});

Deno.test("deno task airquality names AIRQINO_AUTH_URL when the token host is not allowed", async () => {
  await using db = await createTestDatabase();
  const run = await runTask("airquality", db, {
    AIRQINO_REFRESH_TOKEN: "refresh-1",
    AIRQINO_AUTH_URL: "https://example.invalid/realms/airqino/protocol/openid-connect/token",
  });
  assert.deepEqual(
    [run.code, run.stderr],
    [2, [refused("example.invalid:443", "AIRQINO_AUTH_URL")]],
  );
});

Deno.test("deno task refresh stops at once with one line when RTE_BASE_URL is not allowed", async () => {
  await using db = await createTestDatabase();
  const run = await runTask("refresh", db, {
    RTE_BASE_URL: "https://example.invalid",
  });
  assert.deepEqual(run, {
    code: 2,
    stdout: "",
    stderr: [refused("example.invalid:443", "RTE_BASE_URL")],
  });
  assert.deepEqual(await listRuns(db.sql, "rte"), [], "no run is recorded");
});
